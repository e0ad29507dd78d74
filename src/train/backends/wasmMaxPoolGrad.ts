import * as tf from '@tensorflow/tfjs-core';

/**
 * A correct MaxPoolGrad for the wasm backend.
 *
 * tfjs 4.22's wasm MaxPoolGrad mis-routes the gradient whenever a window's maximum is not
 * positive (it behaves as if padding and its running maximum started at 0): with tanh
 * activations most of the gradient through a pooling layer is lost, and with ReLU the
 * gradient reaching exact zeros goes astray (tests/train/poolGradients.test.ts shows
 * both against the cpu backend). This kernel follows the cpu backend's rule: each output's
 * gradient goes to the first maximum of its window in row-major order, padding never
 * wins, and a NaN in a window takes the gradient (so divergence stays visible).
 * It reads and writes the wasm heap directly; one pass over the output.
 */

interface WasmHeap {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

interface PoolAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'same' | 'valid' | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** dx of max pooling, computed into `dx` (zeroed here) from the input x and dy. */
export function maxPoolGradInto(x: Float32Array, dy: Float32Array, dx: Float32Array, info: tf.backend_util.Conv2DInfo): void {
  const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const { top, left } = info.padInfo;
  dx.fill(0);
  const best = new Float32Array(c);
  const where = new Int32Array(c);
  for (let b = 0; b < batchSize; b++) {
    const xBase = b * inHeight * inWidth * c;
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        best.fill(-Infinity);
        where.fill(-1);
        for (let kr = 0; kr < filterHeight; kr++) {
          const r = oh * strideHeight - top + kr;
          if (r < 0 || r >= inHeight) continue;
          for (let kc = 0; kc < filterWidth; kc++) {
            const col = ow * strideWidth - left + kc;
            if (col < 0 || col >= inWidth) continue;
            const at = xBase + (r * inWidth + col) * c;
            for (let ch = 0; ch < c; ch++) {
              const v = x[at + ch]!;
              if (where[ch] === -1 || v > best[ch]! || (v !== v && best[ch] === best[ch])) {
                best[ch] = v;
                where[ch] = at + ch;
              }
            }
          }
        }
        const dyAt = ((b * outHeight + oh) * outWidth + ow) * c;
        for (let ch = 0; ch < c; ch++) {
          const to = where[ch]!;
          if (to >= 0) dx[to] = dx[to]! + dy[dyAt + ch]!;
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
      const heap = backend as unknown as WasmHeap;
      const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
      const a = attrs as unknown as PoolAttrs;
      const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
      const dx = heap.makeOutput([...input.shape], 'float32');
      // Views are taken after the allocation: growing the heap detaches older views.
      maxPoolGradInto(heap.typedArrayFromHeap(input), heap.typedArrayFromHeap(dy), heap.typedArrayFromHeap(dx), info);
      return dx;
    },
  });
}
