import * as tf from '@tensorflow/tfjs-core';
import { describe } from '../../src/model/architecture';
import type { ModelConfig } from '../../src/model/config';
import { createParams, disposeParams } from '../../src/model/params';
import type { TrainingSettings } from '../../src/shared/runFile';
import { floatSplit, splitImages, type Dataset, type Split } from '../../src/train/datasets';
import { Optimizer } from '../../src/train/optimizer';
import { Rng } from '../../src/train/rng';
import { Trainer } from '../../src/train/trainer';
import { trainStepFlops } from './flops';
import { forwardOnly, plainStep, type HostBatch } from './plainStep';
import { countReadbacks } from './readbacks';
import { median, timed } from './stats';
import type { WidthSweep } from './widthSweep';

/** What one backend measured; times in milliseconds (medians), rates in GFLOP/s. */
export interface BackendResult {
  readonly where: 'node';
  /** Median plain step: forward + backward + SGD update, one scalar read back. */
  readonly stepMs: number;
  /** Median forward pass of the batch in training mode, one scalar read back. */
  readonly forwardMs: number;
  /** (stepMs - forwardMs) / forwardMs. */
  readonly backwardForwardRatio: number;
  /** Median Trainer.trainStep (every per-layer metric, no per-head, no evaluation) / stepMs. */
  readonly instrumentedRatio: number;
  /** Median Trainer.trainStep with the per-head decomposition (perHeadEvery 1) / stepMs. */
  readonly perHeadRatio: number;
  /** Tensor readbacks (data, dataSync, array, arraySync, buffer, bufferSync) in one instrumented step. */
  readonly readbacksPerStep: number;
  /** 3 x analytic forward FLOPs of the batch / stepMs. */
  readonly trainGflops: number;
  /** Median rate of a 1024x1024 by 1024x1024 matMul on this backend. */
  readonly matmulGflops: number;
  /** trainGflops / matmulGflops. */
  readonly efficiency: number;
  readonly instrumentedMs: number;
  readonly perHeadMs: number;
  readonly matmulMs: number;
  /** 3 x forward FLOPs of one step of the batch, in GFLOP. */
  readonly trainGflopPerStep: number;
  readonly reps: number;
  /** stepMs over PyTorch eager's plain step on the same kind of device (absent when PyTorch did not run there). */
  readonly pytorchRatio?: number;
  /** The plain step at each width of --widths and the width to recommend (absent without --widths). */
  readonly widthSweep?: WidthSweep;
}

export interface BenchOptions {
  readonly config: ModelConfig;
  readonly batchSize: number;
  readonly reps: number;
  readonly warmup: number;
  readonly seed: number;
  /** Progress for people (stderr). */
  readonly log: (line: string) => void;
}

const MATMUL_SIZE = 1024;
const LEARNING_RATE = 0.01;
/** A period no run reaches: per-head decomposition and evaluation never come round. */
const NEVER = 1_000_000_000;

function noiseSplit(count: number, channels: 1 | 3, rng: Rng): Split {
  const images = new Float32Array(count * 32 * 32 * channels);
  for (let i = 0; i < images.length; i++) images[i] = rng.normal();
  return floatSplit(images, Uint8Array.from({ length: count }, (_, i) => i % 10), 32 * 32 * channels);
}

/** Noise shaped like the normalised MNIST the default preset trains on (no dataset load). */
function noiseDataset(config: ModelConfig, trainCount: number, evalCount: number, seed: number): Dataset {
  const rng = new Rng(seed);
  return {
    name: 'mnist',
    size: 32,
    channels: config.channels,
    classes: config.classes,
    classNames: Array.from({ length: config.classes }, (_, i) => String(i)),
    train: noiseSplit(trainCount, config.channels, rng),
    eval: noiseSplit(evalCount, config.channels, rng),
    normalisation: { mean: [0], std: [1] },
    description: 'noise for the benchmark',
  };
}

/** One measured variant: a name and one run of it. */
interface Variant {
  readonly name: 'forward' | 'plain' | 'instrumented' | 'perHead' | 'matmul';
  readonly run: () => Promise<unknown>;
}

/**
 * Measures every variant on the active backend: `warmup` untimed runs each, then `reps`
 * rounds in which every variant runs once, round-robin (the starting variant rotates from
 * round to round), so that noise from the rest of the machine hits them alike.
 */
export async function measureBackend(options: BenchOptions): Promise<BackendResult> {
  const { config, batchSize, reps, warmup, seed, log } = options;
  const arch = describe(config);
  const dataset = noiseDataset(config, Math.max(256, batchSize), batchSize, seed);
  const host: HostBatch = {
    images: splitImages(dataset.train, 0, batchSize),
    labels: Int32Array.from(dataset.train.labels.subarray(0, batchSize)),
    shape: [batchSize, 32, 32, config.channels],
  };

  const params = createParams(arch, seed);
  const optimizer = new Optimizer('sgd', 0.9);
  const training = (perHeadEvery: number): TrainingSettings => ({
    optimizer: 'sgd', learningRate: LEARNING_RATE, momentum: 0.9, batchSize, seed, perHeadEvery, evalEvery: NEVER, evalSize: batchSize,
  });
  const instrumented = new Trainer({ config, training: training(NEVER), dataset });
  const perHead = new Trainer({ config, training: training(1), dataset });
  const [a, b] = tf.tidy(() => [tf.randomNormal([MATMUL_SIZE, MATMUL_SIZE], 0, 1, 'float32', seed), tf.randomNormal([MATMUL_SIZE, MATMUL_SIZE], 0, 1, 'float32', seed + 1)]);

  let plainSteps = 0;
  let forwards = 0;
  const variants: Variant[] = [
    { name: 'forward', run: () => forwardOnly(params, host, config, ++forwards, seed) },
    { name: 'plain', run: () => plainStep(params, optimizer, host, config, ++plainSteps, LEARNING_RATE, seed) },
    { name: 'instrumented', run: () => instrumented.trainStep() },
    { name: 'perHead', run: () => perHead.trainStep() },
    {
      name: 'matmul',
      run: async () => {
        const corner = tf.tidy(() => tf.slice(tf.matMul(a!, b!), [0, 0], [1, 1])); // the product, one element read back
        await corner.data();
        corner.dispose();
      },
    },
  ];

  try {
    // The instrumented trainer's first step is a per-head one (step 1 always is), and the
    // first step of anything allocates (optimizer slots, kernels): all untimed.
    for (const v of variants) {
      for (let i = 0; i < warmup; i++) await v.run();
      log(`  warmed up ${v.name}`);
    }
    const readbacksPerStep = await countReadbacks(() => instrumented.trainStep());

    const times = new Map<Variant['name'], number[]>(variants.map((v) => [v.name, []]));
    for (let rep = 0; rep < reps; rep++) {
      for (let k = 0; k < variants.length; k++) {
        const v = variants[(rep + k) % variants.length]!;
        times.get(v.name)!.push(await timed(v.run));
      }
      log(`  round ${rep + 1}/${reps}: ${variants.map((v) => `${v.name} ${times.get(v.name)!.at(-1)!.toFixed(0)} ms`).join(', ')}`);
    }

    const ms = (name: Variant['name']): number => median(times.get(name)!);
    const stepMs = ms('plain');
    const forwardMs = ms('forward');
    const matmulMs = ms('matmul');
    const flopPerStep = trainStepFlops(arch, batchSize);
    const trainGflops = flopPerStep / 1e9 / (stepMs / 1000);
    const matmulGflops = (2 * MATMUL_SIZE ** 3) / 1e9 / (matmulMs / 1000);
    return {
      where: 'node',
      stepMs,
      forwardMs,
      backwardForwardRatio: (stepMs - forwardMs) / forwardMs,
      instrumentedRatio: ms('instrumented') / stepMs,
      perHeadRatio: ms('perHead') / stepMs,
      readbacksPerStep,
      trainGflops,
      matmulGflops,
      efficiency: trainGflops / matmulGflops,
      instrumentedMs: ms('instrumented'),
      perHeadMs: ms('perHead'),
      matmulMs,
      trainGflopPerStep: flopPerStep / 1e9,
      reps,
    };
  } finally {
    instrumented.dispose();
    perHead.dispose();
    disposeParams(params);
    optimizer.dispose();
    tf.dispose([a!, b!]);
  }
}
