import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { batchNormTraining } from '../../src/model/batchNorm';
import { useNodeBackend } from '../../src/train/backends/node';
import { Rng } from '../../src/train/rng';

/**
 * Batch norm on the batch's statistics with its closed-form gradient (src/model/batchNorm.ts):
 * the forward values are tfjs's moments and batchNorm to the bit, the statistics handed
 * out are the moments, and the gradients of y, gamma and beta are those of float64
 * arithmetic on the same inputs, and those of tfjs's chain rule through moments and
 * batchNorm, within float32 rounding, on wasm and cpu.
 */

const EPSILON = 1e-3;

interface Case { shape: [number, number, number, number]; scale: number }
const CASES: Case[] = [{ shape: [4, 5, 3, 6], scale: 1 }, { shape: [2, 1, 1, 3], scale: 50 }, { shape: [8, 4, 4, 5], scale: 1e-3 }];

/** The closed form in float64: [dy, dgamma, dbeta] from y, gamma and dy (float32 values). */
function reference(y: Float32Array, gamma: Float32Array, dy: Float32Array, c: number): [Float64Array, Float64Array, Float64Array] {
  const n = y.length / c;
  const mean = new Float64Array(c);
  const variance = new Float64Array(c);
  for (let i = 0; i < y.length; i++) mean[i % c]! += y[i]! / n;
  for (let i = 0; i < y.length; i++) variance[i % c]! += (y[i]! - mean[i % c]!) ** 2 / n;
  const r = Array.from(variance, (v) => 1 / Math.sqrt(v + Math.fround(EPSILON)));
  const dBeta = new Float64Array(c);
  const dGamma = new Float64Array(c);
  for (let i = 0; i < y.length; i++) {
    const j = i % c;
    dBeta[j]! += dy[i]!;
    dGamma[j]! += dy[i]! * (y[i]! - mean[j]!) * r[j]!;
  }
  const dx = Float64Array.from(y, (v, i) => {
    const j = i % c;
    return gamma[j]! * r[j]! * (dy[i]! - dBeta[j]! / n - (v - mean[j]!) * r[j]! * dGamma[j]! / n);
  });
  return [dx, dGamma, dBeta];
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`batchNormTraining on ${backend}`, () => {
    afterAll(async () => {
      await useNodeBackend('wasm');
    });

    it.each(CASES)('shape $shape, values at scale $scale', async ({ shape, scale }) => {
      await useNodeBackend(backend);
      const rng = new Rng(shape.reduce((a, b) => a * b, 7));
      const c = shape[3];
      const size = shape.reduce((a, b) => a * b, 1);
      const y = Float32Array.from({ length: size }, (_, i) => scale * (rng.normal() + (i % c)));
      const gamma = Float32Array.from({ length: c }, () => 0.5 + rng.uniform(0, 1));
      const beta = Float32Array.from({ length: c }, () => rng.normal());
      const dy = Float32Array.from({ length: size }, () => rng.normal());
      const before = tf.memory().numTensors;
      const handed: tf.Tensor[] = []; // kept: they outlive the scope
      let found: { ours: Float32Array; theirs: Float32Array; moments: Float32Array[]; oursGrads: Float32Array[]; chainGrads: Float32Array[] } | null = null;
      tf.tidy(() => {
        const [yt, gt, bt, dyt] = [tf.tensor4d(y, shape), tf.tensor1d(gamma), tf.tensor1d(beta), tf.tensor4d(dy, shape)];
        const forward = (impl: 'closed' | 'chain') => (yi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor): tf.Tensor => {
          if (impl === 'closed') return batchNormTraining(yi as tf.Tensor4D, gi as tf.Tensor1D, bi as tf.Tensor1D, EPSILON, (m, v) => void handed.push(tf.keep(m.clone()), tf.keep(v.clone())));
          const m = tf.moments(yi, [0, 1, 2]);
          return tf.batchNorm(yi as tf.Tensor4D, m.mean as tf.Tensor1D, m.variance as tf.Tensor1D, bi as tf.Tensor1D, gi as tf.Tensor1D, EPSILON);
        };
        const grads = (impl: 'closed' | 'chain') => tf.grads((yi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor) => tf.sum(tf.mul(forward(impl)(yi, gi, bi), dyt)))([yt, gt, bt]).map((g) => g.dataSync() as Float32Array);
        const m = tf.moments(yt, [0, 1, 2]);
        found = {
          ours: forward('closed')(yt, gt, bt).dataSync() as Float32Array,
          theirs: forward('chain')(yt, gt, bt).dataSync() as Float32Array,
          moments: [m.mean.dataSync() as Float32Array, m.variance.dataSync() as Float32Array],
          oursGrads: grads('closed'),
          chainGrads: grads('chain'),
        };
      });
      const { ours, theirs, moments, oursGrads, chainGrads } = found!;
      const stats = handed;
      expect(Array.from(ours), 'forward').toEqual(Array.from(theirs));
      // Handed out once per pass (the forward alone, then the one recorded for the gradients).
      expect(stats.length).toBe(4);
      for (const [i, t] of stats.entries()) expect(Array.from(t.dataSync()), `the statistics handed out (${i})`).toEqual(Array.from(moments[i % 2]!));
      tf.dispose(stats);
      const expected = reference(y, gamma, dy, c);
      for (const [k, name] of ['y', 'gamma', 'beta'].entries()) {
        const want = expected[k]!;
        // float32 rounding of sums over the batch, relative to the largest of the gradient and of dy scaled as dx is.
        const magnitude = Math.max(...Array.from(want, Math.abs), ...(k === 0 ? Array.from(gamma, (g, j) => g * Math.abs(dy[j]!)) : []));
        for (let i = 0; i < want.length; i++) {
          expect(Math.abs(oursGrads[k]![i]! - want[i]!), `${name}[${i}], closed form against float64`).toBeLessThanOrEqual(1e-4 * magnitude);
          expect(Math.abs(chainGrads[k]![i]! - want[i]!), `${name}[${i}], tfjs's chain rule against float64`).toBeLessThanOrEqual(1e-4 * magnitude);
        }
      }
      expect(tf.memory().numTensors, 'nothing leaked').toBe(before);
    });
  });
}
