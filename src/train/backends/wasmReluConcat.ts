import * as tf from '@tensorflow/tfjs-core';
import { RELU_CONCAT_KERNEL, SLICE_RELU_GRAD_KERNEL } from './kernelNames';
import { heapOffset, simdKernels } from './simd/load';
import { concatInto } from './wasmCopyKernels';
import { floats, wasmHeap, withRowTable, words } from './wasmHeap';

/**
 * An inception block's ReLUs and its concatenation as one kernel on the wasm backend, and
 * its gradient as one kernel per branch.
 *
 * The block's four branches each end in a convolution and its ReLU, and their outputs are
 * concatenated on the channel axis (src/model/inception.ts). tfjs runs that as four Relu
 * kernels and a Concat, and its gradient as a SplitV (a copy of dy, cut in four) and four
 * ReLU gradients. Here the forward pass writes each branch's ReLU straight into the block's
 * output (GradFlowReluConcat), and each branch's gradient is read straight out of dy at
 * its columns (GradFlowSliceReluGrad): one pass over the block's output each way instead
 * of two, and no copy of dy.
 *
 * The numbers are those of the kernels it replaces, to the bit: the ReLU is tfjs's wasm
 * Relu (a word with its sign bit set becomes +0, the rest are kept), the gradient is
 * GradFlowReluGrad's dy * step(y) (y, the ReLU's output, is positive and NaN exactly where
 * its input is). tests/train/reluConcat.test.ts checks both, and training steps with and
 * without the kernel. Only the output is saved for the gradient, as the four ReLUs saved
 * theirs; the branches' pre-activations are not kept.
 *
 * The SIMD kernels (simd/assembly/relu.ts) run it; where they cannot, the plain loops
 * below, with the same numbers.
 */

interface ReluConcatAttrs {
  /** Each input's width on the last axis, in order. */
  readonly sizes: number[];
}

interface SliceAttrs {
  /** The input's first column of the concatenation, and its width. */
  readonly begin: number;
  readonly size: number;
}

/** The fallback of the forward kernel: the plain concatenation's rows, then each word through i32 max(w, 0). */
export function reluConcatInto(inputs: readonly Int32Array[], widths: readonly number[], out: Int32Array, rows: number): void {
  concatInto(inputs, widths, out, rows);
  for (let i = 0; i < out.length; i++) if (out[i]! < 0) out[i] = 0;
}

/** The fallback of the gradient kernel: dx = dy * step(y) over columns begin..begin+width-1 of [rows, stride]. */
export function sliceReluGradInto(y: Float32Array, dy: Float32Array, dx: Float32Array, rows: number, stride: number, begin: number, width: number): void {
  for (let r = 0, to = 0; r < rows; r++) {
    for (let j = 0, at = r * stride + begin; j < width; j++, at++, to++) {
      const v = y[at]!;
      dx[to] = dy[at]! * (v > 0 ? 1 : v !== v ? v : 0);
    }
  }
}

function reluConcat({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: object; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const heap = wasmHeap(backend);
  const xs = Object.values(inputs).filter((x): x is tf.TensorInfo => x !== undefined); // keys 0, 1, ...: in order
  const { sizes } = attrs as unknown as ReluConcatAttrs;
  const first = xs[0];
  if (!first || xs.length !== sizes.length) throw new Error(`${RELU_CONCAT_KERNEL} needs one width per input`);
  const lead = first.shape.slice(0, -1);
  for (const [i, x] of xs.entries()) {
    if (x.dtype !== 'float32') throw new Error(`${RELU_CONCAT_KERNEL} takes float32 tensors, not ${x.dtype}`);
    const same = x.shape.length === first.shape.length && lead.every((d, k) => x.shape[k] === d) && x.shape[x.shape.length - 1] === sizes[i];
    if (!same) throw new Error(`${RELU_CONCAT_KERNEL}: input ${i} has shape [${x.shape.join(', ')}], expected [${[...lead, sizes[i]].join(', ')}]`);
  }
  const rows = tf.util.sizeFromShape(lead);
  const out = heap.makeOutput([...lead, sizes.reduce((a, b) => a + b, 0)], 'float32');
  const simd = simdKernels(backend);
  if (!simd) {
    reluConcatInto(xs.map((x) => words(heap, x)), sizes, words(heap, out), rows);
    return out;
  }
  withRowTable(backend, xs.map((x, i) => [x, sizes[i]!] as const), (table) => simd.reluConcat(table, xs.length, heapOffset(backend, out), rows));
  return out;
}

function sliceReluGrad({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: object; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const heap = wasmHeap(backend);
  const { y, dy } = inputs as { y: tf.TensorInfo; dy: tf.TensorInfo };
  const { begin, size } = attrs as unknown as SliceAttrs;
  const stride = y.shape[y.shape.length - 1]!;
  if (dy.shape.length !== y.shape.length || dy.shape.some((d, k) => d !== y.shape[k])) throw new Error(`${SLICE_RELU_GRAD_KERNEL}: dy and y differ in shape`);
  if (!(Number.isInteger(begin) && Number.isInteger(size) && begin >= 0 && size > 0 && begin + size <= stride)) throw new Error(`${SLICE_RELU_GRAD_KERNEL}: columns ${begin} to ${begin + size - 1} are not within ${stride}`);
  const rows = tf.util.sizeFromShape(y.shape) / stride;
  const dx = heap.makeOutput([...y.shape.slice(0, -1), size], 'float32');
  const simd = simdKernels(backend);
  if (simd) simd.sliceReluGrad(heapOffset(backend, y), heapOffset(backend, dy), heapOffset(backend, dx), rows, stride, begin, size);
  else sliceReluGradInto(floats(heap, y), floats(heap, dy), floats(heap, dx), rows, stride, begin, size);
  return dx;
}

let registered = false;

/** Registers both kernels on the wasm backend and the forward kernel's gradient (once). */
export function registerWasmReluConcat(): void {
  if (registered) return;
  registered = true;
  tf.registerKernel({ kernelName: RELU_CONCAT_KERNEL, backendName: 'wasm', kernelFunc: reluConcat as tf.KernelFunc });
  tf.registerKernel({ kernelName: SLICE_RELU_GRAD_KERNEL, backendName: 'wasm', kernelFunc: sliceReluGrad as tf.KernelFunc });
  tf.registerGradient({
    kernelName: RELU_CONCAT_KERNEL,
    outputsToSave: [true],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
      const [y] = saved as [tf.Tensor];
      const { sizes } = attrs as unknown as ReluConcatAttrs;
      let begin = 0;
      return Object.fromEntries(sizes.map((size, i) => {
        const slice: SliceAttrs = { begin, size };
        begin += size;
        return [String(i), () => tf.engine().runKernel(SLICE_RELU_GRAD_KERNEL, { y, dy: dy as tf.Tensor }, slice as unknown as tf.NamedAttrMap) as tf.Tensor];
      }));
    },
  });
}
