import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { PRESETS, type ModelConfig } from '../../src/model/config';
import { disposeParams } from '../../src/model/params';
import { HEADS } from '../../src/train/frame';
import { backwardPass, backwardPasses, disposePass, headObjective, trainingObjective, type PassResult } from '../../src/train/gradients';
import { probeSetup } from '../../src/train/probeSetup';
import { dropoutSeeds } from '../../src/train/trainer';
import { backend, noiseDataset } from '../helpers/tfjs';

/**
 * A per-head step takes every head's gradients from one forward pass (backwardPasses).
 * Each pass must be, to the bit, the pass of its objective alone (backwardPass): the same
 * weight and block gradients, with dropout on (the same masks) and batch norm on batch
 * statistics.
 */

const dataset = noiseDataset();

async function values(t: tf.Tensor | null): Promise<number[] | null> {
  return t ? Array.from(await t.data()) : null;
}

const CASES: [string, ModelConfig][] = [
  ['ReLU (paper), both heads', PRESETS.relu],
  ['ReLU with batch norm, aux2 weighted 0.5', { ...PRESETS['relu-bn'], aux1: { mode: 'loss', weight: 0.3 }, aux2: { mode: 'loss', weight: 0.5 } }],
];

describe('backwardPasses: every objective from one forward pass', () => {
  beforeAll(() => backend('wasm'));

  it.each(CASES)('%s: each head, and the whole objective, as its own pass gives them', async (_, config) => {
    const setup = probeSetup(config, 7, dataset, 4);
    const seeds = dropoutSeeds(7, 3);
    const objectives = [trainingObjective(config), ...HEADS.map((head) => headObjective(config, head))];
    const before = tf.memory().numTensors;
    const shared = backwardPasses(setup.params, setup.batch, objectives, seeds, config);
    expect(shared).toHaveLength(objectives.length);
    for (const [k, objective] of objectives.entries()) {
      const alone: PassResult = backwardPass(setup.params, setup.batch, objective, seeds, config);
      const pass = shared[k]!;
      for (const [v, variable] of setup.params.trainable.entries()) {
        expect(await values(pass.grads[v]!), `objective ${k}, ${variable.name}`).toEqual(await values(alone.grads[v]!));
      }
      for (const [b, grad] of alone.blockGrads.entries()) expect(await values(pass.blockGrads[b]!), `objective ${k}, block ${b}`).toEqual(await values(grad));
      // The forward's numbers: every head's, whichever objective (a pass of an aux head alone has NaN for the heads it does not run).
      expect(await values(pass.crossEntropy)).toEqual(await values(shared[0]!.crossEntropy));
      expect(await values(pass.accuracy)).toEqual(await values(shared[0]!.accuracy));
      for (const [layer, stats] of alone.batchStats) {
        expect(await values(pass.batchStats.get(layer)!.mean), layer).toEqual(await values(stats.mean));
        expect(await values(pass.batchStats.get(layer)!.variance), layer).toEqual(await values(stats.variance));
      }
      disposePass(alone);
    }
    // The heads' passes add up to the whole objective's (up to rounding): the decomposition holds.
    // Batch norm's backward cancels (dy less its mean and its projection on the normalised
    // input), which at this batch of 4 leaves rounding of about 1e-5 of a variable's largest
    // gradient below it: 8.5e-6 through tfjs's chain rule, 1.06e-5 through the closed form
    // (src/model/batchNorm.ts); without batch norm up to 5.8e-6.
    const whole = shared[0]!.grads;
    for (const [v, variable] of setup.params.trainable.entries()) {
      const sum = tf.tidy(() => tf.addN(shared.slice(1).map((p) => p.grads[v]!)));
      const expected = await values(whole[v]!);
      const got = (await values(sum))!;
      const scale = Math.max(...expected!.map(Math.abs), 1e-30);
      got.forEach((g, i) => expect(Math.abs(g - expected![i]!) / scale, variable.name).toBeLessThan(config.batchNorm ? 2e-5 : 1e-5));
      sum.dispose();
    }
    shared.forEach(disposePass);
    expect(tf.memory().numTensors).toBe(before); // every pass's handles are its own
    disposeParams(setup.params);
    tf.dispose([setup.batch.x, setup.batch.labels]);
  });

  it('refuses an objective that weighs a head the configuration does not run, and an empty one', () => {
    const config: ModelConfig = { ...PRESETS.relu, aux1: { mode: 'off', weight: 0.3 } };
    const setup = probeSetup(config, 3, dataset, 2);
    const before = tf.memory().numTensors;
    expect(() => backwardPasses(setup.params, setup.batch, [{ main: 1, aux1: 0.3, aux2: 0 }], null, config)).toThrow('the objective weighs aux1, which this configuration does not compute');
    expect(() => backwardPasses(setup.params, setup.batch, [{ main: 0, aux1: 0, aux2: 0 }], null, config)).toThrow('the objective has no head with a non-zero weight');
    expect(() => backwardPasses(setup.params, setup.batch, [], null, config)).toThrow('at least one objective');
    expect(tf.memory().numTensors).toBe(before);
    disposeParams(setup.params);
    tf.dispose([setup.batch.x, setup.batch.labels]);
  });
});
