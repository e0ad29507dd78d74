/** Copying minibatches out of a split. */

import type { Split } from './types';

/** Gathers a batch: copies the normalised images of `indices` into out (NHWC) and their labels into outLabels. */
export function gatherBatch(split: Split, indices: ArrayLike<number>, out: Float32Array, outLabels: Int32Array): void {
  const n = indices.length;
  const stride = split.imageLength;
  if (out.length < n * stride || outLabels.length < n) {
    throw new RangeError(`gatherBatch: ${n} images need ${n * stride} floats and ${n} labels; got ${out.length} and ${outLabels.length}`);
  }
  for (let k = 0; k < n; k++) {
    const i = indices[k]!;
    if (!Number.isInteger(i) || i < 0 || i >= split.count) {
      throw new RangeError(`gatherBatch: index ${i} is outside 0..${split.count - 1}`);
    }
    split.copyImage(i, out, k * stride);
    outLabels[k] = split.labels[i]!;
  }
}
