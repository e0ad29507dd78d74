import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildKernelsModule, OUTPUT } from '../../scripts/build-kernels';
import { useNodeBackend } from '../../src/train/backends/node';
import { KERNELS_WASM, KERNELS_WASM_SHARED } from '../../src/train/backends/simd/kernelsWasm';
import { instantiateKernels, simdKernels, type SimdKernels } from '../../src/train/backends/simd/load';
import { BIAS_GRAD_KERNEL, FILTER_GRAD_KERNEL, RELU_GRAD_KERNEL, SIGMOID_GRAD_KERNEL, TANH_GRAD_KERNEL } from '../../src/train/backends/kernelNames';
import { columnSumInto, reluGradInto, sigmoidGradInto, tanhGradInto } from '../../src/train/backends/simd/register';
import { avgPoolGradInto, concatInto, splitInto } from '../../src/train/backends/wasmCopyKernels';
import { maxPoolGradInto } from '../../src/train/backends/wasmMaxPoolGrad';
import { reluConcatInto } from '../../src/train/backends/wasmReluConcat';
import { magnitudes } from '../../src/train/backends/wasmReductions';
import { Rng } from '../../src/train/rng';

/**
 * The SIMD kernels (src/train/backends/simd): the committed binaries are the source's
 * build and touch nothing of the memory they import but what they are given; each kernel,
 * on an ordinary and on a shared memory, against an independent reference (the JavaScript
 * max-pool and average-pool gradients, a float64 convolution filter gradient, sequential
 * sums, tfjs's ReLU gradient and its Relu's bits); and on the wasm backend the gradients
 * run them.
 */

const bytes = (base64: string): Uint8Array<ArrayBuffer> => new Uint8Array(Buffer.from(base64, 'base64'));

/** The ids of a WebAssembly binary's sections, in order. */
function sectionIds(binary: Uint8Array): number[] {
  const ids: number[] = [];
  let at = 8; // magic and version
  while (at < binary.length) {
    const id = binary[at++]!;
    let size = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = binary[at++]!;
      size |= (byte & 0x7f) << shift;
      if (byte < 0x80) break;
    }
    ids.push(id);
    at += size;
  }
  return ids;
}

describe('the committed kernel binaries', () => {
  it('are what the AssemblyScript source builds to (run `npm run kernels` after changing it)', async () => {
    expect(readFileSync(OUTPUT, 'utf8')).toBe(await buildKernelsModule());
  }, 60_000);

  for (const [name, base64] of [['ordinary', KERNELS_WASM], ['shared', KERNELS_WASM_SHARED]] as const) {
    it(`(${name} memory) import only the memory and write nothing into it when instantiated`, () => {
      const binary = bytes(base64);
      const module = new WebAssembly.Module(binary);
      expect(WebAssembly.Module.imports(module)).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
      expect(WebAssembly.Module.exports(module).filter((e) => e.kind === 'function').map((e) => e.name).sort())
        .toEqual(['avgPoolGrad', 'columnSum', 'concat', 'filterGrad', 'filterGradScratch', 'magnitudesAdd', 'magnitudesLargest', 'magnitudesReset', 'magnitudesSumAbs', 'magnitudesSumSquares', 'maxPoolGrad', 'reluConcat', 'reluGrad', 'sigmoidGrad', 'sliceColumns', 'sliceReluGrad', 'squaresAdd', 'tanh', 'tanhGrad']);
      // No data (11) or data-count (12) section, no start function (8): instantiating
      // leaves the backend's heap as it was.
      const ids = sectionIds(binary);
      expect(ids).not.toContain(11);
      expect(ids).not.toContain(12);
      expect(ids).not.toContain(8);
    });
  }
});

/** A memory with a bump allocator, holding float32 arrays for the kernels. */
class Heap {
  readonly memory: WebAssembly.Memory;
  readonly kernels: SimdKernels;
  private next = 64;

  constructor(shared: boolean) {
    this.memory = shared ? new WebAssembly.Memory({ initial: 256, maximum: 1024, shared: true }) : new WebAssembly.Memory({ initial: 256 });
    this.kernels = instantiateKernels(this.memory);
  }

  /** Room for `n` floats (filled from `values`, or with `fill`), 16-byte aligned like tfjs's heap. */
  put(values: ArrayLike<number> | number, fill = 0): number {
    const n = typeof values === 'number' ? values : values.length;
    const at = this.next;
    this.next += Math.ceil((n * 4 + 16) / 16) * 16; // a guard gap after each array
    const view = new Float32Array(this.memory.buffer, at, n);
    if (typeof values === 'number') view.fill(fill);
    else view.set(values);
    return at;
  }

  /** Room for 32-bit words, as put. */
  putWords(words: Int32Array): number {
    const at = this.put(words.length);
    new Int32Array(this.memory.buffer, at, words.length).set(words);
    return at;
  }

  getWords(at: number, n: number): Int32Array {
    return new Int32Array(this.memory.buffer, at, n).slice();
  }

  get(at: number, n: number): Float32Array {
    return new Float32Array(this.memory.buffer, at, n).slice();
  }

  reset(): void {
    this.next = 64;
    new Uint8Array(this.memory.buffer).fill(0);
  }
}

/** Values with many ties (integers from -3 to 3), so that first-maximum routing matters. */
function tiedValues(rng: Rng, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => Math.max(-3, Math.min(3, Math.round(rng.normal() * 1.5))));
}

interface PoolCase { b: number; h: number; w: number; c: number; size: number; stride: number; pad: 'same' | 'valid' }

/** Each window's maximum over its valid elements (what the forward max pool gives). */
function pooled(x: Float32Array, info: tf.backend_util.Conv2DInfo): Float32Array {
  const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const y = new Float32Array(batchSize * outHeight * outWidth * c).fill(-Infinity);
  for (let b = 0, at = 0; b < batchSize; b++) for (let oh = 0; oh < outHeight; oh++) for (let ow = 0; ow < outWidth; ow++, at += c) {
    for (let r = oh * strideHeight - info.padInfo.top, i = 0; i < filterHeight; i++, r++) for (let col = ow * strideWidth - info.padInfo.left, j = 0; j < filterWidth; j++, col++) {
      if (r < 0 || r >= inHeight || col < 0 || col >= inWidth) continue;
      for (let ch = 0; ch < c; ch++) y[at + ch] = Math.max(y[at + ch]!, x[((b * inHeight + r) * inWidth + col) * c + ch]!);
    }
  }
  return y;
}

/** Plain float64 filter gradient of conv2d, dW[ky, kx, i, o]. */
function filterGradReference(x: Float32Array, dy: Float32Array, info: tf.backend_util.Conv2DInfo): Float64Array {
  const { batchSize, inHeight, inWidth, inChannels: cin, outHeight, outWidth, outChannels: cout, strideHeight, strideWidth, filterHeight: kh, filterWidth: kw } = info;
  const dw = new Float64Array(kh * kw * cin * cout);
  for (let b = 0; b < batchSize; b++) for (let oy = 0; oy < outHeight; oy++) for (let ox = 0; ox < outWidth; ox++) {
    const g = ((b * outHeight + oy) * outWidth + ox) * cout;
    for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) {
      const iy = oy * strideHeight + ky - info.padInfo.top;
      const ix = ox * strideWidth + kx - info.padInfo.left;
      if (iy < 0 || iy >= inHeight || ix < 0 || ix >= inWidth) continue;
      for (let i = 0; i < cin; i++) {
        const v = x[((b * inHeight + iy) * inWidth + ix) * cin + i]!;
        const row = ((ky * kw + kx) * cin + i) * cout;
        for (let o = 0; o < cout; o++) dw[row + o] = dw[row + o]! + v * dy[g + o]!;
      }
    }
  }
  return dw;
}

for (const shared of [false, true]) {
  describe(`SIMD kernels on ${shared ? 'a shared' : 'an ordinary'} memory`, () => {
    const heap = new Heap(shared);

    it('max-pool gradient equals the JavaScript kernel to the bit, over random shapes, strides and paddings', () => {
      const rng = new Rng(shared ? 7 : 3);
      const cases: PoolCase[] = [
        { b: 2, h: 8, w: 8, c: 4, size: 3, stride: 1, pad: 'same' }, // the inception pool
        { b: 2, h: 9, w: 7, c: 6, size: 3, stride: 2, pad: 'same' }, // the stride-2 pools, odd sizes
        { b: 1, h: 5, w: 5, c: 1, size: 3, stride: 1, pad: 'same' }, // channels below one vector
        { b: 3, h: 6, w: 5, c: 13, size: 2, stride: 2, pad: 'valid' },
        { b: 1, h: 4, w: 4, c: 9, size: 5, stride: 1, pad: 'same' }, // window larger than the image
        { b: 2, h: 7, w: 7, c: 8, size: 3, stride: 3, pad: 'valid' },
      ];
      for (let i = 0; i < 6; i++) {
        cases.push({ b: 1 + rng.int(3), h: 1 + rng.int(10), w: 1 + rng.int(10), c: 1 + rng.int(12), size: 1 + rng.int(4), stride: 1 + rng.int(3), pad: rng.int(2) ? 'same' : 'valid' });
      }
      for (const k of cases) {
        heap.reset();
        const what = JSON.stringify(k);
        const info = tf.backend_util.computePool2DInfo([k.b, k.h, k.w, k.c], k.size, k.stride, 1, k.pad);
        if (info.outHeight <= 0 || info.outWidth <= 0) continue;
        const x = tiedValues(rng, k.b * k.h * k.w * k.c);
        const y = pooled(x, info);
        const dy = Float32Array.from({ length: y.length }, () => rng.normal());
        const expected = new Float32Array(x.length);
        maxPoolGradInto(x, dy, expected, info);
        const [px, py, pdy] = [heap.put(x), heap.put(y), heap.put(dy)];
        const pdx = heap.put(x.length, 99); // stale contents: the kernel zeroes dx
        const missed = heap.kernels.maxPoolGrad(px, py, pdy, pdx, k.b, k.h, k.w, k.c, info.outHeight, info.outWidth,
          info.strideHeight, info.strideWidth, info.filterHeight, info.filterWidth, info.padInfo.top, info.padInfo.left);
        expect(missed, what).toBe(0);
        expect(Array.from(heap.get(pdx, x.length)), what).toEqual(Array.from(expected));
        expect(heap.get(pdx + x.length * 4, 4), `${what}: nothing written past dx`).toEqual(new Float32Array(4));
      }
    });

    it('max-pool gradient reports a window with a NaN, whether the pooled maximum is NaN or not, in the vector lanes and the rest', () => {
      // The pooled maximum of a window with a NaN may be NaN or the largest number beside it
      // (as a max that drops NaNs gives); the NaN takes the gradient either way, so the
      // kernel must hand the batch back, without a separate pass over x to find the NaN.
      for (const c of [4, 5]) {
        for (const pooledNaN of [true, false]) {
          for (const at of [0, 4, 8]) { // the window's first, middle and last element
            heap.reset();
            const x = new Float32Array(9 * c).fill(1);
            x[at * c + c - 1] = NaN; // the last channel: a vector lane for c = 4, the scalar rest for c = 5
            const y = new Float32Array(c).fill(1);
            if (pooledNaN) y[c - 1] = NaN;
            const missed = heap.kernels.maxPoolGrad(heap.put(x), heap.put(y), heap.put(new Float32Array(c).fill(1)), heap.put(x.length), 1, 3, 3, c, 1, 1, 1, 1, 3, 3, 0, 0);
            expect(missed, `c = ${c}, pooled ${pooledNaN ? 'NaN' : '1'}, NaN at ${at}`).toBe(1);
          }
        }
      }
      heap.reset();
      const x = new Float32Array(2 * 2 * 4).fill(2); // 2x2, 4 channels, pool 1x1 stride 2: only (0, 0) is in a window
      x[3 * 4] = NaN; // in no window: no gradient can reach it, nothing to hand back
      const missed = heap.kernels.maxPoolGrad(heap.put(x), heap.put(new Float32Array(4).fill(2)), heap.put(new Float32Array(4).fill(1)), heap.put(x.length), 1, 2, 2, 4, 1, 1, 2, 2, 1, 1, 0, 0);
      expect(missed, 'a NaN outside every window').toBe(0);
    });

    it('filter gradient equals a float64 reference, over random shapes, kernels, strides and paddings', () => {
      const rng = new Rng(shared ? 11 : 5);
      type ConvCase = { b: number; h: number; w: number; cin: number; cout: number; k: [number, number]; stride: [number, number]; pad: 'same' | 'valid' | number };
      const cases: ConvCase[] = [
        { b: 2, h: 8, w: 8, cin: 12, cout: 16, k: [1, 1], stride: [1, 1], pad: 'same' }, // 1x1: a plain product
        { b: 2, h: 9, w: 7, cin: 5, cout: 3, k: [3, 3], stride: [1, 1], pad: 'same' }, //   widths below a tile
        { b: 1, h: 11, w: 11, cin: 3, cout: 9, k: [7, 7], stride: [2, 2], pad: 'same' }, // the paper's conv1
        { b: 3, h: 5, w: 6, cin: 2, cout: 4, k: [5, 5], stride: [1, 1], pad: 'same' },
        { b: 1, h: 4, w: 4, cin: 3, cout: 2, k: [7, 7], stride: [1, 1], pad: 'same' }, //  kernel larger than the image
        { b: 2, h: 9, w: 9, cin: 4, cout: 8, k: [3, 3], stride: [1, 1], pad: 'valid' },
        { b: 2, h: 10, w: 10, cin: 3, cout: 2, k: [4, 4], stride: [1, 1], pad: 'same' }, // even kernel
        { b: 2, h: 10, w: 9, cin: 4, cout: 3, k: [2, 3], stride: [3, 2], pad: 1 }, //     explicit padding, uneven strides
        { b: 5, h: 16, w: 16, cin: 9, cout: 17, k: [1, 1], stride: [1, 1], pad: 'valid' }, // 1280 positions: many chunks
      ];
      for (let i = 0; i < 6; i++) {
        const k = 1 + rng.int(5);
        cases.push({ b: 1 + rng.int(3), h: k + rng.int(8), w: k + rng.int(8), cin: 1 + rng.int(10), cout: 1 + rng.int(20), k: [k, k], stride: [1 + rng.int(2), 1 + rng.int(2)], pad: rng.int(2) ? 'same' : 'valid' });
      }
      for (const c of cases) {
        heap.reset();
        const what = JSON.stringify(c);
        const info = tf.backend_util.computeConv2DInfo([c.b, c.h, c.w, c.cin], [c.k[0], c.k[1], c.cin, c.cout], c.stride, 1, c.pad);
        const x = Float32Array.from({ length: c.b * c.h * c.w * c.cin }, () => rng.normal());
        const dy = Float32Array.from({ length: c.b * info.outHeight * info.outWidth * c.cout }, () => rng.normal());
        const expected = filterGradReference(x, dy, info);
        const n = expected.length;
        const [px, pdy, out] = [heap.put(x), heap.put(dy), heap.put(n, 99)];
        const scratch = heap.put(heap.kernels.filterGradScratch(c.k[0] * c.k[1] * c.cin, c.cout), NaN); // stale scratch must not leak in
        heap.kernels.filterGrad(px, pdy, out, scratch, c.b, c.h, c.w, c.cin, info.outHeight, info.outWidth, c.cout,
          c.k[0], c.k[1], info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left);
        const actual = heap.get(out, n);
        // float32 sums over the positions against float64: relative to the terms' size.
        const positions = c.b * info.outHeight * info.outWidth;
        const tolerance = 1e-6 * Math.sqrt(positions) * 4;
        for (let i = 0; i < n; i++) expect(Math.abs(actual[i]! - expected[i]!), `${what} [${i}]: ${actual[i]} vs ${expected[i]}`).toBeLessThanOrEqual(tolerance * (1 + Math.abs(expected[i]!)));
        expect(heap.get(out + n * 4, 4), `${what}: nothing written past the gradient`).toEqual(new Float32Array(4));
      }
    });

    it('column sum adds the rows in order, to the bit', () => {
      const rng = new Rng(17);
      for (const [rows, cols] of [[1, 1], [7, 3], [100, 4], [33, 13], [64, 66]] as const) {
        heap.reset();
        const src = Float32Array.from({ length: rows * cols }, () => rng.normal() * 10 ** rng.int(4));
        const expected = new Float32Array(cols);
        for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) expected[j] = Math.fround(expected[j]! + src[r * cols + j]!);
        const out = heap.put(cols, 99);
        heap.kernels.columnSum(heap.put(src), out, rows, cols);
        expect(Array.from(heap.get(out, cols)), `${rows}x${cols}`).toEqual(Array.from(expected));
        const fallback = new Float32Array(cols).fill(99); // stale, as fresh heap memory may be
        columnSumInto(src, fallback, rows, cols);
        expect(Array.from(fallback), `${rows}x${cols}, without SIMD`).toEqual(Array.from(expected));
      }
    });

    it('magnitudes over several parts equal the JavaScript reduction, tiny, subnormal, huge and non-finite values included', () => {
      const rng = new Rng(29);
      const sum = (parts: Float32Array[]): [number, number, number] => {
        heap.reset();
        heap.kernels.magnitudesReset();
        for (const p of parts) heap.kernels.magnitudesAdd(heap.put(p), p.length);
        return [heap.kernels.magnitudesLargest(), heap.kernels.magnitudesSumAbs(), heap.kernels.magnitudesSumSquares()];
      };
      const random = (n: number, scale: number): Float32Array => Float32Array.from({ length: n }, () => rng.normal() * scale);
      for (const parts of [[random(1, 1)], [random(7, 1e-3), random(3, 2)], [random(1000, 1e-30), random(13, 1e-40)], [random(20, 1e-40), random(3, 1e-41)], [random(66, 1e30)], [new Float32Array(9)]]) {
        const [norm, rms, meanAbs, maxAbs] = magnitudes(parts);
        const [largest, sumAbs, sumSquares] = sum(parts);
        const n = parts.reduce((a, p) => a + p.length, 0);
        expect(largest).toBe(maxAbs);
        expect(Math.abs(sumAbs / n - meanAbs)).toBeLessThanOrEqual(1e-12 * meanAbs);
        expect(Math.abs(Math.sqrt(sumSquares) - norm)).toBeLessThanOrEqual(1e-12 * norm);
        expect(Math.abs(Math.sqrt(sumSquares / n) - rms)).toBeLessThanOrEqual(1e-12 * rms);
      }
      // A NaN anywhere (a vector lane, the scalar rest, an earlier part) makes the largest NaN; an infinity makes it infinite.
      for (const at of [0, 3, 5, 8]) {
        for (const bad of [NaN, Infinity, -Infinity]) {
          const values = random(9, 1);
          values[at] = bad;
          const largest = sum(at === 8 ? [values.subarray(8), random(6, 1)] : [values])[0];
          expect(String(largest), `${bad} at ${at}`).toBe(String(Math.abs(bad)));
        }
      }
      expect(sum([Float32Array.of(Infinity, 1, 2, 3), Float32Array.of(NaN)])[0]).toBeNaN();
    });

    it('squaresAdd sums the squares as magnitudesAdd does, and a NaN or an infinity anywhere makes the sum non-finite', () => {
      const rng = new Rng(31);
      const squares = (parts: Float32Array[]): number => {
        heap.reset();
        heap.kernels.magnitudesReset();
        for (const p of parts) heap.kernels.squaresAdd(heap.put(p), p.length);
        return heap.kernels.magnitudesSumSquares();
      };
      const random = (n: number, scale: number): Float32Array => Float32Array.from({ length: n }, () => rng.normal() * scale);
      // Lengths around the 8-wide vector loop and its scalar rest; tiny and huge scales.
      for (const parts of [[random(1, 1)], [random(7, 1e-3), random(9, 2)], [random(1000, 1e-30), random(13, 1e-40)], [random(66, 1e30)], [random(17, 1), random(8, 1), random(15, 1)], [new Float32Array(9)]]) {
        const expected = parts.reduce((s, p) => p.reduce((t, v) => t + v * v, s), 0);
        expect(Math.abs(squares(parts) - expected)).toBeLessThanOrEqual(1e-12 * expected);
      }
      for (const at of [0, 3, 7, 8, 10]) {
        for (const bad of [NaN, Infinity, -Infinity]) {
          const values = random(11, 1);
          values[at] = bad;
          expect(Number.isFinite(squares([random(5, 1), values])), `${bad} at ${at}`).toBe(false);
        }
      }
    });

    it('average-pool gradient equals the JavaScript kernel to the bit, over random shapes, strides and paddings', () => {
      const rng = new Rng(shared ? 13 : 17);
      const cases: PoolCase[] = [
        { b: 2, h: 16, w: 16, c: 9, size: 5, stride: 3, pad: 'valid' }, // the auxiliary heads' pool: rows 14 and 15 in no window
        { b: 1, h: 14, w: 14, c: 8, size: 5, stride: 3, pad: 'valid' },
        { b: 2, h: 7, w: 6, c: 3, size: 3, stride: 1, pad: 'same' }, //   channels below one vector
        { b: 1, h: 9, w: 9, c: 5, size: 2, stride: 3, pad: 'valid' }, //   gaps between the windows
      ];
      for (let i = 0; i < 8; i++) {
        cases.push({ b: 1 + rng.int(3), h: 1 + rng.int(10), w: 1 + rng.int(10), c: 1 + rng.int(12), size: 1 + rng.int(5), stride: 1 + rng.int(3), pad: rng.int(2) ? 'same' : 'valid' });
      }
      for (const k of cases) {
        heap.reset();
        const what = JSON.stringify(k);
        const info = tf.backend_util.computePool2DInfo([k.b, k.h, k.w, k.c], k.size, k.stride, 1, k.pad);
        if (info.outHeight <= 0 || info.outWidth <= 0) continue;
        const dy = Float32Array.from({ length: k.b * info.outHeight * info.outWidth * k.c }, (_, j) => (j % 7 === 0 ? -0 : rng.normal() * 1e3));
        const n = k.b * k.h * k.w * k.c;
        const expected = new Float32Array(n);
        avgPoolGradInto(dy, expected, info);
        const pdx = heap.put(n, 99); // stale contents: every element is written
        heap.kernels.avgPoolGrad(heap.put(dy), pdx, k.b, k.h, k.w, k.c, info.outHeight, info.outWidth,
          info.strideHeight, info.strideWidth, info.filterHeight, info.filterWidth, info.padInfo.top, info.padInfo.left);
        expect(Array.from(heap.getWords(pdx, n)), what).toEqual(Array.from(new Int32Array(expected.buffer)));
        expect(heap.get(pdx + n * 4, 4), `${what}: nothing written past dx`).toEqual(new Float32Array(4));
      }
    });

    it("ReLU and concatenation keep tfjs's Relu bits (i32 max(w, 0)), as the JavaScript kernel, with the rows of each input in turn", () => {
      const rng = new Rng(shared ? 19 : 23);
      const special = [0x7fc00000, 0xffc00000, 0x7f800001, 0xff800001, 0x80000000, 0, 0x80000001, 1, 0xff800000, 0x7f800000, 0xbf800000];
      const widths = [3, 8, 1, 6];
      const rows = 5;
      heap.reset();
      const inputs = widths.map((w) => Int32Array.from({ length: rows * w }, (_, i) => (i % 2 ? special[i % special.length]! : Math.floor(rng.uniform(0, 2 ** 32))) | 0));
      const total = widths.reduce((a, b) => a + b, 0);
      const table = new Int32Array(widths.flatMap((w, i) => [heap.putWords(inputs[i]!), w]));
      const out = heap.put(rows * total, 99);
      heap.kernels.reluConcat(heap.putWords(table), widths.length, out, rows);
      const expected = new Int32Array(rows * total);
      let at = 0;
      for (let r = 0; r < rows; r++) for (const [i, w] of widths.entries()) for (let j = 0; j < w; j++) expected[at++] = Math.max(inputs[i]![r * w + j]!, 0);
      expect(Array.from(heap.getWords(out, rows * total))).toEqual(Array.from(expected));
      const fallback = new Int32Array(rows * total);
      reluConcatInto(inputs, widths, fallback, rows);
      expect(Array.from(fallback), 'without SIMD').toEqual(Array.from(expected));
      expect(heap.get(out + rows * total * 4, 4), 'nothing written past the output').toEqual(new Float32Array(4));
    });

    it('concat and sliceColumns copy words as the JavaScript loops do, to the bit, over random widths and rows', () => {
      const rng = new Rng(41);
      const word = (): number => (rng.uniform(0, 1) < 0.1 ? 0x7fc00001 + Math.floor(rng.uniform(0, 1000)) : Math.floor(rng.uniform(-(2 ** 31), 2 ** 31))); // NaN payloads among them
      for (let trial = 0; trial < 40; trial++) {
        heap.reset();
        const count = 1 + Math.floor(rng.uniform(0, 5));
        const outer = Math.floor(rng.uniform(0, 9));
        const rows = Array.from({ length: count }, () => Math.floor(rng.uniform(0, 11)));
        const total = rows.reduce((a, b) => a + b, 0);
        const inputs = rows.map((w) => Int32Array.from({ length: outer * w }, word));
        // concat: the table of offsets and widths, as withRowTable writes it.
        const at = inputs.map((a) => heap.putWords(a));
        const table = heap.putWords(Int32Array.from(rows.flatMap((w, j) => [at[j]!, w])));
        const out = heap.put(outer * total, 99);
        heap.kernels.concat(table, count, out, outer);
        const expected = new Int32Array(outer * total);
        concatInto(inputs, rows, expected, outer);
        expect(Array.from(heap.getWords(out, outer * total)), `concat ${rows} x ${outer}`).toEqual(Array.from(expected));
        // sliceColumns: each part back out of the joined rows.
        const parts = rows.map((w) => (w > 0 ? new Int32Array(outer * w) : null));
        splitInto(expected, rows, parts, outer);
        let begin = 0;
        rows.forEach((w, j) => {
          const part = heap.put(outer * w, 99);
          heap.kernels.sliceColumns(out, part, outer, total, begin, w);
          expect(Array.from(heap.getWords(part, outer * w)), `part ${j} of ${rows}`).toEqual(Array.from(parts[j] ?? []));
          expect(Array.from(parts[j] ?? []), `part ${j} of ${rows} is input ${j}`).toEqual(Array.from(inputs[j]!));
          begin += w;
        });
      }
    });

    it("a slice's ReLU gradient is dy * step(y) over its columns, to the bit, with NaN and infinities", () => {
      const special = [NaN, Infinity, -Infinity, 0, -0, 1e-45, -1e-45, 3, -3];
      const [rows, stride] = [9, 11];
      const y = Float32Array.from({ length: rows * stride }, (_, i) => special[i % special.length]!);
      const dy = Float32Array.from({ length: rows * stride }, (_, i) => special[Math.floor(i / special.length) % special.length]!);
      for (const [begin, width] of [[0, 4], [2, 9], [10, 1], [3, 5]] as const) {
        heap.reset();
        const out = heap.put(rows * width, 99);
        heap.kernels.sliceReluGrad(heap.put(y), heap.put(dy), out, rows, stride, begin, width);
        const expected: number[] = [];
        for (let r = 0; r < rows; r++) for (let j = begin; j < begin + width; j++) {
          const v = y[r * stride + j]!;
          expected.push(Math.fround(dy[r * stride + j]! * (v > 0 ? 1 : Number.isNaN(v) ? NaN : 0)));
        }
        expect(Array.from(heap.get(out, rows * width)).map(String), `columns ${begin} + ${width}`).toEqual(expected.map(String));
        expect(heap.get(out + rows * width * 4, 4), 'nothing written past dx').toEqual(new Float32Array(4));
      }
    });

    it('tanh is float64 tanh rounded to float32 (one ulp off at most, almost always none), over every scale, with zeros, infinities and NaN', () => {
      const rng = new Rng(31);
      const xs: number[] = [0, -0, Infinity, -Infinity, NaN, 0.3, -0.3, Math.fround(0.3), 1e-45, -1e-45, 1e-39, 1e-20, 0.1, 1, 2, 9, 9.1, 10, 20, 40, 88, 3e38];
      for (let i = 0; i < 200_000; i++) xs.push((rng.uniform(0, 1) < 0.5 ? -1 : 1) * Math.exp(rng.uniform(-110, 4)));
      for (let i = 0; i < 50_000; i++) xs.push(rng.uniform(-1, 1)); // around the switch at 0.3 and the bulk of activations
      const x = Float32Array.from(xs);
      const ulps = (a: number, b: number): number => {
        const [ia, ib] = [new Int32Array(Float32Array.of(a).buffer)[0]!, new Int32Array(Float32Array.of(b).buffer)[0]!];
        return Math.abs((ia < 0 ? -2147483648 - ia : ia) - (ib < 0 ? -2147483648 - ib : ib));
      };
      for (const n of [x.length, 7, 3]) { // the vector loop and the lanes left over
        heap.reset();
        const out = heap.put(n, 99);
        heap.kernels.tanh(heap.put(x.subarray(0, n)), out, n);
        const y = heap.get(out, n);
        let off = 0;
        for (let i = 0; i < n; i++) {
          const v = x[i]!;
          const expected = Math.fround(Math.tanh(v));
          if (Number.isNaN(v)) expect(Number.isNaN(y[i]!), `tanh(${v})`).toBe(true);
          else if (v === 0) expect(Object.is(y[i], v), `tanh(${Object.is(v, -0) ? '-0' : '0'}) keeps its sign`).toBe(true);
          else {
            const d = ulps(y[i]!, expected);
            expect(d, `tanh(${v}) = ${y[i]}, expected ${expected}`).toBeLessThanOrEqual(1);
            off += d;
          }
        }
        if (n === x.length) expect(off / n, 'ulps off on average').toBeLessThan(1e-3);
      }
    });

    it("tanh's and the sigmoid's gradients are tfjs's float32 operations to the bit, with NaN, infinities, signed zeros and subnormals", () => {
      const special = [NaN, Infinity, -Infinity, 0, -0, 1e-45, -1e-45, 1e-39, 0.5, -0.75, 1, -1, 0.999, 3, -3];
      const rng = new Rng(41);
      const ys: number[] = [];
      const dys: number[] = [];
      for (const a of special) for (const b of special) {
        ys.push(a);
        dys.push(b);
      }
      for (let i = 0; i < 1000; i++) {
        ys.push(rng.uniform(-1, 1)); // what tanh and the sigmoid give
        dys.push(rng.normal() * Math.exp(rng.uniform(-20, 5)));
      }
      const f = Math.fround;
      const cases = [
        ['tanhGrad', tanhGradInto, (y: number, dy: number) => f(f(1 - f(y * y)) * dy)],
        ['sigmoidGrad', sigmoidGradInto, (y: number, dy: number) => f(dy * f(y * f(1 - y)))],
      ] as const;
      for (const [name, fallback, reference] of cases) {
        for (const n of [ys.length, 7, 4, 3]) {
          heap.reset();
          const y = Float32Array.from(ys.slice(0, n));
          const dy = Float32Array.from(dys.slice(0, n));
          const out = heap.put(n + 4, 99);
          heap.kernels[name](heap.put(y), heap.put(dy), out, n);
          const expected = Array.from(y, (v, i) => reference(v, dy[i]!));
          expect(Array.from(heap.get(out, n)).map(String), `${name}, n = ${n}`).toEqual(expected.map(String));
          expect(Array.from(heap.get(out + n * 4, 4)), `${name}: nothing written past dx`).toEqual([99, 99, 99, 99]);
          const plain = new Float32Array(n);
          fallback(y, dy, plain);
          expect(Array.from(plain).map(String), `${name}, n = ${n}, without SIMD`).toEqual(expected.map(String));
        }
      }
    });

    it('ReLU gradient is dy * step(x) to the bit, with NaN and infinities', () => {
      const special = [NaN, Infinity, -Infinity, 0, -0, 1e-45, -1e-45, 3, -3];
      const xs: number[] = [];
      const dys: number[] = [];
      for (const a of special) for (const b of special) {
        xs.push(a);
        dys.push(b);
      }
      for (const n of [xs.length, 5, 4, 3]) {
        heap.reset();
        const x = Float32Array.from(xs.slice(0, n));
        const dy = Float32Array.from(dys.slice(0, n));
        const out = heap.put(n, 99);
        heap.kernels.reluGrad(heap.put(x), heap.put(dy), out, n);
        const expected = Array.from(x, (v, i) => Math.fround(dy[i]! * (v > 0 ? 1 : Number.isNaN(v) ? NaN : 0)));
        expect(Array.from(heap.get(out, n)).map(String), `n = ${n}`).toEqual(expected.map(String));
        const fallback = new Float32Array(n);
        reluGradInto(x, dy, fallback);
        expect(Array.from(fallback).map(String), `n = ${n}, without SIMD`).toEqual(expected.map(String));
      }
    });
  });
}

describe('on the wasm backend', () => {
  beforeAll(async () => {
    await useNodeBackend('wasm');
  });

  it('the kernels run on the backend heap', () => {
    expect(simdKernels(tf.backend())).not.toBeNull();
  });

  it("tf.tanh runs the SIMD kernel, with the cpu backend's numbers to one ulp, any length, empty included", async () => {
    expect(tf.getKernel('Tanh', 'wasm')!.kernelFunc.name).toBe('gradflowSimdTanh');
    const rng = new Rng(37);
    for (const n of [1031, 4, 3, 0]) {
      const x = Float32Array.from({ length: n }, () => rng.normal() * 3);
      const y = tf.tidy(() => tf.tanh(tf.tensor1d(x)).dataSync() as Float32Array);
      expect(y.length).toBe(n);
      for (let i = 0; i < n; i++) {
        const expected = Math.fround(Math.tanh(x[i]!));
        expect(Math.abs(y[i]! - expected), `tanh(${x[i]})`).toBeLessThanOrEqual(2 ** -23 * Math.max(Math.abs(expected), 2 ** -126));
      }
    }
  });

  it("tanh's and the sigmoid's gradients run their kernels, with the cpu backend's numbers to the bit, for any length", async () => {
    const rng = new Rng(43);
    for (const [op, kernel] of [[tf.tanh, TANH_GRAD_KERNEL], [tf.sigmoid, SIGMOID_GRAD_KERNEL]] as const) {
      for (const n of [1031, 3]) {
        const x = Float32Array.from({ length: n }, () => rng.normal() * 3);
        const weights = Float32Array.from({ length: n }, () => rng.normal());
        // d/dx of sum(w * f(x)): dy is w, so the gradient is the activation's at each x.
        const grad = (): Float32Array => tf.tidy(() => tf.grad((xt: tf.Tensor) => tf.sum(tf.mul(op(xt), tf.tensor1d(weights))))(tf.tensor1d(x)).dataSync() as Float32Array);
        const profile = await tf.profile(() => void grad());
        expect(profile.kernelNames, `${kernel}, n = ${n}`).toContain(kernel);
        const fast = grad();
        await useNodeBackend('cpu');
        // The cpu backend's forward values, through wasm's kernel's backward, compared with tfjs's own gradient on cpu.
        const reference = grad();
        const y = tf.tidy(() => op(tf.tensor1d(x)).dataSync() as Float32Array);
        await useNodeBackend('wasm');
        const fromCpuY = tf.tidy(() => (tf.engine().runKernel(kernel, { y: tf.tensor1d(y), dy: tf.tensor1d(weights) }) as tf.Tensor).dataSync() as Float32Array);
        expect(Array.from(fromCpuY).map(String), `${kernel} on cpu's y, n = ${n}`).toEqual(Array.from(reference).map(String));
        // On wasm, the gradient is tfjs's composition over wasm's own forward values.
        const composed = tf.tidy(() => {
          const [yw, dy] = [op(tf.tensor1d(x)), tf.tensor1d(weights)];
          return (kernel === TANH_GRAD_KERNEL ? tf.mul(tf.sub(tf.scalar(1), tf.square(yw)), dy) : tf.mul(dy, tf.mul(yw, tf.sub(tf.scalar(1), yw)))).dataSync() as Float32Array;
        });
        expect(Array.from(fast).map(String), `${kernel} on wasm, n = ${n}`).toEqual(Array.from(composed).map(String));
      }
    }
  });

  it('the ReLU and convolution gradients run them, with the numbers of the cpu backend', async () => {
    const rng = new Rng(23);
    const x = Float32Array.from({ length: 2 * 6 * 6 * 5 }, () => rng.normal());
    const w = Float32Array.from({ length: 3 * 3 * 5 * 7 }, () => rng.normal());
    const bias = Float32Array.from({ length: 7 }, () => rng.normal());
    // Convolution plus bias as the model runs it (src/model/forward.ts), then ReLU.
    const attrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1], activation: 'linear' } as unknown as tf.NamedAttrMap;
    const loss = (xt: tf.Tensor, wt: tf.Tensor, bt: tf.Tensor): tf.Scalar =>
      tf.sum(tf.square(tf.relu(tf.engine().runKernel('FusedConv2D', { x: xt, filter: wt, bias: bt }, attrs) as tf.Tensor))) as tf.Scalar;
    const grads = (): Float32Array[] => tf.tidy(() => tf.grads(loss)([tf.tensor4d(x, [2, 6, 6, 5]), tf.tensor4d(w, [3, 3, 5, 7]), tf.tensor1d(bias)]).map((g) => g.dataSync() as Float32Array));
    await useNodeBackend('wasm');
    const profile = await tf.profile(() => void grads());
    const kernels = new Set(profile.kernelNames);
    for (const name of [FILTER_GRAD_KERNEL, BIAS_GRAD_KERNEL, RELU_GRAD_KERNEL]) expect(kernels, name).toContain(name);
    const fast = grads();
    await useNodeBackend('cpu');
    const reference = grads();
    await useNodeBackend('wasm');
    for (const [i, name] of ['x', 'filter', 'bias'].entries()) {
      const scale = reference[i]!.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      for (let j = 0; j < reference[i]!.length; j++) expect(Math.abs(fast[i]![j]! - reference[i]![j]!), `${name}[${j}]`).toBeLessThanOrEqual(1e-5 * scale);
    }
  });
});
