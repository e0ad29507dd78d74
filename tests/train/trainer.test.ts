import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { PRESETS, type ModelConfig } from '../../src/model/config';
import type { TrainingSettings } from '../../src/shared/runFile';
import { BatchStream } from '../../src/train/batches';
import { HEADS, LAYER_METRICS, layerMetric, type StepFrame } from '../../src/train/frame';
import { Trainer } from '../../src/train/trainer';
import { backend, noiseDataset } from '../helpers/tfjs';

/** Tiny settings: batch 4, per-head every 3rd step, evaluation every 4th on 20 images. */
const SETTINGS: TrainingSettings = { optimizer: 'sgd', learningRate: 0.05, momentum: 0.9, batchSize: 4, seed: 7, perHeadEvery: 3, evalEvery: 4, evalSize: 20 };
const CONFIG: ModelConfig = PRESETS.relu;
const dataset = noiseDataset();

async function steps(trainer: Trainer, n: number): Promise<StepFrame[]> {
  const frames: StepFrame[] = [];
  for (let i = 0; i < n; i++) frames.push(await trainer.trainStep());
  return frames;
}

async function weightsOf(trainer: Trainer): Promise<Float32Array[]> {
  return Promise.all(trainer.modelParams.trainable.map(async (v) => Float32Array.from(await v.data())));
}

describe('the trainer', () => {
  beforeAll(() => backend('wasm'));

  it('one step trains: every number finite, the weights move, the update ratio says by how much', async () => {
    const trainer = new Trainer({ config: CONFIG, training: SETTINGS, dataset });
    const before = await weightsOf(trainer);
    const [frame] = await steps(trainer, 1);
    const after = await weightsOf(trainer);
    expect(frame!.diverged).toBeNull();
    expect(Array.from(frame!.loss).every(Number.isFinite)).toBe(true);
    expect(Array.from(frame!.layers).every(Number.isFinite)).toBe(true);
    expect(before.some((w, i) => w.some((v, j) => v !== after[i]![j]))).toBe(true);
    // updateRatio of conv1 = ||change|| / ||weights after||, checked on the host.
    const conv1 = [0, 1].map((v) => ({ before: before[v]!, after: after[v]! }));
    const change = Math.sqrt(conv1.reduce((s, p) => s + p.after.reduce((t, x, j) => t + (x - p.before[j]!) ** 2, 0), 0));
    const norm = Math.sqrt(conv1.reduce((s, p) => s + p.after.reduce((t, x) => t + x * x, 0), 0));
    expect(layerMetric(frame!, 0, 'weightNorm')).toBeCloseTo(norm, 4);
    expect(layerMetric(frame!, 0, 'updateRatio') / (change / norm)).toBeCloseTo(1, 3);
    trainer.dispose();
  });

  it('on cpu, where the update and the magnitudes run on flat vectors, every layer\'s numbers are wasm\'s, and a head that is off stays still', async () => {
    const training = { ...SETTINGS, batchSize: 2, perHeadEvery: 1000, evalEvery: 1000 }; // one small step (a per-head one: the first), no evaluation: cpu is slow
    const frameOn = async (name: 'wasm' | 'cpu'): Promise<{ frame: StepFrame; before: Float32Array[]; after: Float32Array[]; layerOf: readonly number[]; aux1: number[]; layerNames: string[]; heads: string[] }> => {
      await backend(name);
      const trainer = new Trainer({ config: CONFIG, training, dataset });
      trainer.setHeads({ mode: 'off', weight: 0.3 }, { mode: 'loss', weight: 0.3 });
      const before = await weightsOf(trainer);
      const [frame] = await steps(trainer, 1);
      const after = await weightsOf(trainer);
      const { layerOfVariable: layerOf, arch } = trainer.modelParams;
      const aux1 = layerOf.flatMap((layer, v) => (arch.layers[layer]!.head === 'aux1' ? [v] : []));
      trainer.dispose();
      return { frame: frame!, before, after, layerOf, aux1, layerNames: arch.layers.map((l) => l.name), heads: arch.layers.map((l) => l.head) };
    };
    try {
      const wasm = await frameOn('wasm');
      const cpu = await frameOn('cpu');
      const layers = cpu.frame.layers.length / LAYER_METRICS.length;
      for (let l = 0; l < layers; l++) {
        const vars = cpu.layerOf.flatMap((layer, v) => (layer === l ? [v] : []));
        const sum = (f: (v: number, j: number) => number) => vars.reduce((s, v) => s + cpu.after[v]!.reduce((t, _, j) => t + f(v, j), 0), 0);
        const norm = Math.sqrt(sum((v, j) => cpu.after[v]![j]! ** 2));
        const change = Math.sqrt(sum((v, j) => (cpu.after[v]![j]! - cpu.before[v]![j]!) ** 2));
        expect(layerMetric(cpu.frame, l, 'weightNorm') / norm, `layer ${l} weightNorm`).toBeCloseTo(1, 5);
        if (change === 0) expect(layerMetric(cpu.frame, l, 'updateRatio'), `layer ${l} updateRatio`).toBe(0);
        else expect(layerMetric(cpu.frame, l, 'updateRatio') / (change / norm), `layer ${l} updateRatio`).toBeCloseTo(1, 3);
        for (const metric of LAYER_METRICS) {
          const [a, b] = [layerMetric(cpu.frame, l, metric), layerMetric(wasm.frame, l, metric)];
          expect(Math.abs(a - b), `layer ${l} ${metric}: cpu ${a}, wasm ${b}`).toBeLessThanOrEqual(1e-4 * Math.abs(b) + 1e-12);
        }
      }
      // The first step is a per-head one: each head's gradient norms per layer, from the flat gradients of its pass on cpu.
      const [a, b] = [cpu.frame.perHead!.gradNorm, wasm.frame.perHead!.gradNorm];
      expect(a.length).toBe(3 * layers);
      a.forEach((x, i) => expect(Math.abs(x - b[i]!), `per-head norm ${i}: cpu ${x}, wasm ${b[i]}`).toBeLessThanOrEqual(1e-4 * Math.abs(b[i]!) + 1e-12));
      expect(a.slice(layers, 2 * layers).every((x) => x === 0)).toBe(true); // aux1: no pass, exactly zero
      // Each head's own layers get gradient from its pass alone: the main row is 0 on aux2's layers, and the reverse.
      cpu.heads.forEach((head, l) => {
        if (head === 'aux2') expect([a[l], a[2 * layers + l]! > 0], `layer ${l} (aux2's)`).toEqual([0, true]);
        if (/^(inception_4e|inception_5|loss3)\//.test(cpu.layerNames[l]!)) expect([a[l]! > 0, a[2 * layers + l]], `layer ${l} (above aux2's branch)`).toEqual([true, 0]);
      });
      // aux1 is off: its layers' weights are exactly as they were, and their update ratio is 0.
      expect(cpu.aux1.length).toBeGreaterThan(0);
      for (const v of cpu.aux1) expect(Array.from(cpu.after[v]!)).toEqual(Array.from(cpu.before[v]!));
      expect(cpu.after.some((w, v) => w.some((x, j) => x !== cpu.before[v]![j]))).toBe(true);
    } finally {
      await backend('wasm');
    }
  });

  it('reads back from the device exactly once per step, even on per-head and evaluation steps', async () => {
    const trainer = new Trainer({ config: CONFIG, training: { ...SETTINGS, perHeadEvery: 1, evalEvery: 2 }, dataset });
    await steps(trainer, 1); // optimizer slots are made on the first step
    // Every way a tensor's values reach JavaScript. (The wasm backend's own Slice kernel
    // peeks at its heap internally; that is no transfer, so the backend is not counted.)
    const spies = (['data', 'dataSync', 'array', 'arraySync', 'buffer', 'bufferSync'] as const).map((m) => vi.spyOn(tf.Tensor.prototype, m));
    const [frame] = await steps(trainer, 1);
    expect(frame!.perHead).not.toBeNull();
    expect(frame!.evalAccuracy).not.toBeNull();
    expect(spies.map((s) => s.mock.calls.length)).toEqual([1, 0, 0, 0, 0, 0]);
    for (const s of spies) s.mockRestore();
    trainer.dispose();
  });

  it("gradRms is gradNorm over the square root of the layer's parameter count; max >= mean", async () => {
    const trainer = new Trainer({ config: CONFIG, training: SETTINGS, dataset });
    const [frame] = await steps(trainer, 1);
    trainer.arch.layers.forEach((layer, i) => {
      expect(layerMetric(frame!, i, 'gradRms')).toBeCloseTo(layerMetric(frame!, i, 'gradNorm') / Math.sqrt(layer.params), 6);
      expect(layerMetric(frame!, i, 'gradMaxAbs')).toBeGreaterThanOrEqual(layerMetric(frame!, i, 'gradMeanAbs'));
    });
    trainer.dispose();
  });

  it('per-head contributions come every k-th step (1, 1+k, ...), evaluation every N-th', async () => {
    const trainer = new Trainer({ config: CONFIG, training: SETTINGS, dataset });
    const frames = await steps(trainer, 4);
    expect(frames.map((f) => f.perHead !== null)).toEqual([true, false, false, true]);
    expect(frames.map((f) => f.evalAccuracy !== null)).toEqual([false, false, false, true]);
    const acc = frames[3]!.evalAccuracy!;
    for (const a of acc) expect(a === 0 || (a > 0 && a <= 1)).toBe(true);
    // The per-head norms of conv1 bound the total's by the triangle inequality.
    const f = frames[0]!;
    const layers = trainer.shape.layers;
    const sum = HEADS.reduce((s, _, h) => s + f.perHead!.gradNorm[h * layers]!, 0);
    expect(layerMetric(f, 0, 'gradNorm')).toBeLessThanOrEqual(sum * (1 + 1e-5));
    trainer.dispose();
  });

  it('the same seed gives the same numbers, step for step', async () => {
    const a = new Trainer({ config: CONFIG, training: SETTINGS, dataset });
    const b = new Trainer({ config: CONFIG, training: SETTINGS, dataset });
    const fa = await steps(a, 4);
    const fb = await steps(b, 4);
    fa.forEach((f, i) => expect(Array.from(f.data)).toEqual(Array.from(fb[i]!.data)));
    a.dispose();
    b.dispose();
  });

  it('a paired comparison: aux on and aux off start from the same trunk and see the same batches', async () => {
    const on = new Trainer({ config: CONFIG, training: SETTINGS, dataset });
    const off = new Trainer({ config: { ...CONFIG, aux1: { mode: 'off', weight: 0.3 }, aux2: { mode: 'off', weight: 0.3 } }, training: SETTINGS, dataset });
    for (const [name, layer] of off.modelParams.layers) {
      const twin = on.modelParams.layers.get(name)!;
      expect(Array.from(await layer.kernel.data()), name).toEqual(Array.from(await twin.kernel.data()));
    }
    // Both list every layer (a head that is off keeps its place, with zero gradient).
    expect(off.arch.layers.map((l) => l.name)).toEqual(on.arch.layers.map((l) => l.name));
    const stream = (seed: number): number[] => Array.from(new BatchStream(seed, dataset.train.count, 4).indices(3));
    expect(stream(SETTINGS.seed)).toEqual(stream(SETTINGS.seed));
    expect(stream(SETTINGS.seed)).not.toEqual(stream(SETTINGS.seed + 1));
    on.dispose();
    off.dispose();
  });

  it('setHeads switches a head off and on mid-run: its loss, its gradient and its weights follow', async () => {
    const trainer = new Trainer({ config: CONFIG, training: { ...SETTINGS, perHeadEvery: 1 }, dataset });
    const loss1 = trainer.arch.layers.findIndex((l) => l.name === 'loss1/fc');
    const layers = trainer.shape.layers;
    const [on] = await steps(trainer, 1);
    expect(on!.loss[1]).toBeGreaterThan(0);
    expect(on!.perHead!.gradNorm[1 * layers + 0]).toBeGreaterThan(0); // aux1's share of conv1
    trainer.setHeads({ mode: 'off', weight: 0.3 }, CONFIG.aux2);
    const kernel = trainer.modelParams.layers.get('loss1/fc')!.kernel;
    const frozenBefore = Array.from(await kernel.data());
    const [off] = await steps(trainer, 1);
    expect(off!.loss[1]).toBeNaN();
    expect(off!.loss[3]).toBeCloseTo(off!.loss[0]! + 0.3 * off!.loss[2]!, 5);
    expect(layerMetric(off!, loss1, 'gradNorm')).toBe(0);
    expect(off!.perHead!.gradNorm[1 * layers + 0]).toBe(0);
    expect(Array.from(await kernel.data())).toEqual(frozenBefore);
    trainer.setHeads(CONFIG.aux1, CONFIG.aux2);
    const [back] = await steps(trainer, 1);
    expect(layerMetric(back!, loss1, 'gradNorm')).toBeGreaterThan(0);
    trainer.dispose();
  });

  it('no tensor leaks: tf.memory().numTensors is the same after step 10 and step 100', async () => {
    const before = tf.memory().numTensors;
    const trainer = new Trainer({ config: PRESETS['relu-bn'], training: { ...SETTINGS, optimizer: 'adam', learningRate: 0.001 }, dataset });
    await steps(trainer, 10);
    const at10 = tf.memory().numTensors;
    await steps(trainer, 90);
    expect(trainer.step).toBe(100);
    expect(tf.memory().numTensors).toBe(at10);
    trainer.dispose();
    expect(tf.memory().numTensors).toBe(before); // building and disposing a model leaves nothing behind
  }, 300_000); // 100 steps: allow for a slow, shared machine

  it('divergence is caught, named, and changes no weight', async () => {
    const trainer = new Trainer({ config: PRESETS.relu, training: { ...SETTINGS, learningRate: 1e30 }, dataset });
    let frame: StepFrame | null = null;
    let before: Float32Array[] = [];
    for (let i = 0; i < 5 && !frame?.diverged; i++) {
      before = await weightsOf(trainer);
      frame = await trainer.trainStep();
    }
    expect(frame!.diverged).not.toBeNull();
    expect(frame!.diverged!.where).toMatch(/loss|conv|inception|classifier|fc/);
    const after = await weightsOf(trainer);
    after.forEach((w, i) => expect(Array.from(w)).toEqual(Array.from(before[i]!)));
    trainer.dispose();
  });
});

describe('trainLoop', () => {
  beforeAll(() => backend('wasm'));

  it('streams one frame per step through the callback and stops when aborted', async () => {
    const { trainLoop } = await import('../../src/train/trainLoop');
    const trainer = new Trainer({ config: CONFIG, training: SETTINGS, dataset });
    const seen: number[] = [];
    const controller = new AbortController();
    const end = await trainLoop(trainer, {
      steps: 10,
      signal: controller.signal,
      onFrame: (frame) => {
        seen.push(frame.step);
        if (frame.step === 2) controller.abort();
      },
    });
    expect(end).toBe('aborted');
    expect(seen).toEqual([1, 2]);
    trainer.dispose();
  });
});
