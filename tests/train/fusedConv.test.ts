import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { fusesActivation } from '../../src/model/forward';
import { useNodeBackend } from '../../src/train/backends/node';
import { Rng } from '../../src/train/rng';

/**
 * Convolution plus bias as one FusedConv2D kernel (what the model's layers run) and the
 * gradient GradFlow registers for it, on wasm, against conv2d + add on the cpu backend:
 * values, the gradients of input, filter and bias over random shapes, strides and
 * paddings, and NaN propagation.
 */

type Shape4 = [number, number, number, number];
interface Case { x: Shape4; k: Shape4; stride: number; pad: 'same' | 'valid' }

async function on<T>(name: 'cpu' | 'wasm', f: () => T): Promise<T> {
  await useNodeBackend(name);
  return f();
}

const fused = (x: tf.Tensor, filter: tf.Tensor, bias: tf.Tensor, c: Case, activation: 'linear' | 'relu'): tf.Tensor4D =>
  tf.engine().runKernel('FusedConv2D', { x, filter, bias }, { strides: [c.stride, c.stride], pad: c.pad, dataFormat: 'NHWC', dilations: [1, 1], activation } as unknown as tf.NamedAttrMap) as tf.Tensor4D;

interface Run { y: Float32Array; dx: Float32Array; dk: Float32Array; db: Float32Array }

/**
 * The output and the gradients of sum(weights * layer(x, k, b)), layer = conv(x, k) + b (then
 * ReLU with `relu`), by the fused kernel or by conv2d + add (+ relu).
 */
function run(how: 'fused' | 'plain', values: { x: Float32Array; k: Float32Array; b: Float32Array; w: Float32Array }, c: Case, outShape: number[], relu = false): Run {
  return tf.tidy(() => {
    const x = tf.tensor4d(values.x, c.x);
    const k = tf.tensor4d(values.k, c.k);
    const b = tf.tensor1d(values.b);
    const weights = tf.tensor(values.w, outShape);
    const plain = (xt: tf.Tensor, kt: tf.Tensor, bt: tf.Tensor): tf.Tensor4D => {
      const y = tf.add<tf.Tensor4D>(tf.conv2d(xt as tf.Tensor4D, kt as tf.Tensor4D, c.stride, c.pad), bt);
      return relu ? tf.relu(y) : y;
    };
    const layer = (xt: tf.Tensor, kt: tf.Tensor, bt: tf.Tensor): tf.Tensor4D => (how === 'fused' ? fused(xt, kt, bt, c, relu ? 'relu' : 'linear') : plain(xt, kt, bt));
    const [dx, dk, db] = tf.grads((xt: tf.Tensor, kt: tf.Tensor, bt: tf.Tensor) => tf.sum(tf.mul(layer(xt, kt, bt), weights)))([x, k, b]);
    return { y: layer(x, k, b).dataSync() as Float32Array, dx: dx!.dataSync() as Float32Array, dk: dk!.dataSync() as Float32Array, db: db!.dataSync() as Float32Array };
  });
}

function expectClose(actual: Float32Array, expected: Float32Array, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  const scale = expected.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  for (let i = 0; i < expected.length; i++) {
    expect(Math.abs(actual[i]! - expected[i]!), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`).toBeLessThanOrEqual(1e-4 * scale + 1e-6);
  }
}

function randomCase(rng: Rng, trial: number): Case {
  const size = [1, 3, 5, 2, 1, 3, 7, 4][trial % 8]!;
  const stride = trial % 3 === 2 ? 2 : 1;
  const pad = trial % 4 === 3 ? 'valid' : 'same';
  const h = size + Math.floor(rng.uniform(0, 8));
  const w = size + Math.floor(rng.uniform(0, 8));
  const cin = 1 + Math.floor(rng.uniform(0, 9));
  const cout = 1 + Math.floor(rng.uniform(0, 9));
  return { x: [1 + Math.floor(rng.uniform(0, 3)), h, w, cin], k: [size, size, cin, cout], stride, pad };
}

describe('FusedConv2D (convolution plus bias) and its gradient on wasm equal conv2d + add on cpu', () => {
  const rng = new Rng(4242);
  for (let trial = 0; trial < 16; trial++) {
    const c = randomCase(rng, trial);
    const n = (s: number[]): number => s.reduce((a, b) => a * b, 1);
    const values = {
      x: Float32Array.from({ length: n(c.x) }, () => rng.normal()),
      k: Float32Array.from({ length: n(c.k) }, () => rng.normal()),
      b: Float32Array.from({ length: c.k[3] }, () => rng.normal()),
    };
    it(`x ${c.x.join('x')}, kernel ${c.k.join('x')}, stride ${c.stride}, ${c.pad}`, async () => {
      const outShape = await on('cpu', () => tf.tidy(() => tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(c.k) as tf.Tensor4D, c.stride, c.pad).shape as number[]));
      const all = { ...values, w: Float32Array.from({ length: n(outShape) }, () => rng.normal()) };
      const reference = await on('cpu', () => run('plain', all, c, outShape));
      for (const [backend, how] of [['wasm', 'fused'], ['cpu', 'fused']] as const) {
        const got = await on(backend, () => run(how, all, c, outShape));
        expectClose(got.y, reference.y, `${backend} output`);
        expectClose(got.dx, reference.dx, `${backend} input gradient`);
        expectClose(got.dk, reference.dk, `${backend} filter gradient`);
        expectClose(got.db, reference.db, `${backend} bias gradient`);
      }
    });
  }

  it('a NaN in the input reaches the same outputs and gradients as on cpu', async () => {
    const c: Case = { x: [2, 5, 5, 3], k: [3, 3, 3, 4], stride: 1, pad: 'same' };
    const rng2 = new Rng(9);
    const x = Float32Array.from({ length: 2 * 5 * 5 * 3 }, () => rng2.normal());
    x[1 * 75 + 2 * 15 + 3 * 3 + 1] = NaN; // image 2, row 2, column 3, channel 1
    const values = { x, k: Float32Array.from({ length: 108 }, () => rng2.normal()), b: new Float32Array(4).fill(0.1), w: Float32Array.from({ length: 2 * 5 * 5 * 4 }, () => rng2.normal()) };
    const nan = (r: Run): boolean[][] => [r.y, r.dx, r.dk, r.db].map((a) => Array.from(a, Number.isNaN));
    const reference = await on('cpu', () => run('plain', values, c, [2, 5, 5, 4]));
    const fast = await on('wasm', () => run('fused', values, c, [2, 5, 5, 4]));
    expect(nan(fast)).toEqual(nan(reference));
    expect(nan(fast)[2]!.some((v) => v)).toBe(true); // the filter gradient did see it
  });
});

describe('FusedConv2D with its ReLU (the model fuses it on cpu, webgl and webgpu) and its gradient equal conv2d + add + relu', () => {
  const rng = new Rng(777);
  const n = (s: number[]): number => s.reduce((a, b) => a * b, 1);
  for (let trial = 0; trial < 8; trial++) {
    const c = randomCase(rng, trial);
    const values = {
      x: Float32Array.from({ length: n(c.x) }, () => rng.normal()),
      k: Float32Array.from({ length: n(c.k) }, () => rng.normal()),
      b: Float32Array.from({ length: c.k[3] }, () => rng.normal()),
    };
    it(`on cpu: x ${c.x.join('x')}, kernel ${c.k.join('x')}, stride ${c.stride}, ${c.pad}`, async () => {
      const outShape = await on('cpu', () => tf.tidy(() => tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(c.k) as tf.Tensor4D, c.stride, c.pad).shape as number[]));
      const all = { ...values, w: Float32Array.from({ length: n(outShape) }, () => rng.normal()) };
      const reference = await on('cpu', () => run('plain', all, c, outShape, true));
      const got = await on('cpu', () => run('fused', all, c, outShape, true));
      expect(reference.y.some((v) => v === 0) && reference.y.some((v) => v > 0), 'the ReLU cuts some outputs and passes others').toBe(true);
      expect(got.y).toEqual(reference.y);
      expectClose(got.dx, reference.dx, 'input gradient');
      expectClose(got.dk, reference.dk, 'filter gradient');
      expectClose(got.db, reference.db, 'bias gradient');
    });
  }

  it('keeps a NaN as the separate ReLU does, in the output and every gradient', async () => {
    const c: Case = { x: [2, 5, 5, 3], k: [3, 3, 3, 4], stride: 1, pad: 'same' };
    const rng2 = new Rng(11);
    const x = Float32Array.from({ length: 2 * 5 * 5 * 3 }, () => rng2.normal());
    x[1 * 75 + 2 * 15 + 3 * 3 + 1] = NaN;
    const values = { x, k: Float32Array.from({ length: 108 }, () => rng2.normal()), b: new Float32Array(4).fill(0.1), w: Float32Array.from({ length: 2 * 5 * 5 * 4 }, () => rng2.normal()) };
    const reference = await on('cpu', () => run('plain', values, c, [2, 5, 5, 4], true));
    const got = await on('cpu', () => run('fused', values, c, [2, 5, 5, 4], true));
    for (const key of ['y', 'dx', 'dk', 'db'] as const) expect(got[key], key).toEqual(reference[key]);
    expect(Array.from(got.y).some(Number.isNaN), 'the NaN reached the output').toBe(true);
  });
});

describe('fusesActivation: where a convolution and its activation run as one kernel', () => {
  it('fuses ReLU on cpu, webgl and webgpu, never on wasm, and no other activation', () => {
    expect(['cpu', 'webgl', 'webgpu', 'wasm'].map((b) => fusesActivation(b, 'relu'))).toEqual([true, true, true, false]);
    expect(['cpu', 'webgl', 'webgpu'].flatMap((b) => [fusesActivation(b, 'sigmoid'), fusesActivation(b, 'tanh')])).toEqual(Array(6).fill(false));
  });
});
