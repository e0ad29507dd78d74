import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { PRESETS, type ModelConfig } from '../../src/model/config';
import { forward } from '../../src/model/forward';
import { disposeParams } from '../../src/model/params';
import { backwardPass, disposePass, headObjective } from '../../src/train/gradients';
import { probeSetup } from '../../src/train/probeSetup';
import { dropoutSeeds } from '../../src/train/trainer';
import { backend, noiseDataset } from '../helpers/tfjs';

/**
 * A pass of one auxiliary head alone runs only that head and the layers below it
 * (googlenet.ts auxiliaryOnly). It must give exactly the gradients of the same objective
 * through the whole network, whose other layers get no gradient of it anyway.
 */

const dataset = noiseDataset();
const CONFIG: ModelConfig = { ...PRESETS['relu-bn'], aux1: { mode: 'loss', weight: 0.3 }, aux2: { mode: 'loss', weight: 0.5 } };

describe('a pass of one auxiliary head alone', () => {
  beforeAll(() => backend('wasm'));

  it.each(['aux1', 'aux2'] as const)('%s: the same weight gradients as through the whole network; no block above it gets any', async (head) => {
    const setup = probeSetup(CONFIG, 5, dataset, 4);
    const seeds = dropoutSeeds(5, 1);
    const objective = headObjective(CONFIG, head);
    const pass = backwardPass(setup.params, setup.batch, objective, seeds, CONFIG);
    // The same objective through the whole network (every head's logits computed).
    const { grads } = tf.variableGrads(() => {
      const logits = forward(setup.params, setup.batch.x, { training: true, dropoutSeeds: seeds, config: CONFIG });
      const oneHot = tf.oneHot(setup.batch.labels, CONFIG.classes);
      return tf.mul(tf.losses.softmaxCrossEntropy(oneHot, logits[head]!), objective[head]) as tf.Scalar;
    }, setup.params.trainable as tf.Variable[]);
    for (const [v, variable] of setup.params.trainable.entries()) {
      const whole = grads[variable.name] ? Array.from(await grads[variable.name]!.data()) : new Array<number>(variable.size).fill(0);
      expect(Array.from(await pass.grads[v]!.data()), variable.name).toEqual(whole);
    }
    const attached = head === 'aux1' ? 'inception_4a' : 'inception_4d';
    const blocks = setup.params.arch.blocks.map((b) => b.name);
    const above = blocks.slice(blocks.indexOf(attached) + 1);
    expect(above.length).toBeGreaterThan(0);
    for (const block of above) expect(pass.blockGrads[blocks.indexOf(block)], block).toBeNull();
    expect(pass.blockGrads[blocks.indexOf(attached)]).not.toBeNull();
    tf.dispose(Object.values(grads));
    disposePass(pass);
    disposeParams(setup.params);
    tf.dispose([setup.batch.x, setup.batch.labels]);
  });
});
