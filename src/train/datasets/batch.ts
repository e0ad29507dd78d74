/** Copying minibatches out of a split. */

import type { Split } from './types';

/** Gathers a batch: copies images[indices] into out (NHWC) and labels into outLabels. */
export function gatherBatch(split: Split, indices: ArrayLike<number>, out: Float32Array, outLabels: Int32Array): void {
  const n = indices.length;
  const stride = split.count > 0 ? split.images.length / split.count : 0;
  if (out.length < n * stride || outLabels.length < n) {
    throw new RangeError(`gatherBatch: ${n} images need ${n * stride} floats and ${n} labels; got ${out.length} and ${outLabels.length}`);
  }
  for (let k = 0; k < n; k++) {
    const i = indices[k]!;
    if (!Number.isInteger(i) || i < 0 || i >= split.count) {
      throw new RangeError(`gatherBatch: index ${i} is outside 0..${split.count - 1}`);
    }
    out.set(split.images.subarray(i * stride, (i + 1) * stride), k * stride);
    outLabels[k] = split.labels[i]!;
  }
}
