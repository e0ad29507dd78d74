import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../src/train/backends/node';
import { l2Norm, magnitudeStats, rms } from '../../src/train/reductions';
import { Rng } from '../../src/train/rng';

/**
 * The magnitude reductions on wasm (one kernel each, src/train/backends/wasmReductions.ts)
 * against the same reductions composed of ops on the cpu backend: random tensors of
 * several sizes and parts, values near float32's limits, zeros and non-finite elements.
 */

async function on<T>(name: 'cpu' | 'wasm', f: () => T): Promise<T> {
  await useNodeBackend(name);
  return f();
}

/** [stats (4), norm, rms of the first part] of `parts`, as numbers. */
function reduce(parts: readonly { shape: number[]; values: Float32Array }[]): number[] {
  return tf.tidy(() => {
    const ts = parts.map((p) => tf.tensor(p.values, p.shape));
    const before = tf.memory().numTensors;
    const out = [...magnitudeStats(ts).dataSync(), l2Norm(ts).dataSync()[0]!, rms(ts[0]!).dataSync()[0]!];
    expect(tf.memory().numTensors - before).toBe(3); // one result each, no leaked intermediates
    return out;
  });
}

function expectSame(actual: number[], expected: number[], what: string): void {
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const a = actual[i]!;
    if (!Number.isFinite(e)) expect(a, `${what}[${i}]`).toBe(e); // NaN is NaN, Infinity is Infinity
    else expect(Math.abs(a - e), `${what}[${i}]: ${a} vs ${e}`).toBeLessThanOrEqual(2e-6 * Math.abs(e) + 1e-45);
  }
}

describe('magnitude reductions on wasm equal the op composition on cpu', () => {
  const rng = new Rng(77);
  const cases: { name: string; parts: { shape: number[]; values: Float32Array }[] }[] = [];
  const part = (shape: number[], scale: number, zeros = 0): { shape: number[]; values: Float32Array } => ({
    shape,
    values: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (rng.uniform(0, 1) < zeros ? 0 : rng.normal() * scale)),
  });
  cases.push({ name: 'one conv kernel', parts: [part([3, 3, 8, 16], 0.1)] });
  cases.push({ name: 'a kernel and its bias', parts: [part([1, 1, 24, 8], 1), part([8], 0.01)] });
  cases.push({ name: 'a block gradient with many zeros', parts: [part([4, 8, 8, 12], 1e-3, 0.6)] });
  cases.push({ name: 'vanishing: squares below float32', parts: [part([5, 7], 1e-30), part([3], 1e-32)] });
  cases.push({ name: 'large: squares above float32', parts: [part([6, 6], 1e30)] });
  cases.push({ name: 'all zero', parts: [{ shape: [2, 3], values: new Float32Array(6) }] });
  for (const c of cases) {
    it(c.name, async () => {
      expectSame(await on('wasm', () => reduce(c.parts)), await on('cpu', () => reduce(c.parts)), c.name);
    });
  }

  it('a NaN or an infinity makes the results non-finite, as the ops do', async () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      const parts = [{ shape: [2, 2], values: new Float32Array([1, bad, -2, 0.5]) }, { shape: [2], values: new Float32Array([3, 4]) }];
      const wasm = await on('wasm', () => reduce(parts));
      expectSame(wasm, await on('cpu', () => reduce(parts)), String(bad));
      expect(Number.isFinite(wasm[0]!)).toBe(false);
    }
  });
});
