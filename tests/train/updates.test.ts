import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Optimizer } from '../../src/train/optimizer';
import { partsOf } from '../../src/train/perVariable';
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

/**
 * The optimizer's state as a checkpoint reads it (every state variable's values, one after
 * the other), cut per moment, then per variable ([moment][variable]): the same whether the
 * state is kept per variable (wasm's SGD) or as one vector per moment (everywhere else).
 */
function statePerVariable(optimizer: Optimizer, vars: readonly tf.Variable[], moments: number): number[][][] {
  const all = optimizer.stateVariables(vars).flatMap((s) => Array.from(s.dataSync()));
  expect(all.length).toBe(moments * vars.reduce((n, v) => n + v.size, 0));
  const out: number[][][] = [];
  let at = 0;
  for (let k = 0; k < moments; k++) {
    out.push([]);
    for (const v of vars) {
      out[k]!.push(all.slice(at, at + v.size));
      at += v.size;
    }
  }
  return out;
}

/** Runs `steps` updates on `name`'s backend; returns deltas, weights and velocities after each step. */
async function run(name: 'wasm' | 'cpu', steps: { grads: Float32Array[]; ok: boolean }[], start: Float32Array[]): Promise<number[][]> {
  await tf.setBackend(name);
  const vars = start.map((w, i) => tf.variable(tf.tensor(w, SHAPES[i]!)));
  const optimizer = new Optimizer('sgd', 0.9);
  const seen: number[][] = [];
  for (const [t, step] of steps.entries()) {
    const deltas = tf.tidy(() => {
      const grads = step.grads.map((g, i) => tf.tensor(g, SHAPES[i]!));
      return partsOf(optimizer.apply(vars, { parts: grads }, tf.scalar(step.ok, 'bool'), 0.05, t + 1).delta).map((d) => tf.keep(d));
    });
    for (const d of deltas) seen.push(Array.from(await d.data()));
    for (const v of vars) seen.push(Array.from(await v.data()));
    seen.push(...statePerVariable(optimizer, vars, 1)[0]!);
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

describe('the update of all variables at once (every backend but wasm SGD)', () => {
  /** The update written per variable, as it was before variables were flattened together. */
  function reference(name: 'sgd' | 'adam', theta: Float32Array[], grads: Float32Array[], state: Float32Array[][], ok: boolean, t: number, frozen: boolean[]): Float32Array[][] {
    return tf.tidy(() => theta.map((w, i) => {
      if (frozen[i]) return [w, ...state[i]!, new Float32Array(w.length)];
      const [v, g, okT, lr] = [tf.tensor(w), tf.tensor(grads[i]!), tf.scalar(ok, 'bool'), tf.scalar(0.05)];
      const slots = state[i]!.map((s) => tf.tensor(s));
      let next: tf.Tensor;
      let kept: tf.Tensor[];
      if (name === 'sgd') {
        const velocity = tf.add(tf.mul(slots[0]!, 0.9), g);
        kept = [tf.where(okT, velocity, slots[0]!)];
        next = tf.sub(v, tf.mul(lr, velocity));
      } else {
        const m = tf.add(tf.mul(slots[0]!, 0.9), tf.mul(g, 1 - 0.9));
        const s = tf.add(tf.mul(slots[1]!, 0.999), tf.mul(tf.square(g), 1 - 0.999));
        kept = [tf.where(okT, m, slots[0]!), tf.where(okT, s, slots[1]!)];
        next = tf.sub(v, tf.mul(lr, tf.div(tf.div(m, 1 - 0.9 ** t), tf.add(tf.sqrt(tf.div(s, 1 - 0.999 ** t)), 1e-7))));
      }
      const applied = tf.where(okT, next, v);
      return [applied, ...kept, tf.sub(applied, v)].map((x) => x.dataSync() as Float32Array);
    }));
  }

  for (const name of ['sgd', 'adam'] as const) {
    it(`${name}: the per-variable numbers to the bit, frozen variables untouched, a step held back when not ok`, async () => {
      await backend('cpu');
      const rng = new Rng(name === 'sgd' ? 8 : 9);
      const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
      let theta: Float32Array[] = SHAPES.map((s, i) => values(rng, size(s), i === 1));
      let state: Float32Array[][] = SHAPES.map((s) => Array.from({ length: name === 'sgd' ? 1 : 2 }, () => new Float32Array(size(s))));
      const vars = theta.map((w, i) => tf.variable(tf.tensor(w, SHAPES[i]!)));
      const optimizer = new Optimizer(name, 0.9);
      const frozen = [false, true, false];
      for (const [k, ok] of [true, true, false, true].entries()) {
        const grads = SHAPES.map((s, i) => values(rng, size(s), k === 2 && i === 0));
        const expected = reference(name, theta, grads, state, ok, k + 1, frozen);
        const deltas = tf.tidy(() => partsOf(optimizer.apply(vars, { parts: grads.map((g, i) => tf.tensor(g, SHAPES[i]!)) }, tf.scalar(ok, 'bool'), 0.05, k + 1, frozen).delta).map((d) => tf.keep(d)));
        const perSlot = name === 'sgd' ? 1 : 2;
        const slots = statePerVariable(optimizer, vars, perSlot);
        for (const [i, e] of expected.entries()) {
          expect(Array.from(vars[i]!.dataSync()), `step ${k + 1}, weights ${i}`).toEqual(Array.from(e[0]!));
          for (let s = 0; s < perSlot; s++) expect(slots[s]![i], `step ${k + 1}, state ${i}.${s}`).toEqual(Array.from(e[1 + s]!));
          expect(Array.from(deltas[i]!.dataSync()), `step ${k + 1}, delta ${i}`).toEqual(Array.from(e[1 + perSlot]!));
          expect(deltas[i]!.shape).toEqual(SHAPES[i]);
        }
        theta = expected.map((e) => e[0]!);
        state = expected.map((e) => e.slice(1, 1 + perSlot));
        tf.dispose(deltas);
      }
      optimizer.dispose();
      tf.dispose(vars);
    });
  }

  it('starts from the vector the last update left while the variables hold it, and joins them again once one is assigned', async () => {
    await backend('cpu');
    const rng = new Rng(10);
    const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
    const vars = SHAPES.map((s) => tf.variable(tf.tensor(values(rng, size(s), false), s)));
    const optimizer = new Optimizer('sgd', 0.9);
    const shapes = SHAPES.map((s) => [...s]);
    /** One update with flat gradients (so that joining the variables is the only Concat): the kernels it ran. */
    const step = async (t: number): Promise<string[]> => {
      const grads = tf.tensor1d(values(rng, shapes.reduce((n, s) => n + size(s), 0), false));
      const profile = await tf.profile(() => tf.tidy(() => {
        optimizer.apply(vars, { flat: grads, shapes }, tf.scalar(true, 'bool'), 0.05, t);
      }));
      grads.dispose();
      return profile.kernels.map((k) => k.name);
    };
    expect((await step(1)).filter((k) => k === 'Concat')).toHaveLength(1); // the first update joins the variables
    expect((await step(2)).filter((k) => k === 'Concat')).toHaveLength(0); // the next starts from the vector it left
    // A variable assigned in between (a checkpoint restored, a state rolled back) is taken up.
    const assigned = values(rng, size(SHAPES[1]!), false);
    vars[1]!.assign(tf.tensor(assigned, SHAPES[1]!));
    const before = vars.map((v) => Array.from(v.dataSync()));
    expect(before[1]).toEqual(Array.from(assigned));
    const velocity = statePerVariable(optimizer, vars, 1)[0]!;
    const grads = values(rng, shapes.reduce((n, s) => n + size(s), 0), false);
    const flatGrads = tf.tensor1d(grads);
    const ran = await tf.profile(() => tf.tidy(() => {
      optimizer.apply(vars, { flat: flatGrads, shapes }, tf.scalar(true, 'bool'), 0.05, 3);
    }));
    flatGrads.dispose();
    expect(ran.kernels.filter((k) => k.name === 'Concat')).toHaveLength(1);
    // SGD per element in float32, as the update computes it: v <- 0.9 v + g; w <- w - 0.05 v.
    let at = 0;
    for (const [i, v] of vars.entries()) {
      const expected = before[i]!.map((w, j) => {
        const m = Math.fround(Math.fround(velocity[i]![j]! * Math.fround(0.9)) + grads[at + j]!);
        return Math.fround(w - Math.fround(Math.fround(0.05) * m));
      });
      expect(Array.from(v.dataSync()), `variable ${i}`).toEqual(expected);
      at += v.size;
    }
    optimizer.dispose();
    tf.dispose(vars);
  });

  it('keeps Adam\'s two moments as two vectors on every backend, first moment then second', async () => {
    for (const name of ['cpu', 'wasm'] as const) {
      await backend(name);
      const vars = SHAPES.map((s) => tf.variable(tf.ones(s)));
      const optimizer = new Optimizer('adam');
      const total = vars.reduce((n, v) => n + v.size, 0);
      tf.tidy(() => {
        optimizer.apply(vars, { parts: SHAPES.map((s) => tf.fill(s, 2)) }, tf.scalar(true, 'bool'), 0.01, 1);
      });
      const state = optimizer.stateVariables(vars);
      expect(state.map((s) => s.shape), name).toEqual([[total], [total]]);
      // After one step from zero: m = 0.1 g = 0.2 and s = 0.001 g^2 = 0.004 for every element.
      expect(Array.from(state[0]!.dataSync()).every((m) => Math.abs(m - 0.2) < 1e-7), name).toBe(true);
      expect(Array.from(state[1]!.dataSync()).every((m) => Math.abs(m - 0.004) < 1e-9), name).toBe(true);
      optimizer.dispose();
      tf.dispose(vars);
    }
  });
});
