/**
 * The run file: one training session of one model as versioned JSON (docs/run-file.md).
 * This module holds its types and is its only writer; ./parseRun.ts is its only reader.
 * Strings read from a file are data: nothing here renders them, and whoever does must escape them.
 */
import type { ModelConfig } from '../model/config';
import { HEADS, LAYER_METRICS, type FrameShape, type LayerMetric, type StepFrame } from '../train/frame';
import { float32Text } from './float32Text';

/** The value of a run file's `format` field. */
export const RUN_FILE_FORMAT = 'gradflow-run';
/** The version this code writes, and the newest it reads. */
export const RUN_FILE_VERSION = 1;

/** How the model was trained. */
export interface TrainingSettings {
  readonly optimizer: 'sgd' | 'adam';
  /** > 0. */
  readonly learningRate: number;
  /** sgd only (0.9 by default); 0 <= momentum < 1. */
  readonly momentum: number;
  /** Integer >= 1. */
  readonly batchSize: number;
  /** Integer 0..2^32-1. */
  readonly seed: number;
  /** k: per-head contributions are measured every k-th step (integer >= 1). */
  readonly perHeadEvery: number;
  /** N: held-out accuracy is measured every N steps (integer >= 1). */
  readonly evalEvery: number;
  /** Number of held-out images evaluated. */
  readonly evalSize: number;
}

/** Something that happened at a step: a divergence, or a setting changed by the user. */
export interface RunEvent {
  readonly step: number;
  readonly type: 'diverged' | 'setting';
  readonly detail: string;
}

/** Everything about a run except its steps: what was trained, how, on what, and the axes of the step arrays. */
export interface RunHeader {
  readonly config: ModelConfig;
  readonly preset: string | null;
  readonly training: TrainingSettings;
  readonly dataset: {
    readonly name: string;
    readonly trainCount: number;
    readonly evalCount: number;
    readonly normalisation: { readonly mean: readonly number[]; readonly std: readonly number[] };
  };
  readonly backend: string;
  /** The weighted layers in depth order; per-layer arrays in steps are indexed like this. */
  readonly layers: readonly {
    readonly name: string;
    readonly kind: 'stem' | 'inception' | 'aux' | 'classifier';
    readonly head: 'main' | 'aux1' | 'aux2';
    readonly params: number;
  }[];
  /** Block names in depth order; per-block arrays in steps are indexed like this. */
  readonly blocks: readonly string[];
  /** ISO date and time the run started. */
  readonly createdAt: string;
  /** A short name for comparisons, e.g. "A: aux on". */
  readonly label?: string;
}

/** One value per head: main, aux1, aux2. */
export interface PerHead<T> { main: T; aux1: T; aux2: T }

/**
 * A step's numbers per layer or per block, read by index, length and iteration only: a plain
 * array (a parsed run's), or a Float64Array view into a larger buffer, off the JS heap so that
 * the page's garbage collector has little to mark and move: a run opened on the page keeps
 * its steps' numbers in one buffer (./packNumbers.ts), a live step in one of its own
 * (stepFromFrame).
 */
export type Numbers = ArrayLike<number> & Iterable<number>;

/** Whether the list at `path` in a Run (keys and indices from the top) is one of a step's Numbers: steps[i].layers.gradNorm, steps[i].perHead.gradNorm.main, ... */
export const isStepNumbers = (path: readonly (string | number)[]): boolean => path[0] === 'steps' && path.length > 2;

/** One training step as plain numbers (float32 values; see StepFrame for the definitions). */
export interface RunStep {
  readonly step: number;
  readonly loss: { main: number; aux1: number; aux2: number; total: number };
  readonly accuracy: PerHead<number>;
  /** Indexed like header.layers. */
  readonly layers: Record<LayerMetric, Numbers>;
  /** Indexed like header.blocks. */
  readonly actGradRms: Numbers;
  readonly perHead?: { gradNorm: PerHead<Numbers>; actGradRms: PerHead<Numbers> };
  readonly evalAccuracy?: PerHead<number>;
  readonly diverged?: { where: string };
}

/** One run: its header, its steps in increasing order, and its events in step order. */
export interface Run {
  readonly header: RunHeader;
  readonly steps: readonly RunStep[];
  readonly events: readonly RunEvent[];
}

/**
 * Copies a frame's numbers into a RunStep; throws if the frame does not have `shape`. The
 * step's lists are views into one Float64Array of its own, off the JS heap (see Numbers).
 */
export function stepFromFrame(frame: StepFrame, shape: FrameShape): RunStep {
  const { layers, blocks } = shape;
  const M = LAYER_METRICS.length;
  const fits = frame.layers.length === layers * M && frame.actGradRms.length === blocks
    && (!frame.perHead || (frame.perHead.gradNorm.length === 3 * layers && frame.perHead.actGradRms.length === 3 * blocks));
  if (!fits) throw new Error(`step ${frame.step}: the frame does not have ${layers} layers and ${blocks} blocks`);
  const numbers = new Float64Array(layers * M + blocks + (frame.perHead ? 3 * (layers + blocks) : 0));
  let at = 0;
  const take = (values: ArrayLike<number>): Float64Array => {
    numbers.set(values, at);
    at += values.length;
    return numbers.subarray(at - values.length, at);
  };
  const column = (metric: LayerMetric): Float64Array => {
    const m = LAYER_METRICS.indexOf(metric);
    const out = numbers.subarray(at, at + layers);
    for (let l = 0; l < layers; l++) out[l] = frame.layers[l * M + m]!;
    at += layers;
    return out;
  };
  const heads = (values: Float32Array, n: number): PerHead<Numbers> => ({
    main: take(values.subarray(0, n)),
    aux1: take(values.subarray(n, 2 * n)),
    aux2: take(values.subarray(2 * n, 3 * n)),
  });
  const [main, aux1, aux2, total] = frame.loss;
  const accuracy = frame.accuracy;
  const step: RunStep = {
    step: frame.step,
    loss: { main: main!, aux1: aux1!, aux2: aux2!, total: total! },
    accuracy: { main: accuracy[0]!, aux1: accuracy[1]!, aux2: accuracy[2]! },
    layers: {
      gradNorm: column('gradNorm'), gradRms: column('gradRms'), gradMeanAbs: column('gradMeanAbs'),
      gradMaxAbs: column('gradMaxAbs'), weightNorm: column('weightNorm'), updateRatio: column('updateRatio'),
    },
    actGradRms: take(frame.actGradRms),
    ...(frame.perHead && { perHead: { gradNorm: heads(frame.perHead.gradNorm, layers), actGradRms: heads(frame.perHead.actGradRms, blocks) } }),
    ...(frame.evalAccuracy && { evalAccuracy: { main: frame.evalAccuracy[0]!, aux1: frame.evalAccuracy[1]!, aux2: frame.evalAccuracy[2]! } }),
    ...(frame.diverged && { diverged: { where: frame.diverged.where } }),
  };
  return step;
}

const list = (values: Numbers): string => `[${Array.from(values, float32Text).join(',')}]`;
const fields = (entries: readonly (readonly [string, string])[]): string => `{${entries.map(([k, v]) => `"${k}":${v}`).join(',')}}`;
const heads = <T>(values: PerHead<T>, text: (v: T) => string): string => fields(HEADS.map((h) => [h, text(values[h])]));

/** One step as a line of JSON, fields in a fixed order. */
function stepText(s: RunStep): string {
  const parts: [string, string][] = [
    ['step', String(s.step)],
    ['loss', fields([['main', float32Text(s.loss.main)], ['aux1', float32Text(s.loss.aux1)], ['aux2', float32Text(s.loss.aux2)], ['total', float32Text(s.loss.total)]])],
    ['accuracy', heads(s.accuracy, float32Text)],
    ['layers', fields(LAYER_METRICS.map((m) => [m, list(s.layers[m])]))],
    ['actGradRms', list(s.actGradRms)],
  ];
  if (s.perHead) parts.push(['perHead', fields([['gradNorm', heads(s.perHead.gradNorm, list)], ['actGradRms', heads(s.perHead.actGradRms, list)]])]);
  if (s.evalAccuracy) parts.push(['evalAccuracy', heads(s.evalAccuracy, float32Text)]);
  if (s.diverged) parts.push(['diverged', fields([['where', JSON.stringify(s.diverged.where)]])]);
  return fields(parts);
}

/** The header with exactly the fields of the format, in their documented order (extra properties are dropped). */
function headerFields(h: RunHeader): RunHeader {
  const { config: c, training: t, dataset: d } = h;
  return {
    config: {
      inputSize: c.inputSize, channels: c.channels, classes: c.classes, stem: c.stem, width: c.width,
      activation: c.activation, batchNorm: c.batchNorm, init: c.init,
      aux1: { mode: c.aux1.mode, weight: c.aux1.weight }, aux2: { mode: c.aux2.mode, weight: c.aux2.weight },
    },
    preset: h.preset,
    training: {
      optimizer: t.optimizer, learningRate: t.learningRate, momentum: t.momentum, batchSize: t.batchSize,
      seed: t.seed, perHeadEvery: t.perHeadEvery, evalEvery: t.evalEvery, evalSize: t.evalSize,
    },
    dataset: {
      name: d.name, trainCount: d.trainCount, evalCount: d.evalCount,
      normalisation: { mean: [...d.normalisation.mean], std: [...d.normalisation.std] },
    },
    backend: h.backend,
    layers: h.layers.map((l) => ({ name: l.name, kind: l.kind, head: l.head, params: l.params })),
    blocks: [...h.blocks],
    createdAt: h.createdAt,
    ...(h.label !== undefined && { label: h.label }),
  };
}

/** JSON indented by two spaces, with any object or list that fits in 100 characters on one line. */
function pretty(value: unknown, indent: string): string {
  const flat = JSON.stringify(value);
  if (typeof value !== 'object' || value === null || flat.length <= 100) return flat;
  const inner = `${indent}  `;
  const items = Array.isArray(value)
    ? value.map((v) => inner + pretty(v, inner))
    : Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => `${inner}${JSON.stringify(k)}: ${pretty(v, inner)}`);
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  return `${open}\n${items.join(',\n')}\n${indent}${close}`;
}

/** The run as the JSON text of a run file: header pretty-printed, one step per line. Does not validate. */
export function serializeRun(run: Run): string {
  const block = (items: readonly string[]): string => (items.length === 0 ? '[]' : `[\n    ${items.join(',\n    ')}\n  ]`);
  const header = pretty(headerFields(run.header), '  ');
  const events = run.events.map((e) => JSON.stringify({ step: e.step, type: e.type, detail: e.detail }));
  return `{\n  "format": ${JSON.stringify(RUN_FILE_FORMAT)},\n  "version": ${RUN_FILE_VERSION},\n  "header": ${header},\n`
    + `  "steps": ${block(run.steps.map(stepText))},\n  "events": ${block(events)}\n}\n`;
}
