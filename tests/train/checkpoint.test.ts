import { beforeAll, describe, expect, it } from 'vitest';
import { PRESETS, type ModelConfig } from '../../src/model/config';
import type { TrainingSettings } from '../../src/shared/runFile';
import type { StepFrame } from '../../src/train/frame';
import { Trainer } from '../../src/train/trainer';
import { backend, noiseDataset } from '../helpers/tfjs';

const SETTINGS: TrainingSettings = { optimizer: 'sgd', learningRate: 0.05, momentum: 0.9, batchSize: 4, seed: 3, perHeadEvery: 3, evalEvery: 4, evalSize: 20 };
const dataset = noiseDataset();

async function run(trainer: Trainer, n: number): Promise<StepFrame[]> {
  const frames: StepFrame[] = [];
  for (let i = 0; i < n; i++) frames.push(await trainer.trainStep());
  return frames;
}

/** The frames' numbers, comparable with toEqual (NaN equals NaN there). */
const numbers = (frames: readonly StepFrame[]) => frames.map((f) => ({ step: f.step, data: Array.from(f.data) }));

describe('trainer checkpoints', () => {
  beforeAll(() => backend('wasm'));

  const cases: [string, ModelConfig, TrainingSettings][] = [
    ['SGD with momentum', PRESETS.relu, SETTINGS],
    ['Adam with batch norm (moving statistics, both moments, bias correction)', PRESETS['relu-bn'], { ...SETTINGS, optimizer: 'adam', learningRate: 0.002 }],
  ];
  it.each(cases)('%s: a restored trainer takes exactly the steps the original would have taken', async (_name, config, training) => {
    const original = new Trainer({ config, training, dataset });
    await run(original, 3);
    const saved = await original.checkpoint();
    const expected = await run(original, 3);

    const resumed = new Trainer({ config, training, dataset });
    resumed.restore(saved);
    expect(resumed.step).toBe(3);
    const got = await run(resumed, 3);
    expect(numbers(got)).toEqual(numbers(expected));
    expect(got.map((f) => f.step)).toEqual([4, 5, 6]);
    original.dispose();
    resumed.dispose();
  });

  it('SGD\'s momentum moves between wasm, which keeps it per variable, and cpu, which keeps it flat: every number in the same place', async () => {
    const training = { ...SETTINGS, batchSize: 2, perHeadEvery: 1000, evalEvery: 1000 }; // small plain steps: cpu is slow
    const onWasm = new Trainer({ config: PRESETS.relu, training, dataset });
    await run(onWasm, 3);
    const fromWasm = await onWasm.checkpoint();
    onWasm.dispose();
    await backend('cpu');
    try {
      const onCpu = new Trainer({ config: PRESETS.relu, training, dataset });
      onCpu.restore(fromWasm);
      expect(Array.from((await onCpu.checkpoint()).values)).toEqual(Array.from(fromWasm.values));
      await run(onCpu, 1);
      const fromCpu = await onCpu.checkpoint();
      onCpu.dispose();
      await backend('wasm');
      const back = new Trainer({ config: PRESETS.relu, training, dataset });
      back.restore(fromCpu);
      expect(Array.from((await back.checkpoint()).values)).toEqual(Array.from(fromCpu.values));
      back.dispose();
      // The momentum is in the checkpoint, not zeros: the last quarter of the values or so.
      const params = fromCpu.values.length / 2;
      expect(fromCpu.values.subarray(fromCpu.values.length - params / 2).some((v) => v !== 0)).toBe(true);
    } finally {
      await backend('wasm');
    }
  });

  it('a checkpoint taken before any step restores the untrained model', async () => {
    const first = new Trainer({ config: PRESETS.relu, training: SETTINGS, dataset });
    const saved = await first.checkpoint();
    const expected = await run(first, 2);
    const second = new Trainer({ config: PRESETS.relu, training: SETTINGS, dataset });
    await run(second, 2); // moved away from the start ...
    second.restore(saved); // ... and back
    expect(numbers(await run(second, 2))).toEqual(numbers(expected));
    first.dispose();
    second.dispose();
  });

  it('keeps the heads in use at the checkpoint', async () => {
    const trainer = new Trainer({ config: PRESETS.relu, training: SETTINGS, dataset });
    trainer.setHeads({ mode: 'off', weight: 0.3 }, { mode: 'probe', weight: 0.5 });
    const saved = await trainer.checkpoint();
    const other = new Trainer({ config: PRESETS.relu, training: SETTINGS, dataset });
    other.restore(saved);
    expect(other.config.aux1).toEqual({ mode: 'off', weight: 0.3 });
    expect(other.config.aux2).toEqual({ mode: 'probe', weight: 0.5 });
    trainer.dispose();
    other.dispose();
  });

  it("refuses another model's checkpoint and changes nothing", async () => {
    const small = new Trainer({ config: PRESETS.relu, training: SETTINGS, dataset });
    const wide = new Trainer({ config: { ...PRESETS.relu, width: 1 / 4 }, training: SETTINGS, dataset });
    await run(wide, 1);
    const before = await wide.checkpoint();
    const foreign = await small.checkpoint();
    expect(() => wide.restore(foreign)).toThrow(/belongs to another model/);
    const after = await wide.checkpoint();
    expect(after.step).toBe(1);
    expect(Array.from(after.values)).toEqual(Array.from(before.values));
    small.dispose();
    wide.dispose();
  });

  it('skipTo moves to a later step: the next step takes that step\'s batch', async () => {
    const skipped = new Trainer({ config: PRESETS.relu, training: SETTINGS, dataset });
    const restored = new Trainer({ config: PRESETS.relu, training: SETTINGS, dataset });
    restored.restore({ ...(await skipped.checkpoint()), step: 5 });
    skipped.skipTo(5);
    expect(numbers(await run(skipped, 1))).toEqual(numbers(await run(restored, 1)));
    expect(() => skipped.skipTo(2)).toThrow(/cannot skip back/);
    skipped.dispose();
    restored.dispose();
  });
});

describe('saved states on the device', () => {
  beforeAll(() => backend('wasm'));

  it('loadState goes back to a saved state: the same steps follow; the state stays valid until disposed', async () => {
    const { disposeState } = await import('../../src/train/checkpoint');
    const tf = await import('@tensorflow/tfjs-core');
    const trainer = new Trainer({ config: PRESETS.relu, training: { ...SETTINGS, optimizer: 'adam', learningRate: 0.002 }, dataset });
    await run(trainer, 2);
    const saved = trainer.saveState();
    const expected = await run(trainer, 2);
    trainer.loadState(saved);
    expect(trainer.step).toBe(2);
    expect(numbers(await run(trainer, 2))).toEqual(numbers(expected));
    trainer.loadState(saved);
    expect(numbers(await run(trainer, 1))).toEqual(numbers(expected.slice(0, 1)));
    const before = tf.memory().numTensors;
    disposeState(saved);
    expect(tf.memory().numTensors).toBe(before - saved.copies.length);
    trainer.dispose();
  });
});
