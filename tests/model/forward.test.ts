import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe as suite, expect, it } from 'vitest';
import { describe } from '../../src/model/architecture';
import { HEAD_MODES, PRESET_NAMES, PRESETS, type ModelConfig } from '../../src/model/config';
import { forward } from '../../src/model/forward';
import { createParams, disposeParams, initialKernel } from '../../src/model/params';
import { Rng } from '../../src/train/rng';
import { backend } from '../helpers/tfjs';

/** Runs the network once; returns each block's output shape and each head's logits shape. */
function shapesOf(config: ModelConfig, training: boolean): { blocks: Record<string, number[]>; heads: Record<string, number[]> } {
  const params = createParams(describe(config), 1);
  const blocks: Record<string, number[]> = {};
  const heads = tf.tidy(() => {
    const x = tf.zeros([2, config.inputSize, config.inputSize, config.channels]) as tf.Tensor4D;
    const out = forward(params, x, {
      training,
      dropoutSeeds: training ? { main: 1, aux1: 2, aux2: 3 } : null,
      onBlock: (t, block) => {
        blocks[block] = t.shape.slice(1);
        return t;
      },
    });
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.shape]));
  });
  disposeParams(params);
  return { blocks, heads };
}

suite('the forward pass', () => {
  beforeAll(() => backend('wasm'));

  it('every preset and head setting: block outputs have the shapes of the description, each head gives [batch, classes]', () => {
    for (const preset of PRESET_NAMES) {
      for (const aux of HEAD_MODES) {
        // The paper network is run at width 1/8 to keep the test light; its shapes scale the same way.
        const config: ModelConfig = { ...PRESETS[preset], width: 1 / 8, aux1: { mode: aux, weight: 0.3 }, aux2: { mode: aux === 'off' ? 'loss' : 'off', weight: 0.3 } };
        const { blocks, heads } = shapesOf(config, true);
        const want = Object.fromEntries(describe(config).blocks.map((b) => [b.name, [...b.outputShape]]));
        expect(blocks, `${preset}, aux1 ${aux}`).toEqual(want);
        const expectedHeads: Record<string, number[]> = { main: [2, config.classes] };
        if (config.aux1.mode !== 'off') expectedHeads.aux1 = [2, config.classes];
        if (config.aux2.mode !== 'off') expectedHeads.aux2 = [2, config.classes];
        expect(heads, `${preset}, aux1 ${aux}`).toEqual(expectedHeads);
      }
    }
  });

  it('dropout acts in training only: evaluation is deterministic, training masks follow the seeds', () => {
    const config = PRESETS.relu;
    const params = createParams(describe(config), 3);
    const x = tf.randomNormal([4, 32, 32, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
    const logits = (training: boolean, seed: number): number[] =>
      tf.tidy(() => Array.from(forward(params, x, { training, dropoutSeeds: training ? { main: seed, aux1: seed + 1, aux2: seed + 2 } : null }).main.dataSync()));
    expect(logits(false, 0)).toEqual(logits(false, 0));
    expect(logits(true, 10)).toEqual(logits(true, 10));
    expect(logits(true, 10)).not.toEqual(logits(true, 20));
    expect(logits(true, 10)).not.toEqual(logits(false, 0));
    tf.dispose(x);
    disposeParams(params);
  });
});

suite('initial weights', () => {
  const conv = describe(PRESETS.relu).layers.find((l) => l.name === 'inception_4a/3x3')!; // [3, 3, 12, 26]
  const [kh, kw, cin, cout] = conv.kernelShape as [number, number, number, number];

  it('glorot-uniform draws within +-sqrt(6 / (fanIn + fanOut)) with the variance of that uniform', () => {
    const limit = Math.sqrt(6 / (kh * kw * (cin + cout)));
    const values = initialKernel(conv, 'glorot-uniform', 1);
    expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(limit);
    const variance = values.reduce((s, v) => s + v * v, 0) / values.length;
    expect(variance / (limit * limit / 3)).toBeGreaterThan(0.85);
    expect(variance / (limit * limit / 3)).toBeLessThan(1.15);
  });

  it('he-normal has variance 2 / fanIn, truncated at two standard deviations of its normal', () => {
    const values = initialKernel(conv, 'he-normal', 1);
    const variance = values.reduce((s, v) => s + v * v, 0) / values.length;
    expect(variance / (2 / (kh * kw * cin))).toBeGreaterThan(0.85);
    expect(variance / (2 / (kh * kw * cin))).toBeLessThan(1.15);
    const std = Math.sqrt(2 / (kh * kw * cin)) / 0.8796256610342398;
    expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(2 * std * (1 + 1e-6));
  });

  it("a layer's initial weights depend on the seed and its name only", () => {
    expect(Array.from(initialKernel(conv, 'glorot-uniform', 1))).toEqual(Array.from(initialKernel(conv, 'glorot-uniform', 1)));
    expect(Array.from(initialKernel(conv, 'glorot-uniform', 1))).not.toEqual(Array.from(initialKernel(conv, 'glorot-uniform', 2)));
  });

  it('the seeded generator is uniform enough and reproducible', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const draws = Array.from({ length: 10000 }, () => a.next());
    expect(draws.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b.next()));
    const mean = draws.reduce((s, v) => s + v, 0) / draws.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.02);
    expect(new Set(new Rng(1).permutation(50)).size).toBe(50);
  });
});
