/**
 * Kernel launches per training step on the op compositions the GPU backends run (webgl,
 * webgpu): counted on the cpu backend, which runs the same compositions (what wasm
 * replaces with its own kernels does not apply there), for a plain, an instrumented and
 * a per-head step of the default preset. On a GPU a step of this small network is bound
 * by launches, not arithmetic (see docs/benchmarks.md), so the count is what can be
 * measured here of a GPU step's cost. Reshapes are not counted: they launch nothing.
 *
 *   npx tsx scripts/bench/launches.ts
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe } from '../../src/model/architecture';
import { PRESETS } from '../../src/model/config';
import { createParams, disposeParams } from '../../src/model/params';
import { useNodeBackend } from '../../src/train/backends/node';
import { floatSplit, type Dataset } from '../../src/train/datasets';
import { Optimizer } from '../../src/train/optimizer';
import { Trainer } from '../../src/train/trainer';
import { plainStep, type HostBatch } from './plainStep';

/** The launch count does not depend on the batch: the smallest that trains batch norm well enough to run. */
const BATCH = 2;
const NEVER = 1_000_000_000;

async function launches(run: () => Promise<unknown>): Promise<number> {
  const profile = await tf.profile(async () => void (await run()));
  return profile.kernels.filter((k) => k.name !== 'Reshape').length;
}

async function main(): Promise<void> {
  await useNodeBackend('cpu');
  const config = PRESETS.relu;
  const images = Float32Array.from({ length: BATCH * 32 * 32 }, (_, i) => Math.sin(i));
  const split = floatSplit(images, Uint8Array.from({ length: BATCH }, (_, i) => i), 32 * 32);
  const dataset: Dataset = {
    name: 'mnist', size: 32, channels: 1, classes: 10, classNames: Array.from({ length: 10 }, (_, i) => String(i)),
    train: split, eval: split, normalisation: { mean: [0], std: [1] }, description: 'a fixed pattern for counting launches',
  };
  const counts: Record<string, number> = {};
  const params = createParams(describe(config), 1);
  const optimizer = new Optimizer('sgd', 0.9);
  const host: HostBatch = { images, labels: Int32Array.from(split.labels), shape: [BATCH, 32, 32, 1] };
  for (let i = 1; i <= 2; i++) await plainStep(params, optimizer, host, config, i, 0.01, 1);
  counts['plain'] = await launches(() => plainStep(params, optimizer, host, config, 3, 0.01, 1));
  disposeParams(params);
  optimizer.dispose();
  for (const [name, perHeadEvery] of [['instrumented', NEVER], ['perHead', 1]] as const) {
    const trainer = new Trainer({ config, dataset, training: { optimizer: 'sgd', learningRate: 0.01, momentum: 0.9, batchSize: BATCH, seed: 1, perHeadEvery, evalEvery: NEVER, evalSize: BATCH } });
    for (let i = 0; i < 2; i++) await trainer.trainStep(); // the first step is a per-head one
    counts[name] = await launches(() => trainer.trainStep());
    trainer.dispose();
  }
  process.stdout.write(`kernel launches per step on the GPU backends' op compositions (counted on cpu, relu preset): ${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`launches: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
