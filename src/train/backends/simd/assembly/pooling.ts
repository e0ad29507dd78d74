// The pooling gradients of GradFlow's wasm kernels (see ./kernels.ts, which exports
// them): max and average pooling, NHWC, over tensors in the wasm backend's heap, 128-bit
// SIMD.

/** All lanes set: a mask that lets everything through. */
const ALL: v128 = i32x4.splat(-1);

/**
 * The gradient of max pooling (NHWC): each output's dy goes to the first element of its
 * window, in row-major order, equal to the pooled maximum y; padding never takes it.
 * Branch-free across four channels: a lane's gradient goes to the first element that
 * matches, later matches are masked out. dx is zeroed here. Returns 1 when some window
 * held a NaN (which takes the gradient, and never equals itself) or no element equal to
 * its maximum, and the caller must route those differently; 0 when every gradient was
 * routed. Every element of every window is looked at, so no separate pass over x is
 * needed to find a NaN.
 */
export function maxPoolGrad(
  x: usize, y: usize, dy: usize, dx: usize,
  batch: i32, inH: i32, inW: i32, c: i32, outH: i32, outW: i32,
  strideH: i32, strideW: i32, filterH: i32, filterW: i32, top: i32, left: i32,
): i32 {
  memory.fill(dx, 0, <usize>(batch * inH * inW * c) << 2);
  const rowStride = inW * c;
  let dyAt = 0;
  let missed = 0;
  let nan = i32x4.splat(0); // lanes that met a NaN in x
  for (let b = 0; b < batch; b++) {
    const xBase = b * inH * rowStride;
    for (let oh = 0; oh < outH; oh++) {
      const rowStart = oh * strideH - top;
      const r0 = max(0, rowStart);
      const rows = min(inH, rowStart + filterH) - r0;
      for (let ow = 0; ow < outW; ow++, dyAt += c) {
        const colStart = ow * strideW - left;
        const c0 = max(0, colStart);
        const cols = min(inW, colStart + filterW) - c0;
        if (rows <= 0 || cols <= 0) continue; // wholly in the padding
        const corner = xBase + r0 * rowStride + c0 * c;
        let ch = 0;
        for (; ch + 4 <= c; ch += 4) {
          const m = v128.load(y + (<usize>(dyAt + ch) << 2));
          const g = v128.load(dy + (<usize>(dyAt + ch) << 2));
          let free = ALL;
          for (let r = 0; r < rows; r++) {
            let at = <usize>(corner + r * rowStride + ch) << 2;
            for (let col = 0; col < cols; col++, at += <usize>c << 2) {
              const v = v128.load(x + at);
              nan = v128.or(nan, f32x4.ne(v, v));
              const hit = v128.and(f32x4.eq(v, m), free);
              free = v128.andnot(free, hit);
              v128.store(dx + at, f32x4.add(v128.load(dx + at), v128.and(g, hit)));
            }
          }
          if (v128.any_true(free)) missed = 1;
        }
        for (; ch < c; ch++) {
          const m = load<f32>(y + (<usize>(dyAt + ch) << 2));
          let found = false;
          for (let r = 0; r < rows; r++) {
            let at = <usize>(corner + r * rowStride + ch) << 2;
            for (let col = 0; col < cols; col++, at += <usize>c << 2) {
              const v = load<f32>(x + at);
              if (v != v) missed = 1;
              else if (!found && v == m) {
                store<f32>(dx + at, load<f32>(dx + at) + load<f32>(dy + (<usize>(dyAt + ch) << 2)));
                found = true;
              }
            }
          }
          if (!found) missed = 1;
        }
      }
    }
  }
  return v128.any_true(nan) ? 1 : missed;
}

/**
 * The gradient of average pooling (NHWC), gathered: each element of dx once, the dy of
 * the windows holding it added in window order from 0 (each sum rounded to float32 as it
 * grows, as a scatter over the windows in turn would), then multiplied in float64 by
 * 1 / (filterH * filterW) and rounded: the JavaScript kernel's numbers
 * (../../wasmCopyKernels.ts avgPoolGradInto), to the bit.
 */
export function avgPoolGrad(
  dy: usize, dx: usize,
  batch: i32, inH: i32, inW: i32, c: i32, outH: i32, outW: i32,
  strideH: i32, strideW: i32, filterH: i32, filterW: i32, top: i32, left: i32,
): void {
  const scale: f64 = 1.0 / <f64>(filterH * filterW);
  const scales = f64x2.splat(scale);
  const zero = f32x4.splat(0);
  let to = dx;
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < inH; r++) {
      // The windows holding row r: oh * strideH - top <= r < oh * strideH - top + filterH.
      const oh0 = max(0, firstWindow(r + top - filterH + 1, strideH));
      const oh1 = min(outH - 1, (r + top) / strideH);
      for (let col = 0; col < inW; col++, to += <usize>c << 2) {
        const ow0 = max(0, firstWindow(col + left - filterW + 1, strideW));
        const ow1 = min(outW - 1, (col + left) / strideW);
        if (oh0 > oh1 || ow0 > ow1) {
          memory.fill(to, 0, <usize>c << 2); // in no window
          continue;
        }
        let ch = 0;
        for (; ch + 4 <= c; ch += 4) {
          let sum = zero;
          for (let oh = oh0; oh <= oh1; oh++) {
            for (let ow = ow0; ow <= ow1; ow++) {
              sum = f32x4.add(sum, v128.load(dy + (<usize>(((b * outH + oh) * outW + ow) * c + ch) << 2)));
            }
          }
          const low = f32x4.demote_f64x2_zero(f64x2.mul(f64x2.promote_low_f32x4(sum), scales));
          const high = f32x4.demote_f64x2_zero(f64x2.mul(f64x2.promote_low_f32x4(i32x4.shuffle(sum, sum, 2, 3, 0, 1)), scales));
          v128.store(to + (<usize>ch << 2), i32x4.shuffle(low, high, 0, 1, 4, 5));
        }
        for (; ch < c; ch++) {
          let sum: f32 = 0;
          for (let oh = oh0; oh <= oh1; oh++) {
            for (let ow = ow0; ow <= ow1; ow++) sum += load<f32>(dy + (<usize>(((b * outH + oh) * outW + ow) * c + ch) << 2));
          }
          store<f32>(to + (<usize>ch << 2), <f32>(<f64>sum * scale));
        }
      }
    }
  }
}

/** The first window whose start (o * stride) is at or after `at`: ceil(at / stride), at of any sign. */
function firstWindow(at: i32, stride: i32): i32 {
  return at <= 0 ? -(-at / stride) : (at + stride - 1) / stride;
}
