import * as tf from '@tensorflow/tfjs-core';
import { heapOffset, simdKernels, type SimdKernels } from './simd/load';
import { floats, wasmHeap } from './wasmHeap';

/**
 * The magnitude reductions of src/train/reductions.ts as one wasm kernel each.
 *
 * Composed of tfjs ops, one layer's statistics cost about fifteen kernel launches (flatten,
 * concatenate, abs, max, divide, square, sum, ...), and an instrumented step reduces about
 * two hundred tensors: thousands of launches, a tenth of a step. This kernel reads the
 * tensors once from the wasm heap, in JavaScript, and writes the result to the heap (no
 * readback). It computes the same scaled formulas as the ops, in float64 (then rounded to
 * float32), so a non-finite element makes the result non-finite exactly as there.
 * Where the SIMD kernels run, one pass of theirs does the summing (simdMagnitudes), and for
 * a norm or an RMS a pass that sums the squares alone (simdNorm).
 * Tested against the op composition in tests/train/reductions.test.ts.
 */

export const MAGNITUDES_KERNEL = 'GradFlowMagnitudes';

/** What the kernel returns: [4] norm, RMS, mean |g|, max |g| ('stats'); or the scalar norm or RMS. */
export type MagnitudeOutput = 'stats' | 'norm' | 'rms';

/**
 * The smallest scale a norm divides by and multiplies back, as in reductions.ts: the
 * smallest normal float32 (2^-126). Not a subnormal such as 1e-38: GPUs may flush
 * subnormals to zero, and tfjs's webgpu backend did, so a group of zeros was divided by
 * zero there (a NaN norm).
 */
export const TINY = 2 ** -126;

/** [norm, rms, meanAbs, maxAbs] over all elements of `parts` taken together, scaled as reductions.ts does. */
export function magnitudes(parts: readonly Float32Array[]): [number, number, number, number] {
  let maxAbs = 0;
  let sumAbs = 0;
  let n = 0;
  for (const p of parts) {
    n += p.length;
    for (let i = 0; i < p.length; i++) {
      const a = Math.abs(p[i]!);
      sumAbs += a;
      maxAbs = Math.max(maxAbs, a); // NaN-propagating, as tf.max
    }
  }
  const scale = Math.max(maxAbs, TINY);
  let sumSq = 0;
  for (const p of parts) {
    for (let i = 0; i < p.length; i++) {
      const s = p[i]! / scale;
      sumSq += s * s;
    }
  }
  const norm = scale * Math.sqrt(sumSq);
  return [norm, norm / Math.sqrt(n), sumAbs / n, maxAbs];
}

/** Starts the SIMD kernels' sums afresh and adds every part with `add` (magnitudesAdd or squaresAdd); returns the number of elements. */
function sumParts(simd: SimdKernels, backend: object, parts: readonly tf.TensorInfo[], add: (at: number, n: number) => void): number {
  simd.magnitudesReset();
  let n = 0;
  for (const p of parts) {
    const count = tf.util.sizeFromShape(p.shape);
    n += count;
    add(heapOffset(backend, p), count);
  }
  return n;
}

/**
 * magnitudes() from the SIMD kernels' one pass over the tensors on the heap: the same
 * numbers up to float64 rounding. Their sum of squares is not scaled: float32 values
 * squared neither overflow nor underflow in float64. Where the largest |g| is not finite
 * the scaled formula gives NaN for the norm (an infinity over itself), and so does this.
 */
export function simdMagnitudes(simd: SimdKernels, backend: object, parts: readonly tf.TensorInfo[]): [number, number, number, number] {
  const n = sumParts(simd, backend, parts, simd.magnitudesAdd);
  const maxAbs = simd.magnitudesLargest();
  const norm = Number.isFinite(maxAbs) ? Math.sqrt(simd.magnitudesSumSquares()) : NaN;
  return [norm, norm / Math.sqrt(n), simd.magnitudesSumAbs() / n, maxAbs];
}

/**
 * The norm and the RMS alone, from the sum of squares alone (squaresAdd): about a fifth
 * of simdMagnitudes' time per element (16 against 3 GB/s in Node). A NaN or an infinity
 * anywhere makes both NaN, as the scaled formula does (squares of finite float32 values
 * cannot overflow float64).
 */
export function simdNorm(simd: SimdKernels, backend: object, parts: readonly tf.TensorInfo[]): [number, number] {
  const n = sumParts(simd, backend, parts, simd.squaresAdd);
  const squares = simd.magnitudesSumSquares();
  const norm = Number.isFinite(squares) ? Math.sqrt(squares) : NaN;
  return [norm, norm / Math.sqrt(n)];
}

let registered = false;

/** Registers the kernel on the wasm backend (once). */
export function registerWasmReductions(): void {
  if (registered) return;
  registered = true;
  tf.registerKernel({
    kernelName: MAGNITUDES_KERNEL,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const heap = wasmHeap(backend);
      const parts = Object.values(inputs) as tf.TensorInfo[];
      const output = (attrs as unknown as { output: MagnitudeOutput }).output;
      const out = heap.makeOutput(output === 'stats' ? [4] : [], 'float32');
      const simd = simdKernels(backend);
      // Views are taken after the allocation: growing the heap detaches older views.
      if (simd && output !== 'stats') {
        const [norm, rms] = simdNorm(simd, backend, parts);
        floats(heap, out)[0] = output === 'norm' ? norm : rms;
        return out;
      }
      const [norm, rms, meanAbs, maxAbs] = simd ? simdMagnitudes(simd, backend, parts) : magnitudes(parts.map((p) => floats(heap, p)));
      const to = floats(heap, out);
      if (output === 'stats') to.set([norm, rms, meanAbs, maxAbs]);
      else to[0] = output === 'norm' ? norm : rms;
      return out;
    },
  });
}
