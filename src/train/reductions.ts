import * as tf from '@tensorflow/tfjs-core';
import { MAGNITUDES_KERNEL, TINY, type MagnitudeOutput } from './backends/wasmReductions';

/**
 * On-device reductions of gradient tensors. Norms are computed scaled by the largest
 * magnitude, so that neither the tiny gradients of a vanishing network (squares below
 * float32's range) nor large ones (squares above it) are lost; a non-finite element
 * makes the result non-finite, never a silent zero.
 *
 * Where the backend has the one-kernel version (wasm, see backends/wasmReductions.ts),
 * each reduction is that one kernel instead of about fifteen op launches.
 */

/** The one-kernel reduction of `parts`, or null where the active backend has none. */
function oneKernel(parts: readonly tf.Tensor[], output: MagnitudeOutput): tf.Tensor | null {
  if (!tf.getKernel(MAGNITUDES_KERNEL, tf.getBackend())) return null;
  return tf.engine().runKernel(MAGNITUDES_KERNEL, parts as unknown as tf.NamedTensorMap, { output } as unknown as tf.NamedAttrMap) as tf.Tensor;
}

/** [4]: L2 norm, RMS, mean |g| and max |g| over all elements of `parts` taken together. */
export function magnitudeStats(parts: readonly tf.Tensor[]): tf.Tensor1D {
  const fast = oneKernel(parts, 'stats');
  if (fast) return fast as tf.Tensor1D;
  return tf.tidy(() => {
    const flat = parts.length === 1 ? tf.reshape(parts[0]!, [-1]) : tf.concat(parts.map((p) => tf.reshape(p, [-1]))); // [n]
    const n = flat.shape[0]!;
    const abs = tf.abs(flat);
    const maxAbs = tf.max(abs);
    const scaled = tf.div(abs, tf.maximum(maxAbs, TINY));
    const norm = tf.mul(maxAbs, tf.sqrt(tf.sum(tf.square(scaled))));
    const meanAbs = tf.div(tf.sum(abs), n);
    return tf.stack([norm, tf.div(norm, Math.sqrt(n)), meanAbs, maxAbs]) as tf.Tensor1D;
  });
}

/** Scalar L2 norm over all elements of `parts`, scaled as above. */
export function l2Norm(parts: readonly tf.Tensor[]): tf.Scalar {
  const fast = oneKernel(parts, 'norm');
  if (fast) return fast as tf.Scalar;
  return tf.tidy(() => {
    const flat = parts.length === 1 ? tf.reshape(parts[0]!, [-1]) : tf.concat(parts.map((p) => tf.reshape(p, [-1])));
    const maxAbs = tf.max(tf.abs(flat));
    return tf.mul(maxAbs, tf.sqrt(tf.sum(tf.square(tf.div(flat, tf.maximum(maxAbs, TINY)))))) as tf.Scalar;
  });
}

/** Scalar root mean square of all elements of t, scaled as above. */
export function rms(t: tf.Tensor): tf.Scalar {
  const fast = oneKernel([t], 'rms');
  if (fast) return fast as tf.Scalar;
  return tf.tidy(() => {
    const maxAbs = tf.max(tf.abs(t));
    return tf.mul(maxAbs, tf.sqrt(tf.mean(tf.square(tf.div(t, tf.maximum(maxAbs, TINY)))))) as tf.Scalar;
  });
}
