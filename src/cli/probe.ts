import * as tf from '@tensorflow/tfjs-core';
import { writeFile } from 'node:fs/promises';
import { disposeParams } from '../model/params';
import { loadDataset } from '../train/datasets';
import { nodeFetchBytes } from '../train/datasets/nodeFiles';
import { probeGradients } from '../train/probe';
import { probeSetup } from '../train/probeSetup';
import { configOf, datasetOf, integer, presetOf, UsageError, type Flags } from './args';

/** Float32 values as the shortest decimals that read back to the same float32. */
function float32s(values: ArrayLike<number>): number[] {
  return Array.from(values, (v) => Number(Math.fround(v).toPrecision(9)));
}

/** A JSON number, or null for what JSON cannot hold (a head that is off has a NaN loss). */
const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

/**
 * `probe`: builds the model from the seed, takes the first training batch, and writes
 * weights, input, labels, losses and per-head gradient norms (dropout off, no update):
 * everything an independent implementation needs to check the gradients.
 */
export async function probe(flags: Flags): Promise<string> {
  if (!flags.out) throw new UsageError('--out FILE is required');
  const preset = presetOf(flags);
  if (preset === 'paper') throw new UsageError('the paper preset (224x224, 1000 classes) has no dataset to probe; use relu, sigmoid, tanh or relu-bn');
  const datasetName = datasetOf(flags);
  const config = configOf(flags, preset, datasetName);
  const seed = integer('seed', flags.seed, 1, 0, 2 ** 32 - 1);
  const batchSize = integer('batch', flags.batch, 8, 1, 1024);
  const dataset = await loadDataset(datasetName, seed, nodeFetchBytes());
  const { params, batch, images, labels } = probeSetup(config, seed, dataset, batchSize);
  try {
    const result = await probeGradients(params, batch);
    const weights: Record<string, Record<string, { shape: number[]; data: number[] }>> = {};
    for (const [name, layer] of params.layers) {
      const entry: Record<string, { shape: number[]; data: number[] }> = {};
      const parts = { kernel: layer.kernel, bias: layer.bias, gamma: layer.gamma, beta: layer.beta };
      for (const [key, v] of Object.entries(parts)) if (v) entry[key] = { shape: v.shape, data: float32s(await v.data()) };
      weights[name] = entry;
    }
    const file = {
      config,
      preset,
      seed,
      dataset: datasetName,
      backend: tf.getBackend(),
      input: { shape: [batchSize, dataset.size, dataset.size, dataset.channels], data: float32s(images) },
      labels: Array.from(labels),
      weights,
      losses: Object.fromEntries(Object.entries(result.losses).map(([k, v]) => [k, finiteOrNull(v)])),
      gradNorm: result.gradNorm,
      actGradRms: result.actGradRms,
    };
    await writeFile(flags.out, JSON.stringify(file));
    return `wrote ${flags.out}: ${params.arch.layers.length} layers, batch of ${batchSize}, total loss ${result.losses.total.toFixed(4)}`;
  } finally {
    tf.dispose([batch.x, batch.labels]);
    disposeParams(params);
  }
}
