/** The fixed train/eval split of the image-file datasets, and the Split values both produce. */

import type { Split } from './types';

/** Images of each class, counted from the end of that class in file order, held out for evaluation. */
export const EVAL_PER_CLASS = 100;

/** A Split over `count` images; checks that the arrays agree. */
export function makeSplit(images: Float32Array, labels: Uint8Array, imageLength: number): Split {
  const count = labels.length;
  if (images.length !== count * imageLength) {
    throw new Error(`split: ${images.length} pixel values for ${count} images of ${imageLength}`);
  }
  return { images, labels, count };
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
