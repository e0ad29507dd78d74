import * as tf from '@tensorflow/tfjs-core';
import { useNodeBackend } from '../../src/train/backends/node';
import { floatSplit, type Dataset, type Split } from '../../src/train/datasets';
import { Rng } from '../../src/train/rng';

/** Switches tfjs to a Node backend for the tests of one file. */
export async function backend(name: 'wasm' | 'cpu'): Promise<void> {
  const choice = await useNodeBackend(name);
  if (choice.active !== name) throw new Error(`wanted the ${name} backend, got ${choice.active}`);
  tf.engine().startScope();
}

function split(count: number, channels: 1 | 3, rng: Rng): Split {
  const images = new Float32Array(count * 32 * 32 * channels);
  for (let i = 0; i < images.length; i++) images[i] = rng.normal();
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) labels[i] = i % 10;
  return floatSplit(images, labels, 32 * 32 * channels);
}

/** A tiny dataset of noise images (labels cycle 0..9), for engine tests that need no real data. */
export function noiseDataset(channels: 1 | 3 = 1, train = 64, evalCount = 20): Dataset {
  const rng = new Rng(12345);
  return {
    name: 'mnist',
    size: 32,
    channels,
    classes: 10,
    classNames: Array.from({ length: 10 }, (_, i) => String(i)),
    train: split(train, channels, rng),
    eval: split(evalCount, channels, rng),
    normalisation: { mean: [0], std: [1] },
    description: 'noise for tests',
  };
}
