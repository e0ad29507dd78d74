import * as tf from '@tensorflow/tfjs-core';
import { heapOffset, simdKernels } from './simd/load';
import { floats, wasmHeap } from './wasmHeap';

/**
 * A correct MaxPoolGrad for the wasm backend.
 *
 * tfjs 4.22's wasm MaxPoolGrad mis-routes the gradient whenever a window's maximum is not
 * positive (it behaves as if padding and its running maximum started at 0): with tanh
 * activations most of the gradient through a pooling layer is lost, and with ReLU the
 * gradient reaching exact zeros goes astray (tests/train/kernels.test.ts shows both
 * against the cpu backend). This kernel follows the cpu backend's rule: each output's
 * gradient goes to the first maximum of its window in row-major order, padding never
 * wins, and a NaN in a window takes the gradient (so divergence stays visible).
 * It reads and writes the wasm heap directly.
 *
 * Where the SIMD kernels run (simd/load.ts) and no window holds a NaN, the routing is
 * theirs: four channels at a time, branch-free, about 4x faster than the JavaScript below,
 * which stays the reference and the fallback (and routes a batch with a NaN in a window).
 *
 * The forward pass already found each window's maximum (the pooled output, which the
 * gradient receives), so the kernel only looks for its first occurrence: a scan that
 * stops at the first equal element, about twice as fast as keeping a running maximum
 * over the whole window, with the nine comparisons of a whole 3x3 window written out.
 * A NaN has no equal, so a batch with a NaN anywhere takes the full scan, as does any
 * window where the maximum is not found.
 */

interface PoolAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'same' | 'valid' | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/**
 * Where one channel of one window routes its gradient: the first maximum in row-major
 * order, or the first NaN. The window is rows r0..r1-1, columns c0..c1-1 of the image
 * (clipped, not empty); `corner` is the index of its first element in this channel.
 */
function firstMaximum(x: Float32Array, corner: number, rowStride: number, c: number, rows: number, cols: number): number {
  let where = corner;
  let best = x[corner]!;
  for (let r = 0, rowAt = corner; r < rows; r++, rowAt += rowStride) {
    for (let col = 0, at = rowAt; col < cols; col++, at += c) {
      const v = x[at]!;
      // A larger value wins, and so does the first NaN (best === best: no NaN yet).
      if (v > best || (v !== v && best === best)) {
        best = v;
        where = at;
      }
    }
  }
  return where;
}

function hasNaN(values: Float32Array): boolean {
  for (let i = 0; i < values.length; i++) if (values[i] !== values[i]) return true;
  return false;
}

/**
 * dx of max pooling, computed into `dx` (zeroed here) from the input x, dy and, when
 * given, the pooled output y (each window's maximum, from the forward pass). `finite`
 * may say that x has no NaN (the kernel learns it from a native sum); otherwise x is
 * scanned for one.
 */
export function maxPoolGradInto(x: Float32Array, dy: Float32Array, dx: Float32Array, info: tf.backend_util.Conv2DInfo, y?: Float32Array, noNaN?: boolean): void {
  dx.fill(0);
  route(x, y !== undefined && (noNaN ?? !hasNaN(x)) ? y : null, dy, dx, info);
}

/** Adds each output's dy to the element it routes to: found as the first element equal to y where y is known, else by a full scan. */
function route(x: Float32Array, y: Float32Array | null, dy: Float32Array, dx: Float32Array, info: tf.backend_util.Conv2DInfo): void {
  const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const { top, left } = info.padInfo;
  const rowStride = inWidth * c;
  // Offsets of a whole 3x3 window's elements from its corner, in row-major order.
  const o1 = c, o2 = 2 * c, o3 = rowStride, o4 = o3 + c, o5 = o3 + 2 * c, o6 = 2 * rowStride, o7 = o6 + c, o8 = o6 + 2 * c;
  let dyAt = 0;
  for (let b = 0; b < batchSize; b++) {
    const xBase = b * inHeight * rowStride;
    for (let oh = 0; oh < outHeight; oh++) {
      const r0 = Math.max(0, oh * strideHeight - top);
      const rows = Math.min(inHeight, oh * strideHeight - top + filterHeight) - r0;
      for (let ow = 0; ow < outWidth; ow++, dyAt += c) {
        const c0 = Math.max(0, ow * strideWidth - left);
        const cols = Math.min(inWidth, ow * strideWidth - left + filterWidth) - c0;
        if (rows <= 0 || cols <= 0) continue; // wholly in the padding: no input gets its gradient
        const corner = xBase + r0 * rowStride + c0 * c;
        if (y === null) {
          for (let ch = 0; ch < c; ch++) {
            const where = firstMaximum(x, corner + ch, rowStride, c, rows, cols);
            dx[where] = dx[where]! + dy[dyAt + ch]!;
          }
        } else if (rows === 3 && cols === 3) {
          // A whole 3x3 window (every pool of GoogLeNet, away from the border): the nine
          // comparisons written out.
          for (let ch = 0; ch < c; ch++) {
            const m = y[dyAt + ch]!;
            const a = corner + ch;
            let where = x[a] === m ? a : x[a + o1] === m ? a + o1 : x[a + o2] === m ? a + o2 : x[a + o3] === m ? a + o3 : x[a + o4] === m ? a + o4
              : x[a + o5] === m ? a + o5 : x[a + o6] === m ? a + o6 : x[a + o7] === m ? a + o7 : x[a + o8] === m ? a + o8 : -1;
            if (where === -1) where = firstMaximum(x, a, rowStride, c, rows, cols);
            dx[where] = dx[where]! + dy[dyAt + ch]!;
          }
        } else {
          for (let ch = 0; ch < c; ch++) {
            const m = y[dyAt + ch]!;
            let where = -1;
            search: for (let r = 0, rowAt = corner + ch; r < rows; r++, rowAt += rowStride) {
              for (let col = 0, at = rowAt; col < cols; col++, at += c) {
                if (x[at] === m) {
                  where = at;
                  break search;
                }
              }
            }
            if (where === -1) where = firstMaximum(x, corner + ch, rowStride, c, rows, cols);
            dx[where] = dx[where]! + dy[dyAt + ch]!;
          }
        }
      }
    }
  }
}

let registered = false;

/** Replaces the wasm backend's MaxPoolGrad kernel (once). */
export function registerWasmMaxPoolGrad(): void {
  if (registered) return;
  registered = true;
  if (tf.getKernel('MaxPoolGrad', 'wasm')) tf.unregisterKernel('MaxPoolGrad', 'wasm');
  tf.registerKernel({
    kernelName: 'MaxPoolGrad',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const heap = wasmHeap(backend);
      const { dy, input, output } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo; output?: tf.TensorInfo };
      const a = attrs as unknown as PoolAttrs;
      const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
      const dx = heap.makeOutput([...input.shape], 'float32');
      const simd = simdKernels(backend);
      let noNaN: boolean;
      if (simd && output) {
        // Four channels at a time without branches (simd/assembly/pooling.ts), which also
        // looks for a NaN in every window; a batch with one, or a window whose maximum is
        // not found, is routed again below, here as a whole, by the full scan.
        const missed = simd.maxPoolGrad(
          heapOffset(backend, input), heapOffset(backend, output), heapOffset(backend, dy), heapOffset(backend, dx),
          info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth,
          info.strideHeight, info.strideWidth, info.filterHeight, info.filterWidth, info.padInfo.top, info.padInfo.left,
        );
        if (missed === 0) return dx;
        noNaN = false;
      } else {
        // The sum of x is not NaN only if no element is (it may be NaN without one, from
        // infinities of both signs: then the full scan runs, which is merely slower).
        const sum = tf.getKernel('Sum', 'wasm')!.kernelFunc({ inputs: { x: input }, backend, attrs: { axis: input.shape.map((_, i) => i), keepDims: false } }) as tf.TensorInfo;
        noNaN = !Number.isNaN(floats(heap, sum)[0]);
        heap.disposeData(sum.dataId);
      }
      // Views are taken after the last allocation: growing the heap detaches older views.
      const y = output ? floats(heap, output) : undefined;
      maxPoolGradInto(floats(heap, input), floats(heap, dy), floats(heap, dx), info, y, noNaN);
      return dx;
    },
  });
}
