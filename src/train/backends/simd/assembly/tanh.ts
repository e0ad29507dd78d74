// tanh for GradFlow's wasm kernels (see ./kernels.ts, which exports it), 128-bit SIMD.
//
// tfjs's wasm Tanh calls the C library's tanhf once per element, and cost a training step
// of the tanh preset more than all its forward convolutions. Here each float32 is taken to
// float64, two lanes at a time, where tanh is computed with a relative error far below
// float32's rounding (under 1e-12), and rounded back to float32 once: the result is the
// correctly rounded tanh but where the true value lies within about 1e-12 of the midpoint
// between two floats, and then one ulp off at most.
//
// tanh(a) = m / (m + 2) with m = e^(2a) - 1 (a = |x|; no cancellation at any a), and
// e^y - 1 from y = k ln 2 + r, |r| <= ln 2 / 2: e^y - 1 = 2^k (e^r - 1) + (2^k - 1), with
// e^r - 1 from its Taylor series to r^11 (relative error under 7e-13) and 2^k made from its
// exponent bits; k is rounded by adding and taking away 1.5 * 2^52, cheaper here than
// rounding and converting to an integer. 2a is capped at 40, where tanh rounds to 1 in
// float64 already. The sign of x is put back last, so tanh(-0) = -0, tanh(+-inf) = +-1,
// and a NaN is returned as it came.

/** 2|x| is capped here: tanh(20) = 1 - 8.5e-18, which is 1 in float64. */
const LARGEST_2X: f64 = 40.0;

const LOG2E: f64 = 1.4426950408889634;
/**
 * 1.5 * 2^52: v + ROUNDER - ROUNDER is v rounded to the nearest integer (|v| < 2^51), and
 * that integer sits in the low bits of v + ROUNDER (its exponent's bits make 2^k below).
 */
const ROUNDER: f64 = 6755399441055744.0;
/**
 * ln 2 in two parts: LN2_HI holds its first 25 significant bits, so k * LN2_HI is exact for
 * every k here (at most 58), and LN2_LO = ln 2 - LN2_HI.
 */
const LN2_HI: f64 = 0.6931471526622772;
const LN2_LO: f64 = 2.7897668087737545e-8;

/** 1/n! for n = 2 to 11: the Taylor coefficients of e^r - 1 after r's own. */
const F2: f64 = 1.0 / 2.0;
const F3: f64 = F2 / 3.0;
const F4: f64 = F3 / 4.0;
const F5: f64 = F4 / 5.0;
const F6: f64 = F5 / 6.0;
const F7: f64 = F6 / 7.0;
const F8: f64 = F7 / 8.0;
const F9: f64 = F8 / 9.0;
const F10: f64 = F9 / 10.0;
const F11: f64 = F10 / 11.0;

@inline function splat(v: f64): v128 {
  return f64x2.splat(v);
}

/** e^y - 1 for 0 <= y <= LARGEST_2X (f64x2), with its relative precision kept near 0. */
@inline function expm1(y: v128): v128 {
  const shifted = f64x2.add(f64x2.mul(y, splat(LOG2E)), splat(ROUNDER));
  const k = f64x2.sub(shifted, splat(ROUNDER));
  const r = f64x2.sub(f64x2.sub(y, f64x2.mul(k, splat(LN2_HI))), f64x2.mul(k, splat(LN2_LO)));
  // e^r - 1 = r (1 + F2 r + F3 r^2 + ... + F11 r^10), by Estrin's scheme: pairs, then
  // pairs of pairs, in independent chains (Horner's rule is one chain of 20 dependent
  // operations, and cost a third more here).
  const r2 = f64x2.mul(r, r);
  const r4 = f64x2.mul(r2, r2);
  const r8 = f64x2.mul(r4, r4);
  const q01 = f64x2.add(f64x2.mul(r, splat(F2)), splat(1.0));
  const q23 = f64x2.add(f64x2.mul(r, splat(F4)), splat(F3));
  const q45 = f64x2.add(f64x2.mul(r, splat(F6)), splat(F5));
  const q67 = f64x2.add(f64x2.mul(r, splat(F8)), splat(F7));
  const q89 = f64x2.add(f64x2.mul(r, splat(F10)), splat(F9));
  const s0 = f64x2.add(f64x2.mul(q23, r2), q01);
  const s1 = f64x2.add(f64x2.mul(q67, r2), q45);
  const s2 = f64x2.add(f64x2.mul(r2, splat(F11)), q89);
  const p = f64x2.mul(f64x2.add(f64x2.add(f64x2.mul(s1, r4), s0), f64x2.mul(s2, r8)), r);
  // 2^k: k + 1023 in the exponent's bits (k is 0 to 58 here, the low bits of `shifted`,
  // whose own high bits the shift drops); then 2^k p + (2^k - 1), exact 0 for k = 0.
  const scale = i64x2.shl(i64x2.add(shifted, i64x2.splat(1023)), 52);
  return f64x2.add(f64x2.mul(scale, p), f64x2.sub(scale, splat(1.0)));
}

/** tanh of two float64 lanes. */
@inline function tanh2(x: v128): v128 {
  const a = f64x2.abs(x);
  const m = expm1(f64x2.pmin(f64x2.add(a, a), splat(LARGEST_2X)));
  const t = f64x2.div(m, f64x2.add(m, splat(2.0)));
  const signed = v128.or(t, v128.and(x, splat(-0.0))); // -0.0: the sign bit alone
  return v128.bitselect(x, signed, f64x2.ne(x, x)); // a NaN as it came
}

/** tanh of four float32 lanes, each through float64. */
@inline function tanh4(v: v128): v128 {
  const low = f32x4.demote_f64x2_zero(tanh2(f64x2.promote_low_f32x4(v)));
  const high = f32x4.demote_f64x2_zero(tanh2(f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 2, 3))));
  return i32x4.shuffle(low, high, 0, 1, 4, 5);
}

/** y = tanh(x), n float32 elements. */
export function tanh(x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const at = <usize>i << 2;
    v128.store(y + at, tanh4(v128.load(x + at)));
  }
  for (; i < n; i++) {
    const at = <usize>i << 2;
    store<f32>(y + at, f32x4.extract_lane(tanh4(f32x4.splat(load<f32>(x + at))), 0));
  }
}
