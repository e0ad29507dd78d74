import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Optimizer } from '../../src/train/optimizer';
import { Rng } from '../../src/train/rng';
import { SGD_UPDATE_KERNEL } from '../../src/train/backends/wasmUpdates';
import { backend } from '../helpers/tfjs';

/**
 * The one-kernel SGD update on wasm (backends/wasmUpdates.ts) against the op composition
 * of Optimizer.apply, which the cpu backend runs: the same numbers to the bit, over
 * several steps (momentum carried), with NaN, infinities, and a step held back (ok false).
 */

const SHAPES = [[3, 3, 2, 4], [17], [1, 1, 8, 5]];

function values(rng: Rng, size: number, special: boolean): Float32Array {
  const out = Float32Array.from({ length: size }, () => rng.normal() * 0.1);
  if (special) [out[0], out[1], out[2]] = [NaN, Infinity, -Infinity];
  return out;
}

/** Runs `steps` updates on `name`'s backend; returns weights, velocities and deltas after each step. */
async function run(name: 'wasm' | 'cpu', steps: { grads: Float32Array[]; ok: boolean }[], start: Float32Array[]): Promise<number[][]> {
  await tf.setBackend(name);
  const vars = start.map((w, i) => tf.variable(tf.tensor(w, SHAPES[i]!)));
  const optimizer = new Optimizer('sgd', 0.9);
  const seen: number[][] = [];
  for (const [t, step] of steps.entries()) {
    const deltas = tf.tidy(() => {
      const grads = step.grads.map((g, i) => tf.tensor(g, SHAPES[i]!));
      return optimizer.apply(vars, grads, tf.scalar(step.ok, 'bool'), 0.05, t + 1).map((d) => tf.keep(d));
    });
    for (const d of deltas) seen.push(Array.from(await d.data()));
    for (const v of vars) seen.push(Array.from(await v.data()));
    for (const s of optimizer.stateVariables(vars)) seen.push(Array.from(await s.data()));
    tf.dispose(deltas);
  }
  optimizer.dispose();
  tf.dispose(vars);
  return seen;
}

describe('the one-kernel SGD update', () => {
  beforeAll(async () => {
    await backend('cpu');
    await backend('wasm');
  });

  it('is registered on wasm', () => {
    expect(tf.getKernel(SGD_UPDATE_KERNEL, 'wasm')).toBeDefined();
    expect(tf.getKernel(SGD_UPDATE_KERNEL, 'cpu')).toBeUndefined();
  });

  it('gives the op composition\'s numbers to the bit, NaN and infinities included, and holds a step back when not ok', async () => {
    const rng = new Rng(4);
    const start = SHAPES.map((s, i) => values(rng, s.reduce((a, b) => a * b, 1), i === 1));
    const steps = [true, true, false, true].map((ok, k) => ({ ok, grads: SHAPES.map((s, i) => values(rng, s.reduce((a, b) => a * b, 1), k === 2 && i === 0)) }));
    const onCpu = await run('cpu', steps, start);
    const onWasm = await run('wasm', steps, start);
    expect(onWasm).toEqual(onCpu); // toEqual: NaN equals NaN
    const held = onWasm.slice(2 * 9, 3 * 9); // step 3 (ok false): deltas, then weights, then velocities
    expect(held.slice(0, 3).flat().filter((d) => !Number.isNaN(d)).every((d) => d === 0)).toBe(true);
  });
});
