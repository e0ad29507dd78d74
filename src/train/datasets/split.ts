/** The fixed train/eval split of the image-file datasets, and the Split values every dataset produces. */

import type { Split } from './types';

/** Images of each class, counted from the end of that class in file order, held out for evaluation. */
export const EVAL_PER_CLASS = 100;

/** A Split over images held as normalised floats, NHWC, `imageLength` per image. */
export function floatSplit(images: Float32Array, labels: Uint8Array, imageLength: number): Split {
  const count = checkedCount(images.length, labels, imageLength);
  return {
    labels,
    count,
    imageLength,
    copyImage: (i, out, offset) => out.set(images.subarray(i * imageLength, (i + 1) * imageLength), offset),
  };
}

/**
 * A Split over images held as bytes, NHWC, `imageLength` per image, standardised by `table`
 * (see standardisingTable) as each image is copied out. A quarter of the memory of floats,
 * and nothing to compute until a batch needs it.
 */
export function byteSplit(pixels: Uint8Array, labels: Uint8Array, imageLength: number, channels: number, table: Float32Array): Split {
  const count = checkedCount(pixels.length, labels, imageLength);
  if (table.length !== 256 * channels || imageLength % channels !== 0) {
    throw new Error(`split: a table of ${table.length} values for ${channels} channels of images of ${imageLength}`);
  }
  const copyImage = channels === 1
    ? (i: number, out: Float32Array, offset: number) => {
      const from = i * imageLength;
      for (let p = 0; p < imageLength; p++) out[offset + p] = table[pixels[from + p]!]!;
    }
    : (i: number, out: Float32Array, offset: number) => {
      const from = i * imageLength;
      for (let p = 0; p < imageLength; p += channels) {
        for (let c = 0; c < channels; c++) out[offset + p + c] = table[c * 256 + pixels[from + p + c]!]!;
      }
    };
  return { labels, count, imageLength, copyImage };
}

function checkedCount(values: number, labels: Uint8Array, imageLength: number): number {
  const count = labels.length;
  if (values !== count * imageLength) {
    throw new Error(`split: ${values} pixel values for ${count} images of ${imageLength}`);
  }
  return count;
}

/** Images [first, first + count) of a split as one array of normalised floats, NHWC. */
export function splitImages(split: Split, first = 0, count = split.count - first): Float32Array {
  if (!Number.isInteger(first) || !Number.isInteger(count) || first < 0 || count < 0 || first + count > split.count) {
    throw new RangeError(`splitImages: images ${first}..${first + count - 1} are not all in 0..${split.count - 1}`);
  }
  const out = new Float32Array(count * split.imageLength);
  for (let k = 0; k < count; k++) split.copyImage(first + k, out, k * split.imageLength);
  return out;
}

/**
 * Marks which images are held out: the last EVAL_PER_CLASS of each class, in file order.
 * Throws if a class has no more than EVAL_PER_CLASS images (nothing would be left to train on).
 */
export function evalMask(labels: Uint8Array, classes: number, file: string): Uint8Array {
  const perClass = new Array<number>(classes).fill(0);
  for (const label of labels) perClass[label] = perClass[label]! + 1;
  perClass.forEach((n, c) => {
    if (n <= EVAL_PER_CLASS) throw new Error(`${file}: class ${c} has ${n} images; need more than ${EVAL_PER_CLASS}`);
  });
  const seen = new Array<number>(classes).fill(0);
  const mask = new Uint8Array(labels.length);
  labels.forEach((label, i) => {
    const k = seen[label]!;
    seen[label] = k + 1;
    mask[i] = k >= perClass[label]! - EVAL_PER_CLASS ? 1 : 0;
  });
  return mask;
}
