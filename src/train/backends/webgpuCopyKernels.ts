import * as tf from '@tensorflow/tfjs-core';
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { sizeOf } from '../perVariable';

/**
 * Concat and SplitV on tfjs 4.22's webgpu backend as buffer copies where the pieces are
 * contiguous, in place of a compute program per piece:
 * - SplitV ran one Slice program per part: the optimizer cuts the updated vector into the
 *   network's 128 variables at every step, 128 dispatches;
 * - Concat ran a program per seven inputs (WebGPU's storage buffers per shader): joining
 *   the 128 gradients into one vector took about twenty.
 * Where every piece is one run of the whole tensor's elements (every axis before the one
 * joined or cut has length 1), each piece is one `copyBufferToBuffer` in the backend's
 * command encoder instead: no pipeline, no uniform buffer, no bind group, which is what a dispatch
 * costs tfjs on the host. A step of the small network on a GPU is bound by those costs
 * (docs/benchmarks.md, "Target (GPU)"). A float32 SplitV on another axis (the gradient
 * of an inception block's concatenation, cut into its four branches' channels) is one
 * program that lays the pieces out one after another, then copies. Anything else (a Concat
 * on another axis, another dtype, tensors tfjs keeps on the host) goes to tfjs's own kernel.
 * Copies and that program move bytes, so the numbers are the same to the bit
 * (tests/e2e/pages/webgpuCopies.ts checks them in Chromium against the same joins and cuts
 * made on the host, and how many programs and copies ran).
 *
 * A copy is recorded as tfjs records a program: after the tensors are on the device, with
 * the compute pass ended, and with every tensor involved held until the queue is
 * submitted, so that none of their buffers goes back to tfjs's pool (and to a later write)
 * before the copy has run.
 */

/** What of the webgpu backend a copy needs; the command encoder and the held ids are private in tfjs's types. */
interface CopyingBackend {
  tensorMap: { get(dataId: tf.DataId): { resource?: unknown } };
  shouldExecuteOnCPU(inputs: tf.TensorInfo[]): boolean;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: tf.TypedArray): tf.TensorInfo;
  uploadToGPU(dataId: tf.DataId): void;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  commandEncoder: { copyBufferToBuffer(from: unknown, fromOffset: number, to: unknown, toOffset: number, size: number): void };
  commandQueueOwnedIds: WeakSet<tf.DataId>;
}

/** One piece: `size` elements from `from` at element `fromAt` to `to` at element `toAt`. */
interface Copy {
  readonly from: tf.TensorInfo;
  readonly fromAt: number;
  readonly to: tf.TensorInfo;
  readonly toAt: number;
  readonly size: number;
}

/** The dtypes copied: 4 bytes an element on the device (copy offsets must be multiples of 4). */
const COPIED: ReadonlySet<tf.DataType> = new Set<tf.DataType>(['float32', 'int32']);
const BYTES = 4;
/** Threads per workgroup of piecesInOrder. */
const THREADS = 128;

/** Whether pieces along `axis` of tensors of `shape` are each one run of elements: every axis before it has length 1. */
const contiguous = (shape: readonly number[], axis: number): boolean => sizeOf(shape.slice(0, axis)) === 1;

/** Records the copies in the backend's command encoder, after putting every tensor on the device. */
function record(backend: CopyingBackend, copies: readonly Copy[]): void {
  for (const { from, to } of copies) {
    backend.uploadToGPU(from.dataId);
    backend.uploadToGPU(to.dataId);
  }
  backend.ensureCommandEncoderReady();
  backend.endComputePassEncoder();
  for (const { from, fromAt, to, toAt, size } of copies) {
    const source = backend.tensorMap.get(from.dataId).resource;
    const target = backend.tensorMap.get(to.dataId).resource;
    if (!isBuffer(source) || !isBuffer(target)) throw new Error('a copy needs both tensors in GPU buffers');
    backend.commandEncoder.copyBufferToBuffer(source, fromAt * BYTES, target, toAt * BYTES, size * BYTES);
    backend.commandQueueOwnedIds.add(from.dataId);
    backend.commandQueueOwnedIds.add(to.dataId);
  }
}

function isBuffer(resource: unknown): boolean {
  const buffer = (globalThis as { GPUBuffer?: abstract new () => unknown }).GPUBuffer;
  return buffer !== undefined && resource instanceof buffer;
}

/** An output of `shape`; an empty one holds an empty array, as tfjs's programs leave it. */
function output(backend: CopyingBackend, shape: number[], dtype: tf.DataType): tf.TensorInfo {
  return sizeOf(shape) === 0 ? backend.makeTensorInfo(shape, dtype, tf.util.getTypedArrayFromDType(dtype as 'float32', 0)) : backend.makeTensorInfo(shape, dtype);
}

/** Concat along `axis` as copies, or null where tfjs's kernel should run. */
function concatByCopies(backend: CopyingBackend, inputs: tf.TensorInfo[], axisAttr: number): tf.TensorInfo | null {
  const first = inputs[0];
  if (first === undefined || inputs.length < 2 || !COPIED.has(first.dtype) || backend.shouldExecuteOnCPU(inputs)) return null;
  const axis = tf.util.parseAxisParam(axisAttr, first.shape)[0]!;
  const shapes = inputs.map((t) => t.shape);
  tf.backend_util.assertParamsConsistent(shapes, axis);
  const shape = tf.backend_util.computeOutShape(shapes, axis);
  if (!contiguous(shape, axis)) return null;
  const out = output(backend, shape, first.dtype);
  const copies: Copy[] = [];
  let at = 0;
  for (const from of inputs) {
    const size = sizeOf(from.shape);
    if (size > 0) copies.push({ from, fromAt: 0, to: out, toAt: at, size });
    at += size;
  }
  record(backend, copies);
  return out;
}

/**
 * SplitV along `axis` as copies, or null where tfjs's kernel should run. Where the pieces
 * are not runs of elements (float32 only), one program first lays them out one after the
 * other (piecesInOrder), which the copies then cut: one launch, where tfjs's kernel runs a
 * Slice program per piece.
 */
function splitByCopies(backend: CopyingBackend, x: tf.TensorInfo, numOrSizeSplits: number | number[], axisAttr: number): tf.TensorInfo[] | null {
  if (!COPIED.has(x.dtype) || backend.shouldExecuteOnCPU([x]) || sizeOf(x.shape) === 0) return null;
  const axis = tf.util.parseAxisParam(axisAttr, x.shape)[0]!;
  const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, axis);
  const shapes = sizes.map((length) => x.shape.map((d, i) => (i === axis ? length : d)));
  if (contiguous(x.shape, axis)) return cut(backend, x, shapes);
  if (x.dtype !== 'float32') return null;
  const outer = sizeOf(x.shape.slice(0, axis));
  const inner = sizeOf(x.shape.slice(axis + 1));
  const inOrder = (backend as unknown as WebGPUBackend).runWebGPUProgram(piecesInOrder(outer, x.shape[axis]!, inner, sizes), [x], 'float32');
  return cutOutput(backend, inOrder, shapes);
}

/**
 * x [outer, along, inner] (as it lies in memory) with its pieces along the middle axis of
 * `sizes` laid out one after another, each piece's elements in their order: a thread per
 * element, each written once. The sizes are in the shader (a network splits the same way
 * at every step).
 */
function piecesInOrder(outer: number, along: number, inner: number, sizes: readonly number[]): WebGPUProgram {
  const total = outer * along * inner;
  const branches: string[] = [];
  let start = 0;
  for (const size of sizes) {
    if (size > 0) branches.push(`if (a < ${start + size}) { start = ${start}; width = ${size}; }`);
    start += size;
  }
  return {
    variableNames: ['x'],
    outputShape: [total],
    shaderKey: `gradflow_pieces_in_order_${outer}_${along}_${inner}_${sizes.join('_')}`,
    dispatchLayout: { x: [0] },
    dispatch: [Math.ceil(total / THREADS), 1, 1],
    workgroupSize: [THREADS, 1, 1],
    size: true,
    getUserCode: () => `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let i = index % ${inner};
          let rest = index / ${inner};
          let a = rest % ${along};
          let o = rest / ${along};
          var start = 0;
          var width = 0;
          ${branches.join(' else ')}
          setOutputAtIndex(${outer} * start * ${inner} + (o * width + (a - start)) * ${inner} + i, x[index]);
        }
      }
    `,
  };
}

/** x's elements in order, cut into new tensors of these shapes (their sizes add up to x's), one copy per piece that has elements. */
function cut(backend: CopyingBackend, x: tf.TensorInfo, shapes: readonly number[][]): tf.TensorInfo[] {
  const outs: tf.TensorInfo[] = [];
  const copies: Copy[] = [];
  let at = 0;
  for (const shape of shapes) {
    const out = output(backend, shape, x.dtype);
    outs.push(out);
    const size = sizeOf(shape);
    if (size > 0) copies.push({ from: x, fromAt: at, to: out, toAt: 0, size });
    at += size;
  }
  if (at !== sizeOf(x.shape)) throw new Error(`pieces of ${at} elements cut from a tensor of ${sizeOf(x.shape)}`);
  record(backend, copies);
  return outs;
}

/**
 * A webgpu program's output, already on the device, cut into pieces of these shapes by
 * copies (for a program that leaves several results in one buffer); `x` is released.
 */
export function cutOutput(backend: object, x: tf.TensorInfo, shapes: readonly number[][]): tf.TensorInfo[] {
  const copying = backend as CopyingBackend & { disposeData(dataId: tf.DataId): boolean };
  try {
    return cut(copying, x, shapes);
  } finally {
    // Held by the copies until the queue is submitted (record), then freed.
    copying.disposeData(x.dataId);
  }
}

/** Replaces a webgpu kernel by one that copies where it can, keeping the original for the rest. */
function replace(kernelName: string, copying: (args: Parameters<tf.KernelFunc>[0]) => tf.TensorInfo | tf.TensorInfo[] | null): void {
  const original = tf.getKernel(kernelName, 'webgpu');
  if (!original) return;
  tf.unregisterKernel(kernelName, 'webgpu');
  tf.registerKernel({ ...original, kernelFunc: (args) => copying(args) ?? original.kernelFunc(args) });
}

let registered = false;

/** Installs both on the webgpu backend (once; its module must have been loaded). */
export function registerWebgpuCopyKernels(): void {
  if (registered || !tf.getKernel('Concat', 'webgpu')) return;
  registered = true;
  replace('Concat', ({ inputs, backend, attrs }) =>
    concatByCopies(backend as unknown as CopyingBackend, inputs as unknown as tf.TensorInfo[], attrs!['axis'] as number),
  );
  replace('SplitV', ({ inputs, backend, attrs }) =>
    splitByCopies(backend as unknown as CopyingBackend, inputs['x']!, attrs!['numOrSizeSplits'] as number | number[], attrs!['axis'] as number),
  );
}
