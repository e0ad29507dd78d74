// GradFlow's backward kernels for the wasm backend, and the inception blocks' ReLU and
// concatenation in one forward kernel, in AssemblyScript with 128-bit SIMD.
//
// The module imports the tfjs wasm backend's own memory, so every pointer here is a byte
// offset into that heap (a tensor's data, as the backend keeps it): the kernels read and
// write tensors in place, without copies. It holds no data and allocates nothing; the
// scratch space a kernel needs is passed in. float32 throughout (reluConcat works on the
// words' bits), 4 lanes at a time.
//
// This file is the module's entry: the bias and filter gradients, and what it exports of
// ./pooling.ts, ./relu.ts, ./join.ts, ./tanh.ts, ./activationGrads.ts and ./magnitudes.ts.
// Built by `npm run kernels` (scripts/build-kernels.ts) into ../kernelsWasm.ts;
// tests/train/simdKernels.test.ts checks that file is this source's build, and each
// kernel against the reference it replaces.

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

// The pooling gradients, the ReLU kernels and the magnitude reductions, in files of their
// own; exported from here, the module's entry.
export { avgPoolGrad, maxPoolGrad } from './pooling';
export { reluConcat, reluGrad, sliceReluGrad } from './relu';
export { tanh } from './tanh';
export { sigmoidGrad, tanhGrad } from './activationGrads';
export { concat, sliceColumns } from './join';
export { magnitudesAdd, magnitudesLargest, magnitudesReset, magnitudesSumAbs, magnitudesSumSquares, squaresAdd } from './magnitudes';
