import * as tf from '@tensorflow/tfjs-core';
import { GPU_KERNEL_RANKS, registerGpuKernels } from './gpuKernels';
import { BIAS_GRAD_KERNEL, PACKED_FILTER_KERNEL, RELU_BIAS_GRAD_KERNEL, RELU_GRAD_KERNEL, SIGMOID_GRAD_KERNEL, TANH_GRAD_KERNEL } from './kernelNames';
import { simdFilterGradient } from './simd/register';

/**
 * The gradients of Conv2D and of FusedConv2D (convolution plus bias, what the model's
 * layers run, with their ReLU inside on the backends that fuse it: src/model/forward.ts
 * fusesActivation), routed for speed on the wasm backend.
 *
 * tfjs 4.22's wasm backend has no Conv2DBackpropFilter kernel (training a conv net
 * throws) and its Conv2DBackpropInput is a naive loop, while its forward convolution and
 * matrix product run on XNNPACK. So on wasm:
 * - the filter gradient is GradFlow's SIMD kernel (simd/assembly/kernels.ts: the patch
 *   matrix's transpose times dy, in cache-sized chunks), for any kernel, stride and
 *   padding; where that kernel cannot run, the op compositions of filterGradient below
 *   (a matrix product for 1x1, else a convolution over the input);
 * - the input gradient, for stride-1 convolutions (all of the small GoogLeNet): a matrix
 *   product for 1x1; for k x k 'same' with k odd, a 'same' convolution of dy with the
 *   kernel flipped in space and with in/out channels swapped. Other input gradients keep
 *   the wasm kernel;
 * - the bias gradient is one kernel (a column sum of dy).
 * On webgl and webgpu the bias gradient, and the ReLU gradient (also a fused ReLU's), are one
 * GPU program each (gpuKernels.ts) where tfjs composes several, and on webgpu a fused ReLU's
 * gradient and its bias's are one program together; their convolution gradients are
 * tfjs's own kernels, as on cpu. Checked against the cpu backend in
 * tests/train/kernels.test.ts, tests/train/fusedConv.test.ts and
 * tests/train/simdKernels.test.ts.
 *
 * tanh's and the sigmoid's gradients are one kernel each (on wasm a SIMD pass,
 * simd/register.ts; on webgl and webgpu a program, gpuKernels.ts) where tfjs composes three
 * elementwise kernels: the same float32 operations in the same order.
 *
 * tfjs registers no gradient for the FusedConv2D kernel (its `tf.fused.conv2d` carries
 * its own, which calls the backprop kernels directly), so registering one here changes
 * nothing else; the model uses the kernel only where this gradient is registered.
 */

interface ConvAttrs {
  readonly strides: number | [number, number];
  readonly pad: 'same' | 'valid' | number;
  readonly dataFormat: 'NHWC' | 'NCHW';
  readonly dilations: number | [number, number];
  readonly dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

const pair = (v: number | [number, number] | undefined): [number, number] => (v === undefined ? [1, 1] : typeof v === 'number' ? [v, v] : v);

type FastCase = 'matmul' | 'conv' | null;

/** Which fast route a convolution can take: stride 1, no dilation, NHWC, 1x1 or odd 'same'. */
export function fastCase(attrs: ConvAttrs, kh: number, kw: number): FastCase {
  const [sh, sw] = pair(attrs.strides);
  const [dh, dw] = pair(attrs.dilations);
  if (sh !== 1 || sw !== 1 || dh !== 1 || dw !== 1 || attrs.dataFormat !== 'NHWC') return null;
  if (kh === 1 && kw === 1 && (attrs.pad === 'same' || attrs.pad === 'valid' || attrs.pad === 0)) return 'matmul';
  return attrs.pad === 'same' && kh === kw && kh % 2 === 1 ? 'conv' : null;
}

/**
 * d loss / d filter [kh, kw, in, out] of conv2d(x, filter), given dy = d loss / d output,
 * as a composition of wasm's fast ops (used where the SIMD kernel cannot run).
 * 1x1 stride 1: a matrix product. Otherwise a convolution of the input, batch and channel
 * axes exchanged and padded as the convolution was, with dy as the filter dilated by the stride:
 * dW[r, c, i, o] = sum over b, y, x of xpad[b, y*s + r, x*s + c, i] * dy[b, y, x, o].
 */
export function filterGradient(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: readonly number[], attrs: ConvAttrs): tf.Tensor4D {
  const [kh, kw, cin, cout] = filterShape as [number, number, number, number];
  if (fastCase(attrs, kh, kw) === 'matmul') {
    // wasm's matMul is fast only without its transpose flags (with them it runs a plain
    // loop, 5 to 10x slower), so the one big operand is transposed explicitly: the
    // narrower of x and dy, as transposing costs in proportion to its size.
    const x2 = tf.reshape(x, [-1, cin]) as tf.Tensor2D; //                              [b*h*w, in]
    const dy2 = tf.reshape(dy, [-1, cout]) as tf.Tensor2D; //                           [b*h*w, out]
    const product = cin <= cout
      ? tf.matMul(tf.transpose(x2), dy2) //                                             [in, out]
      : tf.transpose(tf.matMul(tf.transpose(dy2), x2)); //                              [out, in] -> [in, out]
    return tf.reshape(product, [1, 1, cin, cout]); //                                   [1, 1, in, out]
  }
  const [sh, sw] = pair(attrs.strides);
  const info = tf.backend_util.computeConv2DInfo(x.shape, [kh, kw, cin, cout], [sh, sw], 1, attrs.pad as 'same' | 'valid', attrs.dimRoundingMode);
  const { top, bottom, left, right } = info.padInfo;
  // The padding goes to the convolution itself (wasm's takes explicit padding), not to a
  // padded copy of the input.
  const channelsAsBatch = tf.transpose(x, [3, 1, 2, 0]) as tf.Tensor4D; //             [in, h, w, b]
  const dyAsFilter = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; //                   [h', w', b, out]
  const padding = [[0, 0], [top, bottom], [left, right], [0, 0]] as tf.backend_util.ExplicitPadding;
  const g = tf.conv2d(channelsAsBatch, dyAsFilter, 1, padding, 'NHWC', [sh, sw]); //    [in, >= kh, >= kw, out]
  const cropped = g.shape[1] === kh && g.shape[2] === kw ? g : tf.slice(g, [0, 0, 0, 0], [cin, kh, kw, cout]); // [in, kh, kw, out]
  return tf.transpose(cropped, [1, 2, 0, 3]); //                                         [kh, kw, in, out]
}

/** d loss / d x [b, h, w, in] of conv2d(x, filter) on the fast routes, given dy. */
export function inputGradient(dy: tf.Tensor4D, filter: tf.Tensor4D, route: Exclude<FastCase, null>): tf.Tensor4D {
  const [, , cin, cout] = filter.shape;
  if (route === 'matmul') {
    const [b, h, w] = dy.shape;
    const dy2 = tf.reshape(dy, [-1, cout]) as tf.Tensor2D; //                          [b*h*w, out]
    const f2 = tf.transpose(tf.reshape(filter, [cin, cout])) as tf.Tensor2D; //        [out, in]
    return tf.reshape(tf.matMul(dy2, f2), [b, h, w, cin]); //                          [b, h, w, in]
  }
  const flipped = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D; // [k, k, out, in]
  return tf.conv2d(dy, flipped, 1, 'same'); //                                              [b, h, w, in]
}

/** The gradient as every other backend computes it: tfjs's own backward kernels. */
function kernelGradients(dy: tf.Tensor4D, x: tf.Tensor4D, filter: tf.Tensor4D, attrs: ConvAttrs): { x: () => tf.Tensor; filter: () => tf.Tensor } {
  const common = { strides: attrs.strides, pad: attrs.pad, dataFormat: attrs.dataFormat, dimRoundingMode: attrs.dimRoundingMode } as unknown as tf.NamedAttrMap;
  return {
    x: () => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, { ...common, inputShape: x.shape } as unknown as tf.NamedAttrMap) as tf.Tensor,
    filter: () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...common, filterShape: filter.shape } as unknown as tf.NamedAttrMap) as tf.Tensor,
  };
}

/** d loss / d x and d loss / d filter of conv2d(x, filter) given dy: routed on wasm, the backend's kernels elsewhere. */
function convGradients(dy: tf.Tensor4D, x: tf.Tensor4D, filter: tf.Tensor4D, attrs: ConvAttrs): { x: () => tf.Tensor; filter: () => tf.Tensor } {
  if (pair(attrs.dilations).some((d) => d !== 1)) throw new Error('conv2d gradients with dilation are not supported');
  const slow = kernelGradients(dy, x, filter, attrs);
  if (tf.getBackend() !== 'wasm') return slow;
  const route = fastCase(attrs, filter.shape[0], filter.shape[1]);
  const simdAttrs = { filterShape: filter.shape, strides: attrs.strides, pad: attrs.pad, dimRoundingMode: attrs.dimRoundingMode };
  return {
    x: route ? () => inputGradient(dy, filter, route) : slow.x,
    filter: () => simdFilterGradient(x, dy, simdAttrs) ?? filterGradient(x, dy, filter.shape, attrs),
  };
}

/** Whether GradFlow's kernel `name` runs on the active backend for `tensors` (float32; wasm's take any rank, the GPU programs 1 to 4). */
function hasGradientKernel(name: string, ...tensors: tf.Tensor[]): boolean {
  const backend = tf.getBackend();
  if (!tf.getKernel(name, backend) || tensors.some((t) => t.dtype !== 'float32')) return false;
  return backend === 'wasm' || tensors.every((t) => GPU_KERNEL_RANKS.includes(t.rank));
}

/** d loss / d bias [out] of a bias added on the channel axis: dy summed over every other axis (one kernel on wasm, webgl and webgpu; also batch norm's channel sums, src/model/batchNorm.ts). */
export function biasGradient(dy: tf.Tensor): tf.Tensor1D {
  if (hasGradientKernel(BIAS_GRAD_KERNEL, dy)) return tf.engine().runKernel(BIAS_GRAD_KERNEL, { dy }) as tf.Tensor1D;
  return tf.sum(dy, Array.from({ length: dy.rank - 1 }, (_, i) => i)); // [out]
}

/**
 * d loss / d x of relu(x), given dy: dy where x > 0, NaN where x is NaN, else 0, as tfjs's
 * own Relu gradient has it (dy * step(x)). x may be the ReLU's output too: it is positive
 * exactly where its input is, and NaN where its input is. One kernel on wasm, webgl and webgpu.
 */
function reluGradient(dy: tf.Tensor, x: tf.Tensor): tf.Tensor {
  if (hasGradientKernel(RELU_GRAD_KERNEL, x, dy)) return tf.engine().runKernel(RELU_GRAD_KERNEL, { x, dy }) as tf.Tensor;
  return tf.mul(dy, tf.cast(tf.step(x), 'float32'));
}

interface FusedAttrs extends ConvAttrs {
  readonly activation?: string;
}

let registered = false;

/** tanh's gradient, (1 - y^2) dy from its output y: one kernel where there is one, else tfjs's composition (its Tanh gradient's, to the bit). */
function tanhGradient(dy: tf.Tensor, y: tf.Tensor): tf.Tensor {
  if (hasGradientKernel(TANH_GRAD_KERNEL, y, dy)) return tf.engine().runKernel(TANH_GRAD_KERNEL, { y, dy }) as tf.Tensor;
  return tf.mul(tf.sub(tf.scalar(1), tf.square(y)), dy);
}

/** The sigmoid's gradient, dy y (1 - y) from its output y: one kernel where there is one, else tfjs's composition (its Sigmoid gradient's). */
function sigmoidGradient(dy: tf.Tensor, y: tf.Tensor): tf.Tensor {
  if (hasGradientKernel(SIGMOID_GRAD_KERNEL, y, dy)) return tf.engine().runKernel(SIGMOID_GRAD_KERNEL, { y, dy }) as tf.Tensor;
  return tf.mul(dy, tf.mul(y, tf.sub(tf.scalar(1), y)));
}

/** Replaces Conv2D's, Relu's, Tanh's and Sigmoid's gradients with the routed ones, gives FusedConv2D one, and registers the GPU kernels they run (once; idempotent). */
export function registerConvGradients(): void {
  if (registered) return;
  registered = true;
  registerGpuKernels();
  tf.registerGradient({
    kernelName: 'Conv2D',
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      return convGradients(dy as tf.Tensor4D, x, filter, attrs as unknown as ConvAttrs);
    },
  });
  tf.registerGradient({
    kernelName: 'FusedConv2D',
    inputsToSave: ['x', 'filter'],
    outputsToSave: [true],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
      const [x, filter, y] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
      const a = attrs as unknown as FusedAttrs;
      const activation = a.activation ?? 'linear';
      if (activation !== 'linear' && activation !== 'relu') throw new Error(`no gradient for FusedConv2D with activation ${activation}`);
      // d loss / d (conv + bias): through a fused ReLU, ReLU's gradient taken at its output.
      if (activation === 'relu' && hasGradientKernel(RELU_BIAS_GRAD_KERNEL, y, dy as tf.Tensor)) {
        // Where one program gives both (webgpu), the bias gradient comes with it.
        const [grad, bias] = tf.engine().runKernel(RELU_BIAS_GRAD_KERNEL, { x: y, dy: dy as tf.Tensor }) as [tf.Tensor4D, tf.Tensor1D];
        return { ...convGradients(grad, x, filter, a), bias: () => bias };
      }
      const grad = (activation === 'relu' ? reluGradient(dy as tf.Tensor4D, y) : dy) as tf.Tensor4D;
      return { ...convGradients(grad, x, filter, a), bias: () => biasGradient(grad) };
    },
  });
  tf.registerGradient({
    kernelName: PACKED_FILTER_KERNEL,
    // The same values in another layout: the gradient passes through (a clone shares dy's data).
    gradFunc: (dy: tf.Tensor | tf.Tensor[]) => ({ x: () => tf.clone(dy as tf.Tensor) }),
  });
  tf.registerGradient({
    kernelName: 'Relu',
    inputsToSave: ['x'],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [x] = saved as [tf.Tensor];
      return { x: () => reluGradient(dy as tf.Tensor, x) };
    },
  });
  for (const [kernelName, gradient] of [['Tanh', tanhGradient], ['Sigmoid', sigmoidGradient]] as const) {
    tf.registerGradient({
      kernelName,
      outputsToSave: [true],
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [y] = saved as [tf.Tensor];
        return { x: () => gradient(dy as tf.Tensor, y) };
      },
    });
  }
}
