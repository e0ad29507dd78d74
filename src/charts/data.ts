/**
 * The numbers behind the depth charts, as pure functions of a run: depth order, exact
 * block aggregates, per-head norms, A/B ratios and TensorBoard smoothing. No DOM.
 */
import type { Measure } from '../shared/experiment';
import type { Numbers, Run, RunHeader, RunStep } from '../shared/runFile';
import type { Detail, HeadName, LayerKind } from './types';

/** One position along the depth axis with its value at one step. */
export interface DepthPoint {
  /** Block name ('conv1', 'inception_4a'), 'classifier', or a layer name in layer detail. */
  readonly key: string;
  /** Short axis label: 'conv1', '3a', 'cls', '3a/1x1'. */
  readonly label: string;
  /** The depth group the point belongs to: a block name or 'classifier'. */
  readonly block: string;
  readonly kind: LayerKind;
  readonly value: number;
}

/** Which layers (or which block output) make one depth point. */
export interface DepthRow {
  readonly key: string;
  readonly label: string;
  readonly block: string;
  readonly kind: LayerKind;
  /** Indices into header.layers (gradient measures). */
  readonly layers: readonly number[];
  /** Index into header.blocks (actGradRms), else -1. */
  readonly blockIndex: number;
}

export const MEASURE_LABEL: Readonly<Record<Measure, string>> = {
  gradRms: 'gradient RMS', gradNorm: 'gradient norm', gradMeanAbs: 'mean |gradient|',
  gradMaxAbs: 'max |gradient|', actGradRms: 'activation-gradient RMS',
};

/** The depth group of a layer from its pinned name: 'conv1', 'inception_4a', 'classifier' (loss3), 'aux1' (loss1), 'aux2' (loss2). */
export function blockOfLayer(name: string): string {
  const prefix = name.split('/')[0] ?? name;
  return ({ loss3: 'classifier', loss1: 'aux1', loss2: 'aux2' } as Record<string, string>)[prefix] ?? prefix;
}

/** 'inception_3a' -> '3a', 'classifier' -> 'cls'; 'inception_3a/1x1' -> '3a/1x1'. */
export function shortLabel(name: string): string {
  if (name === 'classifier' || name === 'loss3/classifier') return 'cls';
  return name.replace(/^inception_/, '');
}

/** depthRows per header, kept while the header lives: every chart asks for them with every step. */
const rowsOfHeader = new WeakMap<RunHeader, Map<string, readonly DepthRow[]>>();

/** The rows of a depth chart for this header: trunk blocks in depth order then the classifier, or every trunk layer (aux-head layers excluded). actGradRms exists per block only, so it always gives block rows (without the classifier). The same array for the same header, measure and detail. */
export function depthRows(header: RunHeader, measure: Measure, detail: Detail): readonly DepthRow[] {
  let known = rowsOfHeader.get(header);
  if (!known) rowsOfHeader.set(header, (known = new Map()));
  const key = `${measure === 'actGradRms' ? 'block-activations' : detail}`;
  let rows = known.get(key);
  if (!rows) known.set(key, (rows = newDepthRows(header, measure, detail)));
  return rows;
}

function newDepthRows(header: RunHeader, measure: Measure, detail: Detail): DepthRow[] {
  if (measure === 'actGradRms') {
    const kindOf = new Map(header.layers.map((l) => [blockOfLayer(l.name), l.kind]));
    return header.blocks.map((b, i) => ({ key: b, label: shortLabel(b), block: b, kind: kindOf.get(b) ?? 'inception', layers: [], blockIndex: i }));
  }
  const trunk = header.layers.map((l, i) => ({ ...l, i, block: blockOfLayer(l.name) })).filter((l) => l.head === 'main');
  if (detail === 'layer') {
    return trunk.map((l) => ({ key: l.name, label: shortLabel(l.name), block: l.block, kind: l.kind, layers: [l.i], blockIndex: -1 }));
  }
  const groups = [...header.blocks, 'classifier'];
  return groups.flatMap((g) => {
    const members = trunk.filter((l) => l.block === g);
    const first = members[0];
    return first ? [{ key: g, label: shortLabel(g), block: g, kind: first.kind, layers: members.map((l) => l.i), blockIndex: -1 }] : [];
  });
}

/**
 * A measure over a set of layers, exactly: gradNorm = sqrt(sum norm²); gradRms = sqrt(sum norm² / sum params);
 * gradMeanAbs = params-weighted mean; gradMaxAbs = max. A single layer gives its own value. NaN and
 * infinities propagate (never dropped).
 */
export function aggregate(header: RunHeader, step: RunStep, measure: Exclude<Measure, 'actGradRms'>, layers: readonly number[], norms?: Numbers): number {
  if (layers.length === 1 && !norms) return step.layers[measure][layers[0]!] ?? NaN;
  // Index loops and no closure: the heatmap calls this for every cell with every step.
  const normsOf = norms ?? step.layers.gradNorm;
  let sumSq = 0;
  let params = 0;
  let weighted = 0;
  let max = -Infinity;
  for (let k = 0; k < layers.length; k++) {
    const i = layers[k]!;
    const p = header.layers[i]?.params ?? NaN;
    sumSq += (normsOf[i] ?? NaN) ** 2;
    params += p;
    weighted += (step.layers.gradMeanAbs[i] ?? NaN) * p;
    const m = step.layers.gradMaxAbs[i] ?? NaN;
    max = Number.isNaN(m) || Number.isNaN(max) ? NaN : Math.max(max, m);
  }
  if (layers.length === 0) return NaN;
  switch (measure) {
    case 'gradNorm': return Math.sqrt(sumSq);
    case 'gradRms': return Math.sqrt(sumSq / params);
    case 'gradMeanAbs': return weighted / params;
    case 'gradMaxAbs': return max;
  }
}

/** The value of one depth row at a step. */
export function rowValue(header: RunHeader, step: RunStep, measure: Measure, row: DepthRow): number {
  return measure === 'actGradRms' ? (step.actGradRms[row.blockIndex] ?? NaN) : aggregate(header, step, measure, row.layers);
}

/** The depth profile of run.steps[stepIndex] ([] when there is no such step); `rows` when the caller has them already (several profiles of one run). */
export function depthPoints(run: Run, stepIndex: number, measure: Measure, detail: Detail, rows: readonly DepthRow[] = depthRows(run.header, measure, detail)): DepthPoint[] {
  const step = run.steps[stepIndex];
  if (!step) return [];
  return rows.map((row) =>
    ({ key: row.key, label: row.label, block: row.block, kind: row.kind, value: rowValue(run.header, step, measure, row) }));
}

/** The value of a measure over one aux head's own layers (undefined for actGradRms, which aux heads do not have). */
export function auxHeadValue(run: Run, stepIndex: number, measure: Measure, head: 'aux1' | 'aux2'): number | undefined {
  const step = run.steps[stepIndex];
  if (!step || measure === 'actGradRms') return undefined;
  const layers = run.header.layers.flatMap((l, i) => (l.head === head ? [i] : []));
  return layers.length > 0 ? aggregate(run.header, step, measure, layers) : undefined;
}

/** Index of the latest step that carries per-head numbers, or -1. */
export function latestPerHeadIndex(run: Run): number {
  for (let i = run.steps.length - 1; i >= 0; i--) if (run.steps[i]!.perHead) return i;
  return -1;
}

export interface HeadPoint extends Omit<DepthPoint, 'value'> {
  /** ||d(w_h CE_h)/d theta|| over the point's layers, per head (block: sqrt of the summed squares). */
  readonly norms: Readonly<Record<HeadName, number>>;
}

/** Per-head gradient norms by depth at a per-head step; null when the step has none. */
export function headSeries(run: Run, stepIndex: number, detail: Detail = 'block'): { step: number; points: HeadPoint[] } | null {
  const step = run.steps[stepIndex];
  const per = step?.perHead;
  if (!step || !per) return null;
  const points = depthRows(run.header, 'gradNorm', detail).map(({ key, label, block, kind, layers }) => {
    const norm = (h: HeadName) => aggregate(run.header, step, 'gradNorm', layers, per.gradNorm[h]);
    return { key, label, block, kind, norms: { main: norm('main'), aux1: norm('aux1'), aux2: norm('aux2') } };
  });
  return { step: step.step, points };
}

/** At or below this, 1 - x is exactly 1 in double precision. */
const DEBIAS_GONE = 2 ** -54;

/**
 * TensorBoard's smoothing: an exponential moving average debiased like Adam (the first values are not
 * pulled toward 0). Non-finite values pass through unchanged and do not disturb the average.
 * weight is clamped to [0, 0.999].
 */
export function smooth(values: ArrayLike<number>, weight: number): Float64Array {
  const w = Math.min(Math.max(weight, 0), 0.999);
  const out = new Float64Array(values.length);
  let last = 0;
  /** w to the power of the number of finite values so far (a running product: no pow per value on long series). */
  let debias = 1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    last = last * w + (1 - w) * v;
    // At or below 2^-54, 1 - debias rounds to 1: stop there. Multiplied on, it would reach the
    // smallest subnormal, which w > 0.5 rounds back to itself: every later step would then do
    // subnormal arithmetic, several times slower (a 10,000-step run smoothed 6x slower).
    debias = debias > DEBIAS_GONE ? debias * w : 0;
    out[i] = last / (1 - debias);
  }
  return out;
}

/** Indices of up to `trail` steps before the last of `count`, evenly spaced from the first. */
export function trailIndices(count: number, trail: number): number[] {
  const earlier = count - 1;
  const k = Math.max(0, Math.floor(trail));
  if (earlier <= 0 || k === 0) return [];
  if (earlier <= k) return Array.from({ length: earlier }, (_, i) => i);
  if (k === 1) return [0];
  return Array.from({ length: k }, (_, i) => Math.round((i * (earlier - 1)) / (k - 1)));
}

/** Index in each run of the largest step number both have, or null. */
export function latestCommonStep(a: Run, b: Run): { a: number; b: number; step: number } | null {
  let i = a.steps.length - 1;
  let j = b.steps.length - 1;
  while (i >= 0 && j >= 0) {
    const sa = a.steps[i]!.step;
    const sb = b.steps[j]!.step;
    if (sa === sb) return { a: i, b: j, step: sa };
    if (sa > sb) i--;
    else j--;
  }
  return null;
}

export interface RatioPoint extends Omit<DepthPoint, 'value'> {
  readonly a: number;
  readonly b: number;
  /** A/B when both are finite and > 0, else null with the reason. */
  readonly ratio: number | null;
  readonly undefinedBecause?: 'A is zero' | 'B is zero' | 'both are zero' | 'non-finite' | 'negative' | 'missing';
}

/** A/B by depth at the latest step both runs have; null when they share none. Points follow A's depth order. */
export function ratioPoints(a: Run, b: Run, measure: Measure, detail: Detail): { step: number; points: RatioPoint[] } | null {
  const common = latestCommonStep(a, b);
  if (!common) return null;
  const inB = new Map(depthPoints(b, common.b, measure, detail).map((p) => [p.key, p.value]));
  const points = depthPoints(a, common.a, measure, detail).map(({ value, ...p }): RatioPoint => {
    const vb = inB.get(p.key);
    if (vb === undefined) return { ...p, a: value, b: NaN, ratio: null, undefinedBecause: 'missing' };
    const base = { ...p, a: value, b: vb };
    if (!Number.isFinite(value) || !Number.isFinite(vb)) return { ...base, ratio: null, undefinedBecause: 'non-finite' };
    if (value < 0 || vb < 0) return { ...base, ratio: null, undefinedBecause: 'negative' };
    if (value === 0 || vb === 0) return { ...base, ratio: null, undefinedBecause: value === vb ? 'both are zero' : value === 0 ? 'A is zero' : 'B is zero' };
    return { ...base, ratio: value / vb };
  });
  return { step: common.step, points };
}
