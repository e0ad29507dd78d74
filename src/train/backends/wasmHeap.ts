import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { heapOffset } from './simd/load';

/**
 * What GradFlow's kernels of the wasm backend call on it: outputs made on its heap, views
 * of a tensor's elements there, references counted. All of them are public members of
 * tfjs's `BackendWasm`; a kernel is handed its backend as a plain object (`wasmHeap`).
 */
export type WasmHeap = Pick<BackendWasm, 'makeOutput' | 'typedArrayFromHeap' | 'incRef' | 'disposeData'>;

/** The backend a kernel was handed: every kernel using this is registered for 'wasm' alone. */
export function wasmHeap(backend: object): WasmHeap {
  return backend as WasmHeap;
}

/**
 * A float32 tensor's elements on the heap, as a view. Taken after every allocation of the
 * kernel: growing the heap detaches older views.
 */
export function floats(heap: Pick<WasmHeap, 'typedArrayFromHeap'>, info: tf.TensorInfo): Float32Array {
  if (info.dtype !== 'float32') throw new Error(`expected a float32 tensor on the wasm heap, got ${info.dtype}`);
  return heap.typedArrayFromHeap(info) as Float32Array;
}

/**
 * A tensor's elements on the heap as 32-bit words: a float32 or int32 tensor is copied
 * bit for bit through an Int32Array (a float copied as a number could lose its NaN's
 * payload), and one array type keeps the copy loops monomorphic. Taken after every
 * allocation of the kernel, as `floats`.
 */
export function words(heap: Pick<WasmHeap, 'typedArrayFromHeap'>, info: tf.TensorInfo): Int32Array {
  const a = heap.typedArrayFromHeap(info);
  return new Int32Array(a.buffer, a.byteOffset, a.length);
}

/** Replaces a wasm kernel of tfjs's, handing the new one the original for the cases it still leaves to it. */
export function replaceWasmKernel(kernelName: string, make: (original: tf.KernelFunc) => tf.KernelFunc): void {
  const original = tf.getKernel(kernelName, 'wasm');
  if (!original) return;
  tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({ ...original, kernelFunc: make(original.kernelFunc) });
}

/**
 * Runs `run` with a table on the heap, for the SIMD kernels that join rows (concat,
 * reluConcat): per tensor, its data's byte offset and its row width in words, two int32s.
 * The table is freed afterwards.
 */
export function withRowTable(backend: object, rows: readonly (readonly [tf.TensorInfo, number])[], run: (table: number) => void): void {
  const heap = wasmHeap(backend);
  const table = heap.makeOutput([2 * rows.length], 'int32');
  try {
    // Taken after the last allocation: growing the heap detaches older views.
    const entries = words(heap, table);
    rows.forEach(([t, width], i) => {
      entries[2 * i] = heapOffset(backend, t);
      entries[2 * i + 1] = width;
    });
    run(heapOffset(backend, table));
  } finally {
    heap.disposeData(table.dataId);
  }
}
