/**
 * The soak run: trains the tiny model for a long time on the wasm backend with the real
 * training loop and watches the engine's memory. Every --every steps it samples tfjs's
 * tensor count and bytes, the process's RSS and JavaScript heap, and the wasm heap, and
 * prints one line per sample on stderr. At the end it prints a verdict: the tensor count
 * must not change after warm-up (exit 1 if it does), and RSS and the wasm heap should be
 * flat over the second half. Frames are not kept: only counters. See docs/reliability.md.
 *
 *   npm run --silent soak -- [--steps 5000] [--batch 2] [--width 1/8] [--every 250]
 *                            [--data mnist|noise] [--json]
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { parseWidth, PRESETS, type ModelConfig } from '../src/model/config';
import { DEFAULT_TRAINING } from '../src/shared/trainingDefaults';
import type { TrainingSettings } from '../src/shared/runFile';
import { useNodeBackend } from '../src/train/backends/node';
import { floatSplit, loadDataset, type Dataset, type Split } from '../src/train/datasets';
import { nodeFetchBytes } from '../src/train/datasets/nodeFiles';
import { Rng } from '../src/train/rng';
import { Trainer } from '../src/train/trainer';
import { trainLoop } from '../src/train/trainLoop';

const USAGE = `usage: npm run --silent soak -- [--steps N] [--batch B] [--width W] [--every K] [--data mnist|noise] [--json]
  --steps N    training steps (default 5000)
  --batch B    batch size (default 2)
  --width W    1, 1/2, 1/4 or 1/8 (default 1/8)
  --every K    sample memory every K steps (default 250)
  --data D     mnist (the real loader, default) or noise (generated, no files)
  --json       print one JSON object (samples and verdict) on stdout at the end`;

/** Per-head passes and evaluation run on these cadences, so every code path of a step runs. */
const PER_HEAD_EVERY = 10;
const EVAL_EVERY = 500;
/** A memory series is flat when it grows by less than this, in MB per 1,000 steps. */
export const FLAT_MB_PER_1000_STEPS = 1;
const MB = 2 ** 20;

export interface Sample {
  readonly step: number;
  readonly numTensors: number;
  readonly numBytes: number;
  readonly rssMB: number;
  readonly heapUsedMB: number;
  /** Size of the wasm module's memory, or null when the backend does not expose it. */
  readonly wasmHeapMB: number | null;
  readonly seconds: number;
}

interface Args {
  readonly steps: number;
  readonly batch: number;
  readonly width: number;
  readonly widthText: string;
  readonly every: number;
  readonly data: 'mnist' | 'noise';
  readonly json: boolean;
}

function wholeNumber(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${flag} must be a positive whole number (got "${text}")\n${USAGE}`);
  return n;
}

function readArgs(argv: readonly string[]): Args | null {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      steps: { type: 'string' },
      batch: { type: 'string' },
      width: { type: 'string' },
      every: { type: 'string' },
      data: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return null;
  const widthText = values.width ?? '1/8';
  const width = parseWidth(widthText);
  if (width === null) throw new Error(`--width must be 1, 1/2, 1/4 or 1/8 (got "${widthText}")`);
  const data = values.data ?? 'mnist';
  if (data !== 'mnist' && data !== 'noise') throw new Error(`--data must be mnist or noise (got "${data}")`);
  return {
    steps: wholeNumber('steps', values.steps, 5000),
    batch: wholeNumber('batch', values.batch, 2),
    width,
    widthText,
    every: wholeNumber('every', values.every, 250),
    data,
    json: values.json ?? false,
  };
}

function noiseSplit(count: number, rng: Rng): Split {
  const images = new Float32Array(count * 32 * 32);
  for (let i = 0; i < images.length; i++) images[i] = rng.normal();
  return floatSplit(images, Uint8Array.from({ length: count }, (_, i) => i % 10), 32 * 32);
}

/** Standard-normal images with labels cycling 0..9 (grey, 32x32, like MNIST). */
function noiseDataset(seed: number): Dataset {
  const rng = Rng.forStream(seed, 'soak:noise');
  return {
    name: 'mnist',
    size: 32,
    channels: 1,
    classes: 10,
    classNames: Array.from({ length: 10 }, (_, i) => String(i)),
    train: noiseSplit(1000, rng),
    eval: noiseSplit(500, rng),
    normalisation: { mean: [0], std: [1] },
    description: 'soak noise',
  };
}

/** Least-squares slope of y against x (NaN with fewer than two points or no y). */
export function slope(points: readonly (readonly [number, number | null])[]): number {
  const xy = points.filter((p): p is [number, number] => p[1] !== null);
  if (xy.length < 2) return NaN;
  const mx = xy.reduce((s, [x]) => s + x, 0) / xy.length;
  const my = xy.reduce((s, [, y]) => s + y, 0) / xy.length;
  let num = 0;
  let den = 0;
  for (const [x, y] of xy) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? NaN : num / den;
}

export interface Verdict {
  /** The sample the tensor count is compared from (the first at or after the first evaluation). */
  readonly baselineStep: number | null;
  readonly baselineTensors: number | null;
  readonly tensorRange: readonly [number, number] | null;
  readonly tensorsConstant: boolean;
  /** MB per 1,000 steps over the samples of the second half of the run. */
  readonly rssSlope: number;
  readonly wasmHeapSlope: number;
  readonly heapUsedSlope: number;
  readonly rssFlat: boolean;
  readonly wasmHeapFlat: boolean | null;
  readonly secondHalfSamples: number;
}

export function verdictOf(samples: readonly Sample[], stepsRun: number, warmupSteps: number): Verdict {
  const after = samples.filter((s) => s.step >= warmupSteps);
  const checked = after.length > 0 ? after : samples.slice(-1);
  const counts = checked.map((s) => s.numTensors);
  const tensorRange = counts.length > 0 ? ([Math.min(...counts), Math.max(...counts)] as const) : null;
  const half = samples.filter((s) => s.step >= stepsRun / 2);
  const per1000 = (key: 'rssMB' | 'wasmHeapMB' | 'heapUsedMB'): number => slope(half.map((s) => [s.step, s[key]])) * 1000;
  const rssSlope = per1000('rssMB');
  const wasmHeapSlope = per1000('wasmHeapMB');
  return {
    baselineStep: checked[0]?.step ?? null,
    baselineTensors: checked[0]?.numTensors ?? null,
    tensorRange,
    tensorsConstant: tensorRange !== null && tensorRange[0] === tensorRange[1],
    rssSlope,
    wasmHeapSlope,
    heapUsedSlope: per1000('heapUsedMB'),
    rssFlat: rssSlope < FLAT_MB_PER_1000_STEPS,
    wasmHeapFlat: Number.isNaN(wasmHeapSlope) ? null : wasmHeapSlope < FLAT_MB_PER_1000_STEPS,
    secondHalfSamples: half.length,
  };
}

/**
 * The garbage collector, made callable without restarting Node with --expose-gc: each
 * sample collects first, so heapUsed and RSS show what is kept, not garbage not yet swept.
 */
function collector(): (() => void) | null {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as () => void) : null;
  } catch {
    return null;
  }
}

function wasmHeapBytes(): number | null {
  const backend = tf.backend() as unknown as { wasm?: { HEAPU8?: { length: number } } };
  return backend.wasm?.HEAPU8?.length ?? null;
}

function machine(threads: number | null): string {
  const cpus = os.cpus();
  const gb = (os.totalmem() / 2 ** 30).toFixed(1);
  return `${cpus.length} x ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${gb} GB RAM, ${os.type()} ${os.release()} ${os.arch()}, Node ${process.version}, tfjs ${tf.version_core}${threads === null ? '' : `, wasm threads ${threads}`}`;
}

const fixed = (n: number | null, digits = 1): string => (n === null || Number.isNaN(n) ? 'n/a' : n.toFixed(digits));

async function main(): Promise<number> {
  const args = readArgs(process.argv.slice(2));
  if (!args) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const choice = await useNodeBackend('wasm');
  if (choice.active !== 'wasm') throw new Error(`wanted the wasm backend, got ${choice.active}`);
  const description = machine(getThreadsCount());
  const config: ModelConfig = { ...PRESETS.relu, width: args.width };
  const training: TrainingSettings = { ...DEFAULT_TRAINING, batchSize: args.batch, perHeadEvery: PER_HEAD_EVERY, evalEvery: EVAL_EVERY };
  const dataset = args.data === 'noise' ? noiseDataset(training.seed) : await loadDataset('mnist', training.seed, nodeFetchBytes());
  const trainer = new Trainer({ config, training, dataset });
  const warmupSteps = Math.min(EVAL_EVERY, args.steps);
  log(`soak: ${description}`);
  log(`soak: relu preset, width ${args.widthText}, batch ${args.batch}, ${args.data}, ${args.steps} steps, per-head every ${PER_HEAD_EVERY}, evaluation every ${EVAL_EVERY}, sample every ${args.every}; warm-up ends at step ${warmupSteps}`);

  const started = performance.now();
  const samples: Sample[] = [];
  const gc = collector();
  if (!gc) log('soak: could not expose the garbage collector; heapUsed and RSS include uncollected garbage');
  const sample = (step: number): void => {
    gc?.();
    const mem = tf.memory();
    const proc = process.memoryUsage();
    const wasm = wasmHeapBytes();
    const s: Sample = {
      step,
      numTensors: mem.numTensors,
      numBytes: mem.numBytes,
      rssMB: proc.rss / MB,
      heapUsedMB: proc.heapUsed / MB,
      wasmHeapMB: wasm === null ? null : wasm / MB,
      seconds: (performance.now() - started) / 1000,
    };
    samples.push(s);
    log(`step ${String(step).padStart(6)}  tensors ${s.numTensors}  bytes ${s.numBytes}  rss ${fixed(s.rssMB)} MB  heap ${fixed(s.heapUsedMB)} MB  wasm ${fixed(s.wasmHeapMB)} MB  ${s.seconds.toFixed(0)} s`);
  };

  // Counters only: a frame is looked at and dropped, so the caller holds no memory that grows.
  let stepsRun = 0;
  let perHeadSteps = 0;
  let evalSteps = 0;
  let lastLoss = NaN;
  let divergedAt: number | null = null;
  sample(0);
  const end = await trainLoop(trainer, {
    steps: args.steps,
    onFrame: (frame) => {
      stepsRun = frame.step;
      if (frame.perHead) perHeadSteps += 1;
      if (frame.evalAccuracy !== null) evalSteps += 1;
      lastLoss = frame.loss[3]!;
      if (frame.diverged) divergedAt = frame.step;
      if (frame.step % args.every === 0 || frame.step === args.steps) sample(frame.step);
    },
  });
  if (samples[samples.length - 1]!.step !== stepsRun) sample(stepsRun);
  trainer.dispose();

  const verdict = verdictOf(samples, stepsRun, warmupSteps);
  const seconds = (performance.now() - started) / 1000;
  const flat = (ok: boolean | null): string => (ok === null ? 'not measured' : ok ? 'flat' : 'GROWING');
  log(`soak: ${stepsRun} steps (${end}${divergedAt === null ? '' : ` at step ${divergedAt}`}) in ${seconds.toFixed(0)} s; ${perHeadSteps} per-head steps, ${evalSteps} evaluations; last loss ${fixed(lastLoss, 3)}`);
  log(
    verdict.tensorsConstant
      ? `verdict: numTensors constant at ${verdict.baselineTensors} from step ${verdict.baselineStep} to ${stepsRun}`
      : `verdict: numTensors CHANGED after warm-up: ${verdict.tensorRange?.join('..') ?? 'no sample'} from step ${verdict.baselineStep ?? '?'} (a leak)`,
  );
  log(`verdict: second half (${verdict.secondHalfSamples} samples), MB per 1,000 steps (flat < ${FLAT_MB_PER_1000_STEPS}): RSS ${fixed(verdict.rssSlope, 2)} (${flat(verdict.rssFlat)}), wasm heap ${fixed(verdict.wasmHeapSlope, 2)} (${flat(verdict.wasmHeapFlat)}), JS heapUsed ${fixed(verdict.heapUsedSlope, 2)}`);
  if (args.json) {
    const out = {
      machine: description,
      date: new Date().toISOString(),
      setup: { preset: 'relu', width: args.widthText, batchSize: args.batch, data: args.data, steps: args.steps, perHeadEvery: PER_HEAD_EVERY, evalEvery: EVAL_EVERY, every: args.every, warmupSteps },
      run: { stepsRun, end, divergedAt, perHeadSteps, evalSteps, seconds, lastLoss },
      samples,
      flatThresholdMBPer1000Steps: FLAT_MB_PER_1000_STEPS,
      verdict,
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  }
  if (!verdict.tensorsConstant) return 1;
  return end === 'diverged' ? 3 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`soak: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
