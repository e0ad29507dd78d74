import * as tf from '@tensorflow/tfjs-core';
import { biasGradient } from '../train/backends/convGradients';

/**
 * Batch norm on the batch's own statistics (training mode): y [b, h, w, c] normalised by
 * its mean and biased variance over b, h and w, then scaled by gamma and shifted by beta,
 * with the forward values of tfjs's `moments` and `batchNorm` (the same kernels as before,
 * so the same numbers).
 *
 * Recorded as one operation whose gradient is batch norm's closed form, with x^ the
 * normalised input, r = 1 / sqrt(variance + epsilon) and N = b h w:
 *   d beta  = sum of dy,    d gamma = sum of dy x^,
 *   d y     = gamma r (dy - d beta / N - x^ d gamma / N),
 * the mean's and the variance's dependence on y included (PyTorch's batch norm backward
 * is this formula). tfjs instead walks back through `batchNorm`'s gradient and then
 * through `moments` (a mean, a subtraction, a square and another mean): about forty
 * kernels per layer, among them a tile of the [c] factors to the whole activation; on
 * wasm 250 ms of a 650 ms step of the relu-bn preset, on WebGL 6,909 programs per plain
 * step (docs/benchmarks.md). Mathematically the same gradient; in float32 the two differ
 * by rounding. tests/train/gradReference.test.ts checks the network's gradients with batch
 * norm against PyTorch's, tests/model/batchNorm.test.ts this op against tfjs's chain and
 * float64.
 *
 * `onStats` receives the batch's mean and variance ([c] each, owned by the forward pass's
 * scope: keep them to hold them past it).
 */
export function batchNormTraining(
  y: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  epsilon: number,
  onStats?: (mean: tf.Tensor1D, variance: tf.Tensor1D) => void,
): tf.Tensor4D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, g, b, save] = args as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    const { mean, variance } = tf.moments(x, [0, 1, 2]) as { mean: tf.Tensor1D; variance: tf.Tensor1D };
    onStats?.(mean, variance);
    save([x, g, mean, variance]);
    return {
      value: tf.batchNorm(x, mean, variance, b, g, epsilon),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, gs, m, v] = saved as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
        const n = xs.size / xs.shape[3];
        const r = tf.rsqrt(tf.add(v, tf.scalar(epsilon))); //                        [c]
        const normalised = tf.mul(tf.sub(xs, m), r); //                              [b, h, w, c]
        // Sums over every axis but the channels': the bias gradient's kernel, one pass on
        // wasm and one program on the GPUs where tfjs's Sum takes several.
        const dBeta = biasGradient(dy); //                                            [c]
        const dGamma = biasGradient(tf.mul(dy, normalised)); //                       [c]
        // What the mean and the variance take away from dy, added first: one rounding of dy's size.
        const taken = tf.add(tf.mul(normalised, tf.div(dGamma, tf.scalar(n))), tf.div(dBeta, tf.scalar(n))); // [b, h, w, c]
        const dx = tf.mul(tf.mul(gs, r), tf.sub(dy, taken));
        return [dx, dGamma, dBeta];
      },
    };
  });
  return op(y, gamma, beta) as tf.Tensor4D;
}
