import * as tf from '@tensorflow/tfjs-core';

/**
 * Values of every trainable variable, in the variables' order: one tensor per variable,
 * or all of them flattened one after the other into one vector (with each variable's
 * shape). On the GPU backends a step keeps its update and weights flat from the optimizer
 * to the per-layer magnitudes: cutting a vector into 128 tensors, and joining them again,
 * costs a GPU program per piece there (see docs/benchmarks.md, "Target (GPU)").
 */
export type PerVariable =
  | { readonly parts: readonly tf.Tensor[] }
  | { readonly flat: tf.Tensor1D; readonly shapes: readonly (readonly number[])[] };

/** The tensors flattened one after the other (a reshape when there is one). */
export function flatten(parts: readonly tf.Tensor[]): tf.Tensor1D {
  return (parts.length === 1 ? tf.reshape(parts[0]!, [-1]) : tf.concat(parts.map((p) => tf.reshape(p, [-1])))) as tf.Tensor1D;
}

/** Elements of a tensor of this shape. */
export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** One tensor per variable, of its shape (a flat vector cut into pieces). */
export function partsOf(values: PerVariable): tf.Tensor[] {
  if ('parts' in values) return [...values.parts];
  const { flat, shapes } = values;
  const pieces = shapes.length === 1 ? [flat] : tf.split(flat, shapes.map(sizeOf));
  return pieces.map((piece, i) => tf.reshape(piece, [...shapes[i]!]));
}
