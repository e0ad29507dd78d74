// The ReLU kernels of GradFlow's wasm kernels (see ./kernels.ts, which exports them):
// ReLU's gradient, and an inception block's ReLUs and concatenation (forward) with the
// gradient of each of its inputs, over tensors in the wasm backend's heap, 128-bit SIMD.

import { joinRows } from './join';

/**
 * ReLU's step as tfjs composes its gradient, four lanes at a time: 1 where v > 0, NaN where
 * v is NaN, 0 elsewhere (so an infinite or NaN dy still gives NaN where v <= 0). Inlined
 * into each loop: a call per row or per word would cost more than the step itself.
 */
@inline function step4(v: v128): v128 {
  return v128.or(v128.and(f32x4.gt(v, f32x4.splat(0)), f32x4.splat(1)), v128.and(f32x4.ne(v, v), v));
}

/** step4 for one word. */
@inline function step1(v: f32): f32 {
  return v > 0 ? 1 : v != v ? v : 0;
}

/** ReLU's gradient, dx = dy * step(x). */
export function reluGrad(x: usize, dy: usize, dx: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const at = <usize>i << 2;
    v128.store(dx + at, f32x4.mul(v128.load(dy + at), step4(v128.load(x + at))));
  }
  for (; i < n; i++) {
    const at = <usize>i << 2;
    store<f32>(dx + at, load<f32>(dy + at) * step1(load<f32>(x + at)));
  }
}

/**
 * The ReLU of each of `count` inputs, concatenated on their last axis into `out` (rows of
 * `total` words): an inception block's output, the four branches activated on the way.
 * `table` holds, per input, its data's byte offset and its row width, as two u32. The
 * ReLU is tfjs's wasm Relu to the bit: a word with its sign bit set (a negative number,
 * -0, a NaN with its sign set) becomes +0, every other word is kept, which is i32 max(w, 0).
 * The output is written once, front to back: row r of each input in turn (./join.ts).
 */
export function reluConcat(table: usize, count: i32, out: usize, rows: i32): void {
  joinRows(table, count, out, rows, true);
}

/**
 * The gradient of one input of reluConcat: dx [rows, width] = dy * step(y) over the
 * columns begin..begin+width-1 of dy and y ([rows, stride] each, y the concatenation's
 * output), step as reluGrad's. The cut of dy (SplitV) and the ReLU's gradient in one pass.
 */
export function sliceReluGrad(y: usize, dy: usize, dx: usize, rows: i32, stride: i32, begin: i32, width: i32): void {
  let to = dx;
  for (let r = 0; r < rows; r++) {
    const row = (<usize>r * <usize>stride + <usize>begin) << 2;
    let j = 0;
    for (; j + 4 <= width; j += 4) {
      const at = <usize>j << 2;
      v128.store(to + at, f32x4.mul(v128.load(dy + row + at), step4(v128.load(y + row + at))));
    }
    for (; j < width; j++) {
      const at = <usize>j << 2;
      store<f32>(to + at, load<f32>(dy + row + at) * step1(load<f32>(y + row + at)));
    }
    to += <usize>width << 2;
  }
}
