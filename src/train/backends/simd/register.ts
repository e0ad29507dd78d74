import * as tf from '@tensorflow/tfjs-core';
import { BIAS_GRAD_KERNEL, FILTER_GRAD_KERNEL, RELU_GRAD_KERNEL, SIGMOID_GRAD_KERNEL, TANH_GRAD_KERNEL } from '../kernelNames';
import { floats, replaceWasmKernel, wasmHeap } from '../wasmHeap';
import { activeSimdKernels, heapOffset, simdKernels } from './load';

/**
 * The SIMD kernels as tfjs kernels of the wasm backend (the gradients that run them are
 * registered in ../convGradients.ts: ReLU's, and tanh's and the sigmoid's). Each kernel
 * reads and writes the backend's heap in place (load.ts); where the SIMD kernels cannot
 * run, the bias, ReLU, tanh and sigmoid kernels fall back to plain loops and the callers
 * of the filter gradient keep the op composition of convGradients.ts.
 */

/** Attributes of the filter-gradient kernel: the convolution's own. */
export interface FilterGradAttrs {
  readonly filterShape: [number, number, number, number];
  readonly strides: number | [number, number];
  readonly pad: 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
  readonly dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** dy [..., c] summed over every axis but the last: the gradient of a bias added on the channel axis. */
function biasGrad({ inputs, backend }: { inputs: tf.NamedTensorInfoMap; backend: object }): tf.TensorInfo {
  const heap = wasmHeap(backend);
  const dy = inputs['dy']!;
  const c = dy.shape[dy.shape.length - 1]!;
  const rows = tf.util.sizeFromShape(dy.shape) / c;
  const out = heap.makeOutput([c], 'float32');
  const simd = simdKernels(backend);
  if (simd) {
    simd.columnSum(heapOffset(backend, dy), heapOffset(backend, out), rows, c);
    return out;
  }
  columnSumInto(floats(heap, dy), floats(heap, out), rows, c);
  return out;
}

/** The fallback of the column sum: to[j] = sum over r of from[r, j], rows added in order (`to` need not be zeroed). */
export function columnSumInto(from: Float32Array, to: Float32Array, rows: number, cols: number): void {
  to.fill(0, 0, cols);
  for (let r = 0, at = 0; r < rows; r++) for (let j = 0; j < cols; j++, at++) to[j] = to[j]! + from[at]!;
}

/** dy * step(x), step as tfjs's (1 where x > 0, NaN where x is NaN, else 0). */
function reluGrad({ inputs, backend }: { inputs: tf.NamedTensorInfoMap; backend: object }): tf.TensorInfo {
  const heap = wasmHeap(backend);
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const out = heap.makeOutput([...x.shape], 'float32');
  const n = tf.util.sizeFromShape(x.shape);
  const simd = simdKernels(backend);
  if (simd) {
    simd.reluGrad(heapOffset(backend, x), heapOffset(backend, dy), heapOffset(backend, out), n);
    return out;
  }
  reluGradInto(floats(heap, x), floats(heap, dy), floats(heap, out));
  return out;
}

/** The fallback of the ReLU gradient: to = dy * step(x). */
export function reluGradInto(xs: Float32Array, g: Float32Array, to: Float32Array): void {
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i]!;
    to[i] = g[i]! * (v > 0 ? 1 : v !== v ? v : 0);
  }
}

/** An activation's gradient from its output y and dy: the SIMD kernel `simd`, else the loop `fallback`. */
function activationGrad(simd: 'tanhGrad' | 'sigmoidGrad', fallback: (y: Float32Array, dy: Float32Array, to: Float32Array) => void): tf.KernelFunc {
  return (({ inputs, backend }: { inputs: tf.NamedTensorInfoMap; backend: object }): tf.TensorInfo => {
    const heap = wasmHeap(backend);
    const { y, dy } = inputs as { y: tf.TensorInfo; dy: tf.TensorInfo };
    const out = heap.makeOutput([...y.shape], 'float32');
    const kernels = simdKernels(backend);
    if (kernels) kernels[simd](heapOffset(backend, y), heapOffset(backend, dy), heapOffset(backend, out), tf.util.sizeFromShape(y.shape));
    else fallback(floats(heap, y), floats(heap, dy), floats(heap, out));
    return out;
  }) as tf.KernelFunc;
}

/** The fallback of tanh's gradient: to = (1 - y * y) * dy, each operation rounded to float32 as tfjs's three kernels round it. */
export function tanhGradInto(y: Float32Array, dy: Float32Array, to: Float32Array): void {
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    to[i] = Math.fround(1 - Math.fround(v * v)) * dy[i]!;
  }
}

/** The fallback of the sigmoid's gradient: to = dy * (y * (1 - y)), each operation rounded to float32. */
export function sigmoidGradInto(y: Float32Array, dy: Float32Array, to: Float32Array): void {
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    to[i] = dy[i]! * Math.fround(v * Math.fround(1 - v));
  }
}

/** d loss / d filter of conv2d(x, filter) (NHWC, no dilation), from the SIMD kernel; only registered callers reach it where the kernels run. */
function filterGrad({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: object; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const heap = wasmHeap(backend);
  const simd = simdKernels(backend);
  if (!simd) throw new Error(`${FILTER_GRAD_KERNEL} needs the SIMD kernels`);
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const a = attrs as unknown as FilterGradAttrs;
  const [kh, kw, cin, cout] = a.filterShape;
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], a.filterShape, a.strides, 1, a.pad, a.dimRoundingMode);
  const expected = [info.batchSize, info.outHeight, info.outWidth, cout];
  if (dy.shape.some((d, i) => d !== expected[i])) throw new Error(`dy has shape [${dy.shape.join(', ')}], expected [${expected.join(', ')}]`);
  const out = heap.makeOutput([kh, kw, cin, cout], 'float32');
  const scratch = heap.makeOutput([simd.filterGradScratch(kh * kw * cin, cout)], 'float32');
  try {
    simd.filterGrad(
      heapOffset(backend, x), heapOffset(backend, dy), heapOffset(backend, out), heapOffset(backend, scratch),
      info.batchSize, info.inHeight, info.inWidth, cin, info.outHeight, info.outWidth, cout,
      kh, kw, info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left,
    );
  } finally {
    heap.disposeData(scratch.dataId);
  }
  return out;
}

/** The filter gradient from the SIMD kernel where it runs (the active backend is wasm), else null. */
export function simdFilterGradient(x: tf.Tensor4D, dy: tf.Tensor4D, attrs: FilterGradAttrs): tf.Tensor4D | null {
  if (!activeSimdKernels()) return null;
  return tf.engine().runKernel(FILTER_GRAD_KERNEL, { x, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

/**
 * tfjs's Tanh for float32 on the wasm backend through the SIMD kernel (assembly/tanh.ts:
 * float64 tanh rounded to float32; tfjs calls tanhf per element: 139 to 145 ms of a
 * tanh-preset training step against 52 to 53 for the kernel's first version and about a
 * quarter less since, docs/benchmarks.md); where the kernels cannot run, and for other
 * dtypes, tfjs's own.
 */
function tanh(original: tf.KernelFunc): tf.KernelFunc {
  return function gradflowSimdTanh(args) {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const simd = simdKernels(args.backend);
    const n = tf.util.sizeFromShape(x.shape);
    if (!simd || x.dtype !== 'float32' || n === 0) return original(args);
    const y = wasmHeap(args.backend).makeOutput([...x.shape], 'float32');
    simd.tanh(heapOffset(args.backend, x), heapOffset(args.backend, y), n);
    return y;
  };
}

let registered = false;

/** Registers the kernels on the wasm backend (once). The activations' gradients, which run some of them, are registered with the convolutions' (../convGradients.ts). */
export function registerSimdKernels(): void {
  if (registered) return;
  registered = true;
  tf.registerKernel({ kernelName: BIAS_GRAD_KERNEL, backendName: 'wasm', kernelFunc: biasGrad as tf.KernelFunc });
  tf.registerKernel({ kernelName: RELU_GRAD_KERNEL, backendName: 'wasm', kernelFunc: reluGrad as tf.KernelFunc });
  tf.registerKernel({ kernelName: FILTER_GRAD_KERNEL, backendName: 'wasm', kernelFunc: filterGrad as tf.KernelFunc });
  tf.registerKernel({ kernelName: TANH_GRAD_KERNEL, backendName: 'wasm', kernelFunc: activationGrad('tanhGrad', tanhGradInto) });
  tf.registerKernel({ kernelName: SIGMOID_GRAD_KERNEL, backendName: 'wasm', kernelFunc: activationGrad('sigmoidGrad', sigmoidGradInto) });
  replaceWasmKernel('Tanh', tanh);
}
