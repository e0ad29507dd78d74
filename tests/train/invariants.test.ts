import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { PRESETS, type HeadMode, type ModelConfig } from '../../src/model/config';
import { disposeParams } from '../../src/model/params';
import { backwardPass, disposePass, trainingObjective } from '../../src/train/gradients';
import { probeSetup } from '../../src/train/probeSetup';
import { dropoutSeeds } from '../../src/train/trainer';
import { backend, noiseDataset } from '../helpers/tfjs';

/**
 * What the auxiliary heads can and cannot change, on one model's weights and one batch
 * (dropout on, with the same masks).
 */

const dataset = noiseDataset();
const withHeads = (aux1: HeadMode, aux2: HeadMode): ModelConfig => ({ ...PRESETS.tanh, aux1: { mode: aux1, weight: 0.3 }, aux2: { mode: aux2, weight: 0.3 } });

/** Every trainable variable's gradient, by layer name and part (kernel, bias...). */
async function gradientsOf(config: ModelConfig): Promise<Map<string, Float32Array>> {
  const setup = probeSetup(config, 11, dataset, 4);
  const pass = backwardPass(setup.params, setup.batch, trainingObjective(config), dropoutSeeds(11, 1));
  const out = new Map<string, Float32Array>();
  let v = 0;
  for (const [name, layer] of setup.params.layers) {
    for (const part of ['kernel', 'bias', 'gamma', 'beta'] as const) {
      if (!layer[part]) continue;
      out.set(`${name}.${part}`, Float32Array.from(await pass.grads[v++]!.data()));
    }
  }
  disposePass(pass);
  disposeParams(setup.params);
  tf.dispose([setup.batch.x, setup.batch.labels]);
  return out;
}

const ABOVE_4D = /^(inception_4e|inception_5a|inception_5b|loss3)\//;

describe('auxiliary heads and the trunk gradient', () => {
  beforeAll(() => backend('wasm'));

  it('layers above 4d (4e, 5a, 5b, loss3/classifier) get the same gradient with the aux heads on and off', async () => {
    const on = await gradientsOf(withHeads('loss', 'loss'));
    const off = await gradientsOf(withHeads('off', 'off'));
    const above = [...off.keys()].filter((k) => ABOVE_4D.test(k));
    expect(above.length).toBe(3 * 6 * 2 + 2);
    for (const key of above) expect(Array.from(on.get(key)!), key).toEqual(Array.from(off.get(key)!));
    // ...while below 4d they differ: that difference is what the aux heads are for.
    expect(Array.from(on.get('conv1/3x3.kernel')!)).not.toEqual(Array.from(off.get('conv1/3x3.kernel')!));
  });

  it('heads in probe mode change no trunk gradient, yet their own layers learn', async () => {
    const probe = await gradientsOf(withHeads('probe', 'probe'));
    const off = await gradientsOf(withHeads('off', 'off'));
    for (const [key, grad] of off) expect(Array.from(probe.get(key)!), key).toEqual(Array.from(grad));
    for (const head of ['loss1', 'loss2']) {
      const own = probe.get(`${head}/classifier.kernel`)!;
      expect(own.some((g) => g !== 0), `${head} trains`).toBe(true);
    }
  });
});
