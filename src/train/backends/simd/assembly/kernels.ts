// GradFlow's backward kernels for the wasm backend, and the inception blocks' ReLU and
// concatenation in one forward kernel, in AssemblyScript with 128-bit SIMD.
//
// The module imports the tfjs wasm backend's own memory, so every pointer here is a byte
// offset into that heap (a tensor's data, as the backend keeps it): the kernels read and
// write tensors in place, without copies. It holds no data and allocates nothing; the
// scratch space a kernel needs is passed in. float32 throughout (reluConcat works on the
// words' bits), 4 lanes at a time.
//
// Built by `npm run kernels` (scripts/build-kernels.ts) into ../kernelsWasm.ts;
// tests/train/simdKernels.test.ts checks that file is this source's build, and each
// kernel against the reference it replaces.

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
 * out[j] = sum over r of src[r, j], for src [rows, cols]: the bias gradient (dy summed
 * over batch, height and width). Rows are added in order, as a sequential sum would.
 */
export function columnSum(src: usize, out: usize, rows: i32, cols: i32): void {
  memory.fill(out, 0, <usize>cols << 2);
  let at = src;
  for (let r = 0; r < rows; r++) {
    let j = 0;
    for (; j + 4 <= cols; j += 4, at += 16) {
      const to = out + (<usize>j << 2);
      v128.store(to, f32x4.add(v128.load(to), v128.load(at)));
    }
    for (; j < cols; j++, at += 4) {
      const to = out + (<usize>j << 2);
      store<f32>(to, load<f32>(to) + load<f32>(at));
    }
  }
}

/**
 * ReLU's gradient, dx = dy * step(x) as tfjs composes it: step is 1 where x > 0, NaN where
 * x is NaN, 0 elsewhere (so an infinite or NaN dy still gives NaN where x <= 0).
 */
export function reluGrad(x: usize, dy: usize, dx: usize, n: i32): void {
  const one = f32x4.splat(1);
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const at = <usize>i << 2;
    const v = v128.load(x + at);
    const step = v128.or(v128.and(f32x4.gt(v, zero), one), v128.and(f32x4.ne(v, v), v));
    v128.store(dx + at, f32x4.mul(v128.load(dy + at), step));
  }
  for (; i < n; i++) {
    const at = <usize>i << 2;
    const v = load<f32>(x + at);
    const step: f32 = v > 0 ? 1 : v != v ? v : 0;
    store<f32>(dx + at, load<f32>(dy + at) * step);
  }
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

/**
 * The ReLU of each of `count` inputs, concatenated on their last axis into `out` (rows of
 * `total` words): an inception block's output, the four branches activated on the way.
 * `table` holds, per input, its data's byte offset and its row width, as two u32. The
 * ReLU is tfjs's wasm Relu to the bit: a word with its sign bit set (a negative number,
 * -0, a NaN with its sign set) becomes +0, every other word is kept, which is i32 max(w, 0).
 * The output is written once, front to back: row r of each input in turn.
 */
export function reluConcat(table: usize, count: i32, out: usize, rows: i32): void {
  const zero = i32x4.splat(0);
  let to = out;
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < count; i++) {
      const width = <i32>load<u32>(table + (<usize>i << 3) + 4);
      const from = <usize>load<u32>(table + (<usize>i << 3)) + (<usize>r * <usize>width << 2);
      let j = 0;
      for (; j + 4 <= width; j += 4) {
        const at = <usize>j << 2;
        v128.store(to + at, i32x4.max_s(v128.load(from + at), zero));
      }
      for (; j < width; j++) {
        const at = <usize>j << 2;
        store<i32>(to + at, max(load<i32>(from + at), 0));
      }
      to += <usize>width << 2;
    }
  }
}

/**
 * The gradient of one input of reluConcat: dx [rows, width] = dy * step(y) over the
 * columns begin..begin+width-1 of dy and y ([rows, stride] each, y the concatenation's
 * output), step as reluGrad's. The cut of dy (SplitV) and the ReLU's gradient in one pass.
 */
export function sliceReluGrad(y: usize, dy: usize, dx: usize, rows: i32, stride: i32, begin: i32, width: i32): void {
  const one = f32x4.splat(1);
  const zero = f32x4.splat(0);
  let to = dx;
  for (let r = 0; r < rows; r++) {
    const row = (<usize>r * <usize>stride + <usize>begin) << 2;
    let j = 0;
    for (; j + 4 <= width; j += 4) {
      const at = <usize>j << 2;
      const v = v128.load(y + row + at);
      const step = v128.or(v128.and(f32x4.gt(v, zero), one), v128.and(f32x4.ne(v, v), v));
      v128.store(to + at, f32x4.mul(v128.load(dy + row + at), step));
    }
    for (; j < width; j++) {
      const at = <usize>j << 2;
      const v = load<f32>(y + row + at);
      const step: f32 = v > 0 ? 1 : v != v ? v : 0;
      store<f32>(to + at, load<f32>(dy + row + at) * step);
    }
    to += <usize>width << 2;
  }
}

/** Rows of the patch matrix and of dy packed per chunk: enough to amortise each tile's accumulators, small enough to stay in cache. */
const CHUNK: i32 = 64;

/** How many float32 of scratch filterGrad needs for a [m x n] product. */
export function filterGradScratch(m: i32, n: i32): i32 {
  const mp = (m + 3) & ~3;
  const np = (n + 7) & ~7;
  return mp * np + CHUNK * (mp + np);
}

/**
 * The filter gradient of a 2-D convolution (NHWC, filter [kh, kw, cin, cout]):
 *   dW[ky, kx, i, o] = sum over b, y, x of x[b, y*sh + ky - top, x*sw + kx - left, i] * dy[b, y, x, o]
 * (out-of-image positions are zeros). With A the patch matrix (one row per output
 * position, kh*kw*cin columns) and B = dy as [positions, cout], dW = A^T B, accumulated
 * as outer products of rows: a chunk of rows of A and B is packed (A's patches gathered,
 * both widths padded to the tile), then every 4 x 8 tile of the product takes the chunk
 * with eight accumulators in registers. Sums run over positions in order, in float32.
 * `scratch` holds filterGradScratch(kh*kw*cin, cout) floats.
 */
export function filterGrad(
  x: usize, dy: usize, out: usize, scratch: usize,
  batch: i32, inH: i32, inW: i32, cin: i32, outH: i32, outW: i32, cout: i32,
  kh: i32, kw: i32, strideH: i32, strideW: i32, top: i32, left: i32,
): void {
  const m = kh * kw * cin;
  const n = cout;
  const mp = (m + 3) & ~3;
  const np = (n + 7) & ~7;
  const product = scratch; //                            [mp, np]
  const packA = product + (<usize>(mp * np) << 2); //    [CHUNK, mp]
  const packB = packA + (<usize>(CHUNK * mp) << 2); //   [CHUNK, np]
  // Zeros in the padding columns stay zeros: packing writes only the real columns.
  memory.fill(scratch, 0, <usize>filterGradScratch(m, n) << 2);
  const positions = batch * outH * outW;
  const patchRow = <usize>(kw * cin) << 2; // bytes of one row of a patch, kw pixels wide
  const pixel = <usize>cin << 2;
  let b = 0, oy = 0, ox = 0; // the position of the chunk's next row
  for (let start = 0; start < positions; start += CHUNK) {
    const rows = min(CHUNK, positions - start);
    // Pack: row r of A is the patch under output position start + r, row r of B its dy.
    for (let r = 0; r < rows; r++) {
      const rowA = packA + (<usize>(r * mp) << 2);
      for (let ky = 0; ky < kh; ky++) {
        const iy = oy * strideH + ky - top;
        const ix0 = ox * strideW - left;
        const to = rowA + (<usize>(ky * kw * cin) << 2);
        if (iy < 0 || iy >= inH) {
          memory.fill(to, 0, patchRow);
        } else if (ix0 >= 0 && ix0 + kw <= inW) {
          memory.copy(to, x + (<usize>(((b * inH + iy) * inW + ix0) * cin) << 2), patchRow);
        } else {
          for (let kx = 0; kx < kw; kx++) {
            const ix = ix0 + kx;
            const px = to + (<usize>(kx * cin) << 2);
            if (ix < 0 || ix >= inW) memory.fill(px, 0, pixel);
            else memory.copy(px, x + (<usize>(((b * inH + iy) * inW + ix) * cin) << 2), pixel);
          }
        }
      }
      memory.copy(packB + (<usize>(r * np) << 2), dy + (<usize>((start + r) * n) << 2), <usize>n << 2);
      if (++ox === outW) {
        ox = 0;
        if (++oy === outH) {
          oy = 0;
          b++;
        }
      }
    }
    // Multiply: product[i0..i0+4, j0..j0+8] += A[:, i0..i0+4]^T B[:, j0..j0+8] over the chunk.
    for (let i0 = 0; i0 < mp; i0 += 4) {
      for (let j0 = 0; j0 < np; j0 += 8) {
        const tile = product + (<usize>(i0 * np + j0) << 2);
        const rowStep = <usize>np << 2;
        let c00 = v128.load(tile), c01 = v128.load(tile, 16);
        let c10 = v128.load(tile + rowStep), c11 = v128.load(tile + rowStep, 16);
        let c20 = v128.load(tile + 2 * rowStep), c21 = v128.load(tile + 2 * rowStep, 16);
        let c30 = v128.load(tile + 3 * rowStep), c31 = v128.load(tile + 3 * rowStep, 16);
        let a = packA + (<usize>i0 << 2);
        let bb = packB + (<usize>j0 << 2);
        const aStep = <usize>mp << 2;
        const bStep = <usize>np << 2;
        for (let r = 0; r < rows; r++, a += aStep, bb += bStep) {
          const b0 = v128.load(bb), b1 = v128.load(bb, 16);
          const a0 = v128.load32_splat(a), a1 = v128.load32_splat(a, 4);
          const a2 = v128.load32_splat(a, 8), a3 = v128.load32_splat(a, 12);
          c00 = f32x4.add(c00, f32x4.mul(a0, b0));
          c01 = f32x4.add(c01, f32x4.mul(a0, b1));
          c10 = f32x4.add(c10, f32x4.mul(a1, b0));
          c11 = f32x4.add(c11, f32x4.mul(a1, b1));
          c20 = f32x4.add(c20, f32x4.mul(a2, b0));
          c21 = f32x4.add(c21, f32x4.mul(a2, b1));
          c30 = f32x4.add(c30, f32x4.mul(a3, b0));
          c31 = f32x4.add(c31, f32x4.mul(a3, b1));
        }
        v128.store(tile, c00); v128.store(tile, c01, 16);
        v128.store(tile + rowStep, c10); v128.store(tile + rowStep, c11, 16);
        v128.store(tile + 2 * rowStep, c20); v128.store(tile + 2 * rowStep, c21, 16);
        v128.store(tile + 3 * rowStep, c30); v128.store(tile + 3 * rowStep, c31, 16);
      }
    }
  }
  // The real [m, n] corner of the padded product is dW, in [kh, kw, cin, cout] order.
  for (let i = 0; i < m; i++) {
    memory.copy(out + (<usize>(i * n) << 2), product + (<usize>(i * np) << 2), <usize>n << 2);
  }
}

// The magnitude reductions, in a module of their own; exported from here, the module's entry.
export { magnitudesAdd, magnitudesLargest, magnitudesReset, magnitudesSumAbs, magnitudesSumSquares, squaresAdd } from './magnitudes';
