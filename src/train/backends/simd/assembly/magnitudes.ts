// The magnitude reductions of GradFlow's wasm kernels (see ./kernels.ts, which exports
// them): over tensors in the wasm backend's heap, in float64, 128-bit SIMD.

// Magnitudes of a gradient made of several parts: the largest |g|, the sum of |g| and the
// sum of g^2 over every element of every part, in float64. Squares of float32 values
// neither overflow nor underflow in float64, so no scaling is needed. Kept in globals
// between calls: magnitudesReset(), magnitudesAdd() per part, then the getters.
let largest: f32 = 0;
let sumAbs: f64 = 0;
let sumSquares: f64 = 0;

export function magnitudesReset(): void {
  largest = 0;
  sumAbs = 0;
  sumSquares = 0;
}

/** Adds the n float32 at `at`. The largest |g| is NaN once any element is NaN. */
export function magnitudesAdd(at: usize, n: i32): void {
  let top = f32x4.splat(largest);
  let a0 = f64x2.splat(0), a1 = f64x2.splat(0);
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4, at += 16) {
    const v = f32x4.abs(v128.load(at));
    top = f32x4.max(top, v); // NaN wins, as tfjs's max
    const lo = f64x2.promote_low_f32x4(v);
    const hi = f64x2.promote_low_f32x4(i8x16.shuffle(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7));
    a0 = f64x2.add(a0, lo);
    a1 = f64x2.add(a1, hi);
    s0 = f64x2.add(s0, f64x2.mul(lo, lo));
    s1 = f64x2.add(s1, f64x2.mul(hi, hi));
  }
  let m = f32x4.extract_lane(top, 0);
  for (let lane = 1; lane < 4; lane++) {
    const other = lane == 1 ? f32x4.extract_lane(top, 1) : lane == 2 ? f32x4.extract_lane(top, 2) : f32x4.extract_lane(top, 3);
    m = other != other || other > m ? other : m;
  }
  const both = f64x2.add(a0, a1);
  const squares = f64x2.add(s0, s1);
  let abs = f64x2.extract_lane(both, 0) + f64x2.extract_lane(both, 1);
  let sq = f64x2.extract_lane(squares, 0) + f64x2.extract_lane(squares, 1);
  for (; i < n; i++, at += 4) {
    const v = Mathf.abs(load<f32>(at));
    if (v != v || v > m) m = v;
    const d = <f64>v;
    abs += d;
    sq += d * d;
  }
  if (largest != largest) m = largest;
  largest = m;
  sumAbs += abs;
  sumSquares += sq;
}

/**
 * Adds the squares of the n float32 at `at` to the sum of squares alone, in float64: a norm
 * or an RMS needs no more (an activation gradient of the per-head step has millions of
 * elements). A NaN or an infinity makes the sum non-finite, which the caller reports as NaN.
 */
export function squaresAdd(at: usize, n: i32): void {
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0), s2 = f64x2.splat(0), s3 = f64x2.splat(0);
  let i = 0;
  for (; i + 8 <= n; i += 8, at += 32) {
    const v = v128.load(at);
    const w = v128.load(at, 16);
    const a = f64x2.promote_low_f32x4(v);
    const b = f64x2.promote_low_f32x4(i8x16.shuffle(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7));
    const c = f64x2.promote_low_f32x4(w);
    const d = f64x2.promote_low_f32x4(i8x16.shuffle(w, w, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7));
    s0 = f64x2.add(s0, f64x2.mul(a, a));
    s1 = f64x2.add(s1, f64x2.mul(b, b));
    s2 = f64x2.add(s2, f64x2.mul(c, c));
    s3 = f64x2.add(s3, f64x2.mul(d, d));
  }
  const all = f64x2.add(f64x2.add(s0, s1), f64x2.add(s2, s3));
  let sq = f64x2.extract_lane(all, 0) + f64x2.extract_lane(all, 1);
  for (; i < n; i++, at += 4) {
    const e = <f64>load<f32>(at);
    sq += e * e;
  }
  sumSquares += sq;
}

export function magnitudesLargest(): f32 {
  return largest;
}

export function magnitudesSumAbs(): f64 {
  return sumAbs;
}

export function magnitudesSumSquares(): f64 {
  return sumSquares;
}
