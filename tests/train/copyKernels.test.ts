import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../src/train/backends/node';
import { tileInto } from '../../src/train/backends/wasmCopyKernels';
import { Rng } from '../../src/train/rng';

/**
 * The wasm data-movement kernels GradFlow installs (src/train/backends/wasmCopyKernels.ts:
 * Identity, Cast, Concat, SplitV, Tile, AvgPoolGrad) and its MaxPoolGrad, against the cpu
 * backend's kernels over random shapes, axes, strides and paddings.
 */

type Dtype = 'float32' | 'int32' | 'bool';

async function on<T>(name: 'cpu' | 'wasm', f: () => T): Promise<T> {
  await useNodeBackend(name);
  return f();
}

function randomShape(rng: Rng, rank: number): number[] {
  return Array.from({ length: rank }, () => 1 + Math.floor(rng.uniform(0, 5)));
}

function randomValues(rng: Rng, n: number, dtype: Dtype): number[] {
  return Array.from({ length: n }, () => (dtype === 'float32' ? rng.normal() : dtype === 'int32' ? Math.floor(rng.uniform(-50, 50)) : rng.uniform(0, 1) < 0.5 ? 1 : 0));
}

/** Runs `f` on both backends with the same inputs; returns [wasm, cpu] values. */
async function both(f: () => tf.Tensor | tf.Tensor[]): Promise<[number[][], number[][]]> {
  const run = (): number[][] => tf.tidy(() => {
    const out = f();
    return (Array.isArray(out) ? out : [out]).map((t) => Array.from(t.dataSync()));
  });
  return [await on('wasm', run), await on('cpu', run)];
}

describe('wasm Concat and SplitV equal the cpu kernels', () => {
  const rng = new Rng(2024);
  for (let trial = 0; trial < 12; trial++) {
    const rank = 1 + (trial % 4);
    const axis = Math.floor(rng.uniform(0, rank));
    const dtype: Dtype = (['float32', 'int32', 'bool'] as const)[trial % 3]!;
    const base = randomShape(rng, rank);
    // Part sizes on the axis, one of them sometimes empty (tfjs drops empty parts).
    const sizes = Array.from({ length: 2 + Math.floor(rng.uniform(0, 3)) }, (_, i) => (trial % 5 === 0 && i === 1 ? 0 : 1 + Math.floor(rng.uniform(0, 70))));
    const shapes = sizes.map((s) => base.map((d, i) => (i === axis ? s : d)));
    const values = shapes.map((s) => randomValues(rng, s.reduce((a, b) => a * b, 1), dtype));
    it(`concat of [${shapes.map((s) => s.join('x')).join(', ')}] on axis ${axis}, ${dtype}`, async () => {
      const [wasm, cpu] = await both(() => tf.concat(shapes.map((s, i) => tf.tensor(values[i]!, s, dtype)), axis));
      expect(wasm).toEqual(cpu);
    });
    it(`split of ${base.map((d, i) => (i === axis ? sizes.reduce((a, b) => a + b, 0) : d)).join('x')} into [${sizes.join(', ')}] on axis ${axis}, ${dtype}`, async () => {
      const whole = shapes.map((s, i) => ({ s, v: values[i]! }));
      const [wasm, cpu] = await both(() => tf.split(tf.concat(whole.map(({ s, v }) => tf.tensor(v, s, dtype)), axis), sizes, axis));
      expect(wasm).toEqual(cpu);
    });
  }

  it('concat and split on channels copy float32 bit for bit: a NaN keeps its payload, -0 its sign', async () => {
    await on('wasm', () => {
      const bits = new Int32Array([0x7fc00123, 0x80000000, 0x7f800000, 0xff800001 | 0, 0x3f800000, 0x00000001]); // NaN with a payload, -0, +inf, a NaN with the sign set, 1, the least subnormal
      const a = tf.tensor(new Float32Array(bits.buffer), [3, 1, 2]);
      const b = tf.tensor(new Float32Array(bits.slice().reverse().buffer), [3, 1, 2]);
      const joined = tf.concat([a, b], 2); //                                 [3, 1, 4]
      const asBits = (t: tf.Tensor) => Array.from(new Int32Array((t.dataSync() as Float32Array).slice().buffer));
      const rows = [0, 1, 2].flatMap((r) => [bits[2 * r]!, bits[2 * r + 1]!, bits[5 - 2 * r]!, bits[4 - 2 * r]!]);
      expect(asBits(joined)).toEqual(rows);
      const [left, right] = tf.split(joined, [1, 3], 2);
      expect(asBits(left!)).toEqual([0, 1, 2].map((r) => bits[2 * r]!));
      expect(asBits(right!)).toEqual([0, 1, 2].flatMap((r) => [bits[2 * r + 1]!, bits[5 - 2 * r]!, bits[4 - 2 * r]!]));
      tf.dispose([a, b, joined, left!, right!]);
    });
  });

  it('the gradient of concat (a split) routes each part back', async () => {
    const rng2 = new Rng(7);
    const parts = [[2, 3, 3, 4], [2, 3, 3, 70], [2, 3, 3, 1]].map((s) => ({ s, v: randomValues(rng2, s.reduce((a, b) => a * b, 1), 'float32') }));
    const weights = randomValues(rng2, 2 * 3 * 3 * 75, 'float32');
    const run = (): tf.Tensor[] => {
      const xs = parts.map(({ s, v }) => tf.tensor(v, s));
      const f = (...ts: tf.Tensor[]): tf.Scalar => tf.sum(tf.mul(tf.concat(ts, 3), tf.tensor(weights, [2, 3, 3, 75])));
      return tf.grads(f)(xs);
    };
    const [wasm, cpu] = await both(run);
    expect(wasm).toEqual(cpu);
  });
});

describe('wasm Identity, Cast and Tile equal the cpu kernels', () => {
  it('a clone shares the data but outlives its source, and the tensor count is kept', async () => {
    await on('wasm', () => {
      const before = tf.memory().numTensors;
      const a = tf.tensor([1, 2, 3, NaN]);
      const b = tf.clone(a);
      const c = tf.cast(b, 'float32');
      a.dispose();
      expect(Array.from(b.dataSync())).toEqual([1, 2, 3, NaN]);
      b.dispose();
      expect(Array.from(c.dataSync())).toEqual([1, 2, 3, NaN]);
      c.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  });

  it('a cast to another dtype converts, to bool as "not zero"', async () => {
    const [wasm, cpu] = await both(() => [tf.cast(tf.tensor([1.7, -2.2, 0, 3]), 'int32'), tf.cast(tf.tensor([0, 2, -1, 256], [4], 'int32'), 'bool'), tf.cast(tf.tensor([0, NaN, 0.5, -3]), 'bool'), tf.cast(tf.tensor([1, 0], [2], 'bool'), 'float32')]);
    expect(wasm).toEqual(cpu);
  });

  it('tiling copies blocks, float32 (NaN payloads kept) and int32, over random shapes and repetitions of rank 1 to 5, empty ones among them', async () => {
    const rng = new Rng(4242);
    const cases: { shape: number[]; reps: number[]; dtype: 'float32' | 'int32' }[] = [
      { shape: [1, 1, 1, 7], reps: [3, 4, 5, 1], dtype: 'float32' }, // the batch-norm gradient's
      { shape: [0, 3], reps: [2, 2], dtype: 'float32' },
      { shape: [2, 3], reps: [2, 0], dtype: 'int32' },
    ];
    for (let trial = 0; trial < 24; trial++) {
      const rank = 1 + (trial % 5);
      cases.push({
        shape: Array.from({ length: rank }, () => 1 + Math.floor(rng.uniform(0, 4))),
        reps: Array.from({ length: rank }, () => 1 + Math.floor(rng.uniform(0, 3))),
        dtype: trial % 3 === 0 ? 'int32' : 'float32',
      });
    }
    for (const { shape, reps, dtype } of cases) {
      const n = shape.reduce((a, b) => a * b, 1);
      const bits = Int32Array.from({ length: n }, (_, i) => (dtype === 'int32' ? i * 7919 - 5000 : i === 1 ? 0x7fc01234 : i === 2 ? -1 : new Int32Array(Float32Array.of(rng.normal()).buffer)[0]!));
      const values = dtype === 'int32' ? bits : new Float32Array(bits.buffer);
      const run = (): Int32Array => tf.tidy(() => {
        const out = tf.tile(tf.tensor(values, shape, dtype), reps).dataSync();
        return new Int32Array(out.buffer, out.byteOffset, out.length).slice();
      });
      const [wasm, cpu] = [await on('wasm', run), await on('cpu', run)];
      expect(Array.from(wasm), `[${shape.join(', ')}] x [${reps.join(', ')}] ${dtype}`).toEqual(Array.from(cpu));
      const to = new Int32Array(cpu.length);
      tileInto(bits, shape, reps, to);
      expect(Array.from(to), `tileInto, [${shape.join(', ')}] x [${reps.join(', ')}]`).toEqual(Array.from(cpu));
    }
  });

  it('tiling one element fills, for every dtype and rank; other tiles are unchanged', async () => {
    const [wasm, cpu] = await both(() => [
      tf.tile(tf.tensor([true], [1, 1], 'bool'), [3, 5]),
      tf.tile(tf.tensor([NaN], [1]), [4]),
      tf.tile(tf.tensor([-7], [1, 1, 1], 'int32'), [2, 1, 3]),
      tf.tile(tf.tensor([1, 2, 3, 4], [2, 2]), [2, 3]),
      tf.where(tf.scalar(true, 'bool'), tf.tensor([[1, 2], [3, 4]]), tf.zeros([2, 2])),
    ]);
    expect(wasm).toEqual(cpu);
  });
});

/** The input gradient of a pooling layer for dy = `weights`, as values. */
function poolGrad(kind: 'max' | 'avg', x: { shape: [number, number, number, number]; values: Float32Array }, size: number, stride: number, pad: 'same' | 'valid', weights: Float32Array): Float32Array {
  return tf.tidy(() => {
    const pool = (t: tf.Tensor): tf.Tensor => (kind === 'max' ? tf.maxPool(t as tf.Tensor4D, size, stride, pad) : tf.avgPool(t as tf.Tensor4D, size, stride, pad));
    const w = tf.tensor(weights, pool(tf.zeros(x.shape)).shape);
    return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(pool(t), w)))(tf.tensor4d(x.values, x.shape)).dataSync() as Float32Array;
  });
}

function expectClose(actual: Float32Array, expected: Float32Array, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  const scale = expected.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  for (let i = 0; i < expected.length; i++) {
    expect(Math.abs(actual[i]! - expected[i]!), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`).toBeLessThanOrEqual(1e-5 * scale + 1e-7);
  }
}

describe('pooling gradients on wasm equal the cpu kernels over random shapes, strides and paddings', () => {
  const rng = new Rng(31337);
  for (let trial = 0; trial < 16; trial++) {
    const size = 2 + (trial % 3); //                                  2, 3, 4
    const stride = 1 + (Math.floor(trial / 3) % 3); //               1, 2, 3
    const pad = trial % 2 === 0 ? 'same' : 'valid';
    const h = size + Math.floor(rng.uniform(0, 7));
    const w = size + Math.floor(rng.uniform(0, 7));
    const shape: [number, number, number, number] = [1 + (trial % 2), h, w, 1 + Math.floor(rng.uniform(0, 6))];
    const n = shape.reduce((a, b) => a * b, 1);
    // Half the trials look like ReLU outputs: many exact zeros, so ties decide.
    const values = Float32Array.from({ length: n }, () => (trial % 4 < 2 && rng.uniform(0, 1) < 0.5 ? 0 : rng.normal()));
    const outCount = (kind: 'max' | 'avg'): number => tf.tidy(() => (kind === 'max' ? tf.maxPool(tf.zeros(shape) as tf.Tensor4D, size, stride, pad) : tf.avgPool(tf.zeros(shape) as tf.Tensor4D, size, stride, pad)).size);
    for (const kind of ['max', 'avg'] as const) {
      it(`${kind} pool ${size}x${size} stride ${stride} ${pad} on ${shape.join('x')}${trial % 4 < 2 ? ', with ties at zero' : ''}`, async () => {
        const weights = Float32Array.from({ length: await on('cpu', () => outCount(kind)) }, () => rng.normal());
        const reference = await on('cpu', () => poolGrad(kind, { shape, values }, size, stride, pad, weights));
        const fast = await on('wasm', () => poolGrad(kind, { shape, values }, size, stride, pad, weights));
        expectClose(fast, reference, `${kind} pool gradient`);
      });
    }
  }

  it('max pool: a NaN takes its window\'s gradient, and the rest of the batch routes as usual', async () => {
    // Image 1: every 2x2 window's first maximum is the 5 in the middle. Image 2: the NaN in
    // the middle is in every window, and takes each one's gradient although 7 and 8 are larger.
    const values = new Float32Array([1, 3, 2, 0, 5, 4, 1, 2, 0, 7, 1, 0, 0, NaN, 8, 6, 1, 2]);
    const grad = await on('wasm', () => poolGrad('max', { shape: [2, 3, 3, 1], values }, 2, 1, 'valid', new Float32Array(8).fill(1)));
    expect(Array.from(grad)).toEqual([0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0]);
  });
});
