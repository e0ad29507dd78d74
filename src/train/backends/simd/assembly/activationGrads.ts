// The gradients of tanh and of the sigmoid for GradFlow's wasm kernels (see ./kernels.ts,
// which exports them), 128-bit SIMD.
//
// tfjs composes each from three elementwise kernels (tanh: 1 - y^2 as Square and Sub, then
// Multiply by dy; sigmoid: 1 - y, times y, times dy), each a pass over the activation.
// Here each is one pass, with the same float32 operations in the same order, so the
// result is tfjs's to the bit (NaN payloads aside): y is the activation's output, which
// the forward pass kept.

/** dx = (1 - y * y) * dy, tfjs's Tanh gradient. */
export function tanhGrad(y: usize, dy: usize, dx: usize, n: i32): void {
  const one = f32x4.splat(1);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const at = <usize>i << 2;
    const v = v128.load(y + at);
    v128.store(dx + at, f32x4.mul(f32x4.sub(one, f32x4.mul(v, v)), v128.load(dy + at)));
  }
  for (; i < n; i++) {
    const at = <usize>i << 2;
    const v = load<f32>(y + at);
    store<f32>(dx + at, (1 - v * v) * load<f32>(dy + at));
  }
}

/** dx = dy * (y * (1 - y)), tfjs's Sigmoid gradient. */
export function sigmoidGrad(y: usize, dy: usize, dx: usize, n: i32): void {
  const one = f32x4.splat(1);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const at = <usize>i << 2;
    const v = v128.load(y + at);
    v128.store(dx + at, f32x4.mul(v128.load(dy + at), f32x4.mul(v, f32x4.sub(one, v))));
  }
  for (; i < n; i++) {
    const at = <usize>i << 2;
    const v = load<f32>(y + at);
    store<f32>(dx + at, load<f32>(dy + at) * (v * (1 - v)));
  }
}
