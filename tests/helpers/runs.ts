import { PRESETS } from '../../src/model/config';
import type { RunHeader, TrainingSettings } from '../../src/shared/runFile';

/** The training settings of the tiny test runs, before each test's own. */
const TRAINING: TrainingSettings = { optimizer: 'sgd', learningRate: 0.01, momentum: 0.9, batchSize: 16, seed: 1, perHeadEvery: 2, evalEvery: 2, evalSize: 500 };

/**
 * A run-file header for tests: the relu preset, MNIST, two layers (conv1 and the main
 * classifier) and one block, with the fields a test cares about given in `changes`
 * (`training` merged into the defaults).
 */
export function tinyHeader(changes: Omit<Partial<RunHeader>, 'training'> & { training?: Partial<TrainingSettings> } = {}): RunHeader {
  const { training, ...rest } = changes;
  return {
    config: PRESETS.relu,
    preset: 'relu',
    dataset: { name: 'mnist', trainCount: 60000, evalCount: 1000, normalisation: { mean: [0.1307], std: [0.3081] } },
    backend: 'cpu',
    layers: [
      { name: 'conv1/3x3', kind: 'stem', head: 'main', params: 80 },
      { name: 'loss3/classifier', kind: 'classifier', head: 'main', params: 1290 },
    ],
    blocks: ['conv1'],
    createdAt: '2025-01-31T12:00:00.000Z',
    ...rest,
    training: { ...TRAINING, ...training },
  };
}

/**
 * `value` copied with every Float64Array as a plain array (a live step's lists are views
 * into a buffer of its own, a parsed step's are arrays): for comparing runs by their numbers.
 */
export function withPlainNumbers<T>(value: T): T {
  const copy = (v: unknown): unknown => {
    if (v instanceof Float64Array) return Array.from(v);
    if (Array.isArray(v)) return v.map(copy);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, copy(x)]));
    return v;
  };
  return copy(value) as T;
}
