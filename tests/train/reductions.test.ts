import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../src/train/backends/node';
import { groupMagnitudes, groupMagnitudesOfFlats, l2Norm, magnitudeStats, rms } from '../../src/train/reductions';
import { flatten } from '../../src/train/perVariable';
import { magnitudesByLayer, magnitudesByLayerOfEach } from '../../src/train/stepMetrics';
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

/** [stats (4), norm, rms of the first part] in float64, straight from the definitions. */
function reference(parts: readonly { values: Float32Array }[]): number[] {
  const all = parts.flatMap((p) => Array.from(p.values));
  const squares = (xs: number[]): number => xs.reduce((sum, x) => sum + x * x, 0);
  const norm = Math.sqrt(squares(all));
  const first = Array.from(parts[0]!.values);
  return [norm, norm / Math.sqrt(all.length), all.reduce((sum, x) => sum + Math.abs(x), 0) / all.length, Math.max(...all.map(Math.abs)), norm, Math.sqrt(squares(first) / first.length)];
}

/** Within float32 rounding of a float64 reference (results below float32's range are subnormal, so absolutely close). */
function expectClose(actual: number[], expected: number[], what: string): void {
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    expect(Math.abs(actual[i]! - e), `${what}[${i}]: ${actual[i]} vs ${e}`).toBeLessThanOrEqual(1e-5 * Math.abs(e) + 3e-45);
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
  cases.push({ name: 'subnormal gradients alone: the largest |g| below the smallest normal float32', parts: [part([4, 5], 1e-40), part([3], 1e-41)] });
  cases.push({ name: 'one subnormal element among zeros', parts: [{ shape: [4], values: new Float32Array([0, 3e-42, 0, 0]) }] });
  for (const c of cases) {
    it(c.name, async () => {
      const cpu = await on('cpu', () => reduce(c.parts));
      expectSame(await on('wasm', () => reduce(c.parts)), cpu, c.name);
      // And against float64 sums of the same float32 values.
      expectClose(cpu, reference(c.parts), c.name);
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

describe('magnitudes of many groups at once', () => {
  const rng = new Rng(91);
  const tensor = (shape: number[], scale: number): { shape: number[]; values: Float32Array } =>
    ({ shape, values: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal() * scale) });
  // Layer-like groups: a kernel and its bias, sizes spread over many powers of two, one
  // of a single element, tiny and huge scales, subnormal ones, and one holding a NaN or an infinity.
  const groups = [
    [tensor([3, 3, 8, 16], 0.1), tensor([16], 0.01)],
    [tensor([1, 1, 24, 8], 1), tensor([8], 1)],
    [tensor([1], 2)],
    [tensor([5, 7], 1e-30), tensor([3], 1e-32)],
    [tensor([6, 6], 1e30)],
    [tensor([7, 7, 1, 8], 1), tensor([8], 1)],
    [tensor([2, 2, 2, 2], 1)],
    [tensor([1, 1, 60, 2], 1), tensor([2], 1)],
    [tensor([4, 5], 1e-40), tensor([3], 1e-41)], // subnormal gradients alone
  ];
  const withBad = (bad: number) => groups.map((g, i) => (i === 6 ? [{ shape: g[0]!.shape, values: Float32Array.from(g[0]!.values, (v, j) => (j === 3 ? bad : v)) }] : g));

  /** [stats of every group, norms, RMS] batched, and the same group by group, on the active backend. */
  function both(parts: typeof groups): { batched: number[][]; single: number[][] } {
    return tf.tidy(() => {
      const ts = parts.map((g) => g.map((p) => tf.tensor(p.values, p.shape)));
      const batched = [groupMagnitudes(ts, 'stats'), groupMagnitudes(ts, 'norm'), groupMagnitudes(ts.map((g) => [g[0]!]), 'rms')].map((t) => Array.from(t.dataSync()));
      const single = [tf.stack(ts.map((g) => magnitudeStats(g))), tf.stack(ts.map((g) => l2Norm(g))), tf.stack(ts.map((g) => rms(g[0]!)))].map((t) => Array.from(t.dataSync()));
      return { batched, single };
    });
  }

  for (const name of ['cpu', 'wasm'] as const) {
    it(`equal the group-by-group reductions on ${name}, non-finite values included`, async () => {
      await useNodeBackend(name);
      for (const parts of [groups, withBad(NaN), withBad(Infinity), withBad(-Infinity)]) {
        const { batched, single } = both(parts);
        for (let k = 0; k < 3; k++) expectSame(batched[k]!, single[k]!, `${name} output ${k}`);
      }
    });
  }

  for (const name of ['cpu', 'wasm'] as const) {
    it(`of groups lying one after the other in one vector are the same numbers as of the pieces on ${name}, to the bit`, async () => {
      await useNodeBackend(name);
      for (const parts of [groups, withBad(NaN), withBad(Infinity)]) {
        tf.tidy(() => {
          const ts = parts.map((g) => g.map((p) => tf.tensor(p.values, p.shape)));
          const flat = flatten(ts.flat());
          const sizes = ts.map((g) => g.reduce((n, t) => n + t.size, 0));
          for (const output of ['stats', 'norm', 'rms'] as const) {
            const pieces = output === 'rms' ? ts.map((g) => [flatten(g)]) : ts; // rms of a group of two parts: the parts joined
            const alone = Array.from(groupMagnitudes(pieces, output).dataSync());
            expect(Array.from(groupMagnitudesOfFlats([flat], sizes, output).dataSync()), `${name} ${output}`).toEqual(alone);
            // Several vectors reduced together: each one's numbers as alone, one after the other.
            const other = tf.mul(flat, -3) as tf.Tensor1D;
            const otherAlone = Array.from(groupMagnitudesOfFlats([other], sizes, output).dataSync());
            expect(Array.from(groupMagnitudesOfFlats([flat, other, flat], sizes, output).dataSync()), `${name} ${output}, three vectors`).toEqual([...alone, ...otherAlone, ...alone]);
          }
          expect(() => groupMagnitudesOfFlats([flat], sizes.slice(1), 'norm')).toThrow(/groups hold \d+ elements, the vector \d+/);
        });
      }
    });
  }

  it('by layer, from values flat or per variable, are the same numbers; a flat vector whose layers are not in order is cut up first', async () => {
    await useNodeBackend('cpu');
    tf.tidy(() => {
      const vars = groups.flat().map((p) => tf.tensor(p.values, p.shape));
      const shapes = vars.map((v) => v.shape);
      const flat = { flat: flatten(vars), shapes };
      let at = 0;
      const inOrder = groups.map((g) => g.map(() => at++)); // each layer's variables together, in order
      const shuffled = [...inOrder].reverse();
      for (const byLayer of [inOrder, shuffled]) {
        for (const output of ['stats', 'norm'] as const) {
          const expected = Array.from(groupMagnitudes(byLayer.map((ids) => ids.map((v) => vars[v]!)), output).dataSync());
          expect(Array.from(magnitudesByLayer(byLayer, flat, output).dataSync())).toEqual(expected);
          expect(Array.from(magnitudesByLayer(byLayer, { parts: vars }, output).dataSync())).toEqual(expected);
          // Of several: each one's, one after the other, flat or not.
          const halved = { flat: tf.div(flat.flat, 2) as tf.Tensor1D, shapes };
          const halvedAlone = Array.from(magnitudesByLayer(byLayer, halved, output).dataSync());
          expect(Array.from(magnitudesByLayerOfEach(byLayer, [flat, halved], output).dataSync())).toEqual([...expected, ...halvedAlone]);
          expect(Array.from(magnitudesByLayerOfEach(byLayer, [halved, { parts: vars }], output).dataSync())).toEqual([...halvedAlone, ...expected]);
        }
      }
    });
  });

  it('run a few dozen kernels for all the groups on the backends without the one-kernel reduction, and keep no tensor per call', async () => {
    await useNodeBackend('cpu');
    const ts = groups.map((g) => g.map((p) => tf.tensor(p.values, p.shape)));
    const layers = Array.from({ length: 8 }, () => ts).flat(); // 64 groups, like the model's layers
    tf.tidy(() => groupMagnitudes(layers, 'stats')); // the first call keeps its layout
    const before = tf.memory().numTensors;
    // tf.profile returns the same object each time: count before profiling again. Reshapes
    // are free on every backend; count the kernels that compute.
    const computing = async (f: () => void) => (await tf.profile(() => tf.tidy(f))).kernels.filter((k) => k.name !== 'Reshape').length;
    const batched = await computing(() => groupMagnitudes(layers, 'stats').dispose());
    const single = await computing(() => tf.stack(layers.map((g) => magnitudeStats(g))).dispose());
    expect(tf.memory().numTensors).toBe(before);
    expect(batched).toBeLessThanOrEqual(60);
    expect(single).toBeGreaterThan(10 * batched);
    for (const g of ts) for (const t of g) t.dispose();
  });
});
