/** Runs for the chart tests: a tiny hand-made one with exact numbers, and synthetic ones with the real GoogLeNet layer list. */
import { describe as describeNetwork } from '../../src/model/architecture';
import { PRESETS, type ModelConfig } from '../../src/model/config';
import type { Run, RunHeader, RunStep } from '../../src/shared/runFile';
import type { ChartRun } from '../../src/charts/types';

const TRAINING: RunHeader['training'] = { optimizer: 'sgd', learningRate: 0.01, momentum: 0.9, batchSize: 32, seed: 7, perHeadEvery: 2, evalEvery: 2, evalSize: 500 };
const DATASET: RunHeader['dataset'] = { name: 'mnist', trainCount: 60000, evalCount: 1000, normalisation: { mean: [0.1307], std: [0.3081] } };

/** A hand-made header: two stem blocks, two inception blocks, one aux head layer, the classifier. */
export const TINY_HEADER: RunHeader = {
  config: PRESETS.relu, preset: 'relu', training: TRAINING, dataset: DATASET, backend: 'cpu', createdAt: '2025-01-31T12:00:00.000Z',
  layers: [
    { name: 'conv1/3x3', kind: 'stem', head: 'main', params: 100 },
    { name: 'conv2/3x3_reduce', kind: 'stem', head: 'main', params: 50 },
    { name: 'conv2/3x3', kind: 'stem', head: 'main', params: 200 },
    { name: 'inception_4a/1x1', kind: 'inception', head: 'main', params: 40 },
    { name: 'inception_4a/3x3', kind: 'inception', head: 'main', params: 60 },
    { name: 'loss3/classifier', kind: 'classifier', head: 'main', params: 110 },
    { name: 'loss1/fc', kind: 'aux', head: 'aux1', params: 30 },
  ],
  blocks: ['conv1', 'conv2', 'inception_4a'],
};

/** A tiny step: gradNorm, gradMeanAbs and gradMaxAbs per layer as given; gradRms = norm / sqrt(params). */
export function tinyStep(step: number, norms: readonly number[], extra: Partial<RunStep> = {}): RunStep {
  const params = TINY_HEADER.layers.map((l) => l.params);
  return {
    step,
    loss: { main: 2, aux1: 2.1, aux2: NaN, total: 2.63 },
    accuracy: { main: 0.1, aux1: 0.1, aux2: NaN },
    layers: {
      gradNorm: [...norms],
      gradRms: norms.map((n, i) => n / Math.sqrt(params[i]!)),
      gradMeanAbs: norms.map((n, i) => (n / params[i]!) * 0.8),
      gradMaxAbs: norms.map((n) => n * 0.5),
      weightNorm: norms.map(() => 1),
      updateRatio: norms.map(() => 1e-3),
    },
    actGradRms: [1e-4, 1e-3, 1e-2],
    ...extra,
  };
}

export const tinyRun = (steps: RunStep[], events: Run['events'] = []): Run => ({ header: TINY_HEADER, steps, events });

/** The full layer list of a small GoogLeNet (both aux heads built, as the trainer writes it). */
export function header(config: Partial<ModelConfig> = {}): RunHeader {
  const full: ModelConfig = { ...PRESETS.relu, ...config };
  const arch = describeNetwork({ ...full, aux1: { ...full.aux1, mode: 'loss' }, aux2: { ...full.aux2, mode: 'loss' } });
  return {
    config: full, preset: 'relu', training: TRAINING, dataset: DATASET, backend: 'cpu', createdAt: '2025-01-31T12:00:00.000Z',
    layers: arch.layers.map((l) => ({ name: l.name, kind: l.kind, head: l.head, params: l.params })),
    blocks: arch.blocks.map((b) => b.name),
  };
}

/**
 * A synthetic run with the real layers: the gradient falls by `decay` per layer from the classifier
 * toward the input; the aux heads (when on) lift the layers below them. Deterministic.
 */
export function syntheticRun(options: { steps: number; aux: boolean; decay?: number; config?: Partial<ModelConfig> }): Run {
  const aux = options.aux ? { mode: 'loss' as const, weight: 0.3 } : { mode: 'off' as const, weight: 0.3 };
  const h = header({ aux1: aux, aux2: aux, ...options.config });
  const trunk = h.layers.filter((l) => l.head === 'main').length;
  const decay = options.decay ?? 0.7;
  const steps: RunStep[] = [];
  for (let s = 1; s <= options.steps; s++) {
    const t = 1 + 0.3 * Math.sin(s / 3);
    let depth = 0;
    const rms = h.layers.map((l) => {
      if (l.head !== 'main') return options.aux ? 1e-2 * t : 0;
      const d = trunk - 1 - depth++;
      const lift = options.aux && depth < trunk * 0.6 ? 50 : 1;
      return 1e-2 * t * decay ** d * lift;
    });
    const norms = rms.map((r, i) => r * Math.sqrt(h.layers[i]!.params));
    const loss = 2.3 * Math.exp(-s / 40) + 0.2;
    const perHead = (s - 1) % h.training.perHeadEvery === 0;
    steps.push({
      step: s,
      loss: { main: loss, aux1: options.aux ? loss * 1.1 : NaN, aux2: options.aux ? loss * 1.05 : NaN, total: options.aux ? loss * 1.65 : loss },
      accuracy: { main: 1 - loss / 2.5, aux1: options.aux ? 0.9 - loss / 2.5 : NaN, aux2: options.aux ? 0.95 - loss / 2.5 : NaN },
      layers: { gradNorm: norms, gradRms: rms, gradMeanAbs: rms.map((r) => r * 0.8), gradMaxAbs: rms.map((r) => r * 4), weightNorm: rms.map(() => 1), updateRatio: rms.map(() => 1e-3) },
      actGradRms: h.blocks.map((_, i) => 1e-3 * t * decay ** (h.blocks.length - i)),
      ...(perHead && { perHead: {
        // Each aux head reaches its own layers and the trunk below it, never loss3/classifier.
        gradNorm: {
          main: norms.map((n, i) => (h.layers[i]!.head === 'main' ? n / 10 : 0)),
          aux1: norms.map((n, i) => (options.aux && ['main', 'aux1'].includes(h.layers[i]!.head) && h.layers[i]!.kind !== 'classifier' ? n * 0.6 : 0)),
          aux2: norms.map((n, i) => (options.aux && ['main', 'aux2'].includes(h.layers[i]!.head) && h.layers[i]!.kind !== 'classifier' ? n * 0.3 : 0)),
        },
        actGradRms: { main: h.blocks.map(() => 1e-4), aux1: h.blocks.map(() => (options.aux ? 1e-4 : 0)), aux2: h.blocks.map(() => (options.aux ? 1e-4 : 0)) },
      } }),
      ...(s % h.training.evalEvery === 0 && { evalAccuracy: { main: 1 - loss / 2.4, aux1: options.aux ? 0.9 - loss / 2.4 : NaN, aux2: options.aux ? 0.92 - loss / 2.4 : NaN } }),
    });
  }
  return { header: { ...h, label: options.aux ? 'A: aux on' : 'B: aux off' }, steps, events: [] };
}

export const chartRun = (run: Run, model: ChartRun['model'], label: string = model): ChartRun => ({ id: `run-${model}-${label}`, label, model, run });
