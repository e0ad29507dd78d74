import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../src/train/backends/node';
import { Rng } from '../../src/train/rng';

/**
 * The wasm backward kernels GradFlow installs (routed Conv2D gradients, MaxPoolGrad)
 * against the cpu backend's reference kernels, over random shapes, strides and paddings.
 */

type Shape4 = [number, number, number, number];
type Case = { x: Shape4; k: Shape4; stride: number; pad: 'same' | 'valid' };

function randomArray(rng: Rng, shape: number[], negative = true): { shape: number[]; values: Float32Array } {
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) values[i] = negative ? rng.normal() : Math.abs(rng.normal());
  return { shape, values };
}

async function onBackend<T>(name: 'cpu' | 'wasm', f: () => T): Promise<T> {
  await useNodeBackend(name);
  return f();
}

function convGrads(x: { shape: number[]; values: Float32Array }, k: { shape: number[]; values: Float32Array }, dy: { shape: number[]; values: Float32Array } | null, c: Case): { dx: Float32Array; dk: Float32Array } {
  return tf.tidy(() => {
    const xt = tf.tensor4d(x.values, x.shape as [number, number, number, number]);
    const kt = tf.tensor4d(k.values, k.shape as [number, number, number, number]);
    const weights = dy ? tf.tensor(dy.values, dy.shape) : null;
    const f = (a: tf.Tensor, b: tf.Tensor): tf.Scalar => {
      const y = tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad);
      return tf.sum(weights ? tf.mul(y, weights) : y) as tf.Scalar;
    };
    const [dx, dk] = tf.grads(f)([xt, kt]);
    return { dx: dx!.dataSync() as Float32Array, dk: dk!.dataSync() as Float32Array };
  });
}

function expectAllClose(actual: Float32Array, expected: Float32Array, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  const scale = expected.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  for (let i = 0; i < expected.length; i++) {
    expect(Math.abs(actual[i]! - expected[i]!), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`).toBeLessThanOrEqual(1e-4 * scale + 1e-6);
  }
}

describe('conv2d gradients on wasm equal the cpu kernels', () => {
  const cases: Case[] = [
    { x: [3, 8, 8, 5], k: [1, 1, 5, 7], stride: 1, pad: 'same' }, //   1x1: matrix products
    { x: [2, 9, 7, 4], k: [3, 3, 4, 6], stride: 1, pad: 'same' }, //   odd 'same': convolutions
    { x: [2, 8, 8, 3], k: [5, 5, 3, 4], stride: 1, pad: 'same' },
    { x: [1, 5, 5, 2], k: [7, 7, 2, 3], stride: 1, pad: 'same' }, //   kernel larger than the image
    { x: [2, 11, 11, 3], k: [7, 7, 3, 4], stride: 2, pad: 'same' }, // the paper stem's conv1: fallback
    { x: [2, 9, 9, 3], k: [3, 3, 3, 2], stride: 1, pad: 'valid' }, //  fallback
    { x: [2, 10, 10, 3], k: [4, 4, 3, 2], stride: 1, pad: 'same' }, // even kernel: fallback
    { x: [2, 10, 10, 4], k: [1, 1, 4, 3], stride: 2, pad: 'valid' }, // strided 1x1: fallback
  ];
  for (const c of cases) {
    it(`x ${c.x.join('x')}, kernel ${c.k.join('x')}, stride ${c.stride}, ${c.pad}`, async () => {
      const rng = new Rng(c.x.reduce((a, b) => a * 31 + b, c.stride));
      const x = randomArray(rng, c.x);
      const k = randomArray(rng, c.k);
      const outShape: number[] = await onBackend('cpu', () => tf.tidy(() => tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(c.k) as tf.Tensor4D, c.stride, c.pad).shape as number[]));
      const dy = randomArray(rng, outShape);
      const reference = await onBackend('cpu', () => convGrads(x, k, dy, c));
      const fast = await onBackend('wasm', () => convGrads(x, k, dy, c));
      expectAllClose(fast.dk, reference.dk, 'filter gradient');
      expectAllClose(fast.dx, reference.dx, 'input gradient');
    });
  }
});

describe('max-pool gradient on wasm equals the cpu kernel', () => {
  const poolGrad = (values: Float32Array, shape: [number, number, number, number], size: number, stride: number, pad: 'same' | 'valid', weights: Float32Array): Float32Array =>
    tf.tidy(() => {
      const w = tf.tensor(weights, tf.maxPool(tf.zeros(shape) as tf.Tensor4D, size, stride, pad).shape);
      return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, size, stride, pad), w)))(tf.tensor4d(values, shape)).dataSync() as Float32Array;
    });

  it('routes every output to the first maximum of its window, negative values and ties included', async () => {
    // All negative: tfjs 4.22's own wasm kernel loses most of this gradient.
    const negative = new Float32Array([-1, -2, -3, -4, -5, -6, -7, -8, -9]);
    // Ties at zero, as ReLU makes them.
    const ties = new Float32Array([0, 0, 1, 0, 0, 0, 0, 0, 0]);
    for (const values of [negative, ties]) {
      for (const stride of [1, 2]) {
        const ones = new Float32Array(stride === 1 ? 9 : 4).fill(1);
        const reference = await onBackend('cpu', () => poolGrad(values, [1, 3, 3, 1], 3, stride, 'same', ones));
        const fixed = await onBackend('wasm', () => poolGrad(values, [1, 3, 3, 1], 3, stride, 'same', ones));
        expect(Array.from(fixed)).toEqual(Array.from(reference));
        expect(fixed.reduce((a, b) => a + b, 0)).toBe(ones.length); // each output's gradient lands exactly once
      }
    }
  });

  it('matches on random batches for the pools of GoogLeNet (3x3 stride 1 and 2, same)', async () => {
    const rng = new Rng(99);
    for (const stride of [1, 2]) {
      const shape: [number, number, number, number] = [2, 9, 8, 5];
      const x = randomArray(rng, shape).values;
      const outCount = 2 * Math.ceil(9 / stride) * Math.ceil(8 / stride) * 5;
      const w = randomArray(rng, [outCount]).values;
      const reference = await onBackend('cpu', () => poolGrad(x, shape, 3, stride, 'same', w));
      const fixed = await onBackend('wasm', () => poolGrad(x, shape, 3, stride, 'same', w));
      expectAllClose(fixed, reference, `stride ${stride}`);
    }
  });

  it('a NaN in a window takes its gradient, so divergence is not hidden', async () => {
    const values = new Float32Array([1, NaN, 0, 2]);
    const grad = await onBackend('wasm', () => poolGrad(values, [1, 2, 2, 1], 2, 2, 'valid', new Float32Array([1])));
    expect(Array.from(grad)).toEqual([0, 1, 0, 0]);
  });
});

describe('average-pool gradient (the aux heads) on wasm equals the cpu kernel', () => {
  it('5x5 stride 3 valid, 16x16 to 4x4', async () => {
    const rng = new Rng(5);
    const x = randomArray(rng, [2, 16, 16, 3]);
    const w = randomArray(rng, [2, 4, 4, 3]);
    const run = (): Float32Array => tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.avgPool(t as tf.Tensor4D, 5, 3, 'valid'), tf.tensor(w.values, w.shape))))(tf.tensor(x.values, x.shape)).dataSync() as Float32Array);
    expectAllClose(await onBackend('wasm', run), await onBackend('cpu', run), 'avg pool gradient');
  });
});
