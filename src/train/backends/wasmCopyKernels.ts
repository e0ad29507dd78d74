import * as tf from '@tensorflow/tfjs-core';
import { heapOffset, simdKernels } from './simd/load';
import { floats, replaceWasmKernel as replace, wasmHeap, withRowTable, words } from './wasmHeap';

/**
 * Data-movement kernels for the wasm backend, in place of tfjs 4.22's, which cost a
 * training step far more than the arithmetic around them:
 * - Identity copied its input, and tfjs clones (Identity) every tensor it saves for a
 *   gradient: about a thousand copies per step. Here it shares the data, as Reshape
 *   already does (the backend counts references; no wasm kernel writes into its input).
 *   So does a Cast to the dtype the tensor already has (ReLU's gradient makes one per
 *   layer). A Cast to bool tests for "not zero" (tfjs's copied numbers into bytes: 256
 *   became false).
 * - Concat copied one pixel's channels at a time through `subarray` and `set` (each
 *   inception output), SplitV (Concat's gradient) ran one Slice per part: both copy
 *   32-bit words row by row here, for float32 and int32, so that each output (or input)
 *   is passed once, front to back; four words at a time where the SIMD kernels run
 *   (simd/assembly/join.ts: the sigmoid and tanh presets' inception blocks, whose
 *   activation is not fused with the join as ReLU's is), else the plain loops below.
 * - Tile ran a general index computation per element: the batch-norm gradient tiles each
 *   layer's [c] scale factors to the whole activation, 612 ms of a 1.3 s step of the
 *   relu-bn preset. Here a float32 or int32 tile is copied as blocks (tileInto), and a
 *   single element of any dtype (what `tf.where` with a scalar condition broadcasts) is
 *   a fill.
 * - AvgPoolGrad (the auxiliary heads) was a slow loop: here each element of dx is
 *   gathered once from the windows that hold it, four channels at a time where the SIMD
 *   kernels run (simd/assembly/pooling.ts), with the same numbers as the loop below.
 * Each follows the cpu backend's results (tests/train/copyKernels.test.ts).
 */

/** Copies `width` words from `from` at `f` to `to` at `t`: a plain loop for the short rows of a channel cut, a block copy for long ones. */
function copyWords(from: Int32Array, f: number, to: Int32Array, t: number, width: number): void {
  if (width >= 64) {
    to.set(from.subarray(f, f + width), t);
    return;
  }
  for (let i = 0; i < width; i++) to[t + i] = from[f + i]!;
}

/**
 * Concatenation of float32 or int32 tensors on any axis, row by row: for each of the
 * `outer` rows (the product of the axes before `axis`), each input's row in turn, so the
 * output is written once, front to back (each inception block's output: a pixel's
 * channels from its four branches).
 */
function concat(backend: object, inputs: tf.TensorInfo[], axis: number): tf.TensorInfo {
  const heap = wasmHeap(backend);
  const shape = [...inputs[0]!.shape];
  shape[axis] = inputs.reduce((a, t) => a + t.shape[axis]!, 0);
  const out = heap.makeOutput(shape, inputs[0]!.dtype);
  const outer = tf.util.sizeFromShape(shape.slice(0, axis));
  const rows = inputs.map((t) => tf.util.sizeFromShape(t.shape.slice(axis)));
  const simd = simdKernels(backend);
  if (simd) {
    withRowTable(backend, inputs.map((t, j) => [t, rows[j]!] as const), (table) => simd.concat(table, inputs.length, heapOffset(backend, out), outer));
    return out;
  }
  concatInto(inputs.map((t) => words(heap, t)), rows, words(heap, out), outer);
  return out;
}

/** The fallback of concat: for each of the `outer` rows, each input's row of `rows[j]` words in turn. */
export function concatInto(from: readonly Int32Array[], rows: readonly number[], to: Int32Array, outer: number): void {
  let at = 0;
  for (let r = 0; r < outer; r++) {
    for (let j = 0; j < from.length; j++) {
      copyWords(from[j]!, r * rows[j]!, to, at, rows[j]!);
      at += rows[j]!;
    }
  }
}

/** The inverse of concat, row by row as it: parts of the given sizes along `axis`, the input read once, front to back. */
function split(backend: object, x: tf.TensorInfo, sizes: readonly number[], axis: number): tf.TensorInfo[] {
  const heap = wasmHeap(backend);
  const outer = tf.util.sizeFromShape(x.shape.slice(0, axis));
  const inner = tf.util.sizeFromShape(x.shape.slice(axis + 1));
  const outs = sizes.map((s) => heap.makeOutput(x.shape.map((d, i) => (i === axis ? s : d)), x.dtype));
  const rows = sizes.map((s) => s * inner);
  // A part with no elements has no memory to view or write: it is skipped.
  if (outer === 0 || rows.every((row) => row === 0)) return outs;
  const simd = simdKernels(backend);
  if (simd) {
    const stride = rows.reduce((a, b) => a + b, 0);
    let begin = 0;
    rows.forEach((row, j) => {
      if (row > 0) simd.sliceColumns(heapOffset(backend, x), heapOffset(backend, outs[j]!), outer, stride, begin, row);
      begin += row;
    });
    return outs;
  }
  splitInto(words(heap, x), rows, outs.map((out, j) => (rows[j]! > 0 ? words(heap, out) : null)), outer);
  return outs;
}

/** The fallback of split: each of the `outer` rows of `from` cut into parts of `rows[j]` words, in turn (a part of none has no array). */
export function splitInto(from: Int32Array, rows: readonly number[], to: readonly (Int32Array | null)[], outer: number): void {
  let at = 0;
  for (let r = 0; r < outer; r++) {
    for (let j = 0; j < rows.length; j++) {
      if (rows[j]! > 0) copyWords(from, at, to[j]!, r * rows[j]!, rows[j]!);
      at += rows[j]!;
    }
  }
}

/**
 * d loss / d x of average pooling, the cpu backend's rule: the sum of dy over the windows
 * holding x, over filter height x width. Gathered: each element of dx once, its windows'
 * dy added in the order of the windows (as a scatter over them in turn would), each sum
 * rounded to float32 as it grows, then scaled.
 */
export function avgPoolGradInto(dy: Float32Array, dx: Float32Array, info: tf.backend_util.Conv2DInfo): void {
  const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const { top, left } = info.padInfo;
  const scale = 1 / (filterHeight * filterWidth);
  // The windows holding input row r (or column): o with o * stride - pad <= r < o * stride - pad + filter.
  const first = (r: number, pad: number, filter: number, stride: number): number => Math.max(0, Math.ceil((r + pad - filter + 1) / stride));
  const last = (r: number, pad: number, stride: number, count: number): number => Math.min(count - 1, Math.floor((r + pad) / stride));
  let at = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let r = 0; r < inHeight; r++) {
      const oh0 = first(r, top, filterHeight, strideHeight);
      const oh1 = last(r, top, strideHeight, outHeight);
      for (let col = 0; col < inWidth; col++, at += c) {
        const ow0 = first(col, left, filterWidth, strideWidth);
        const ow1 = last(col, left, strideWidth, outWidth);
        if (oh0 > oh1 || ow0 > ow1) {
          dx.fill(0, at, at + c); // in no window
          continue;
        }
        // The first window's dy added to 0 (so -0 becomes +0, as in a sum from 0), then the others'.
        const corner = ((b * outHeight + oh0) * outWidth + ow0) * c;
        for (let ch = 0; ch < c; ch++) dx[at + ch] = 0 + dy[corner + ch]!;
        for (let oh = oh0; oh <= oh1; oh++) {
          for (let ow = oh === oh0 ? ow0 + 1 : ow0, from = ((b * outHeight + oh) * outWidth + ow) * c; ow <= ow1; ow++, from += c) {
            for (let ch = 0; ch < c; ch++) dx[at + ch] = dx[at + ch]! + dy[from + ch]!;
          }
        }
        for (let ch = 0; ch < c; ch++) dx[at + ch] = dx[at + ch]! * scale;
      }
    }
  }
}

interface PoolAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'same' | 'valid' | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/**
 * x [shape] repeated reps[d] times along each axis d, as 32-bit words (row-major, as
 * tfjs's Tile): from the last axis to the first, each axis's block is written once (its
 * rows, or the tiles of the axis inside it) and then copied as a whole, doubling what is
 * copied each time, so the work is about that of copying the output once.
 */
export function tileInto(from: Int32Array, shape: readonly number[], reps: readonly number[], to: Int32Array): void {
  const rank = shape.length;
  if (to.length === 0) return;
  if (rank === 0) {
    to[0] = from[0]!;
    return;
  }
  // The input's and the output's elements from axis d on.
  const inner = new Array<number>(rank + 1).fill(1);
  const outer = new Array<number>(rank + 1).fill(1);
  for (let d = rank - 1; d >= 0; d--) {
    inner[d] = inner[d + 1]! * shape[d]!;
    outer[d] = outer[d + 1]! * shape[d]! * reps[d]!;
  }
  const write = (d: number, f: number, t: number): void => {
    const once = shape[d]! * outer[d + 1]!; // the axis's elements, each tiled inside: one copy of it
    if (d === rank - 1) to.set(from.subarray(f, f + shape[d]!), t);
    else for (let j = 0; j < shape[d]!; j++) write(d + 1, f + j * inner[d + 1]!, t + j * outer[d + 1]!);
    for (let done = once, total = once * reps[d]!; done < total;) {
      const n = Math.min(done, total - done);
      to.copyWithin(t + done, t, t + n);
      done += n;
    }
  };
  write(0, 0, 0);
}

/** The dtypes Concat and SplitV copy here, as 32-bit words; bool (rare in training) stays with tfjs's kernels. */
const FOUR_BYTES: ReadonlySet<tf.DataType> = new Set(['float32', 'int32']);

let registered = false;

/** Installs the kernels above on the wasm backend (once). */
export function registerWasmCopyKernels(): void {
  if (registered) return;
  registered = true;
  replace('Identity', (original) => (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    if (x.dtype === 'string') return original(args);
    wasmHeap(args.backend).incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  });
  replace('Cast', (original) => (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const dtype = args.attrs!['dtype'] as tf.DataType;
    const heap = wasmHeap(args.backend);
    if (x.dtype === 'string') return original(args);
    if (x.dtype === dtype) {
      heap.incRef(x.dataId);
      return { dataId: x.dataId, shape: [...x.shape], dtype };
    }
    if (dtype !== 'bool') return original(args);
    // tfjs's wasm Cast copies numbers into bytes (2 stays 2, 256 becomes 0); a bool is "not zero".
    const out = heap.makeOutput([...x.shape], 'bool');
    const from = heap.typedArrayFromHeap(x);
    const to = heap.typedArrayFromHeap(out);
    for (let i = 0; i < from.length; i++) to[i] = from[i] !== 0 ? 1 : 0;
    return out;
  });
  replace('Concat', (original) => (args) => {
    const inputs = (args.inputs as unknown as tf.TensorInfo[]).filter((t) => tf.util.sizeFromShape(t.shape) > 0);
    const axis = tf.util.parseAxisParam(args.attrs!['axis'] as number, (args.inputs as unknown as tf.TensorInfo[])[0]!.shape)[0]!;
    if (inputs.length < 2 || !FOUR_BYTES.has(inputs[0]!.dtype)) return original(args);
    tf.backend_util.assertParamsConsistent(inputs.map((t) => t.shape), axis);
    return concat(args.backend, inputs, axis);
  });
  replace('SplitV', (original) => (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    if (!FOUR_BYTES.has(x.dtype)) return original(args);
    const axis = tf.util.parseAxisParam(args.attrs!['axis'] as number, x.shape)[0]!;
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, args.attrs!['numOrSizeSplits'] as number | number[], axis);
    return split(args.backend, x, sizes, axis);
  });
  replace('Tile', (original) => (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const reps = args.attrs!['reps'] as number[];
    const single = tf.util.sizeFromShape(x.shape) === 1;
    if (x.dtype === 'string' || reps.length !== x.shape.length || !(single || FOUR_BYTES.has(x.dtype))) return original(args);
    const heap = wasmHeap(args.backend);
    const out = heap.makeOutput(x.shape.map((d, i) => d * reps[i]!), x.dtype);
    if (single) heap.typedArrayFromHeap(out).fill(heap.typedArrayFromHeap(x)[0]!);
    else tileInto(words(heap, x), x.shape, reps, words(heap, out));
    return out;
  });
  replace('AvgPoolGrad', () => ({ inputs, backend, attrs }) => {
    const heap = wasmHeap(backend);
    const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
    const a = attrs as unknown as PoolAttrs;
    const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
    const dx = heap.makeOutput([...input.shape], 'float32');
    const simd = simdKernels(backend);
    if (simd) {
      simd.avgPoolGrad(
        heapOffset(backend, dy), heapOffset(backend, dx),
        info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth,
        info.strideHeight, info.strideWidth, info.filterHeight, info.filterWidth, info.padInfo.top, info.padInfo.left,
      );
      return dx;
    }
    avgPoolGradInto(floats(heap, dy), floats(heap, dx), info);
    return dx;
  });
}
