/**
 * Where a plain training step's time goes, per kernel, on wasm in Node: every kernel
 * registered for the backend is wrapped with a timer (wasm kernels run synchronously, so
 * a kernel's wall time is its cost) and labelled with the gradient it runs for. Prints
 * ms per step by gradient and kernel, then totals by kernel. See docs/benchmarks.md.
 *
 * `--mode instrumented` profiles a training step with every per-layer metric instead,
 * `--mode perHead` one with the per-head decomposition. `--preset` profiles another of the
 * small presets (relu by default: sigmoid, tanh, relu-bn), all on 1-channel 32x32 noise.
 *
 *   npx tsx scripts/bench/profile.ts [--steps N] [--width W] [--mode plain|instrumented|perHead] [--preset P]
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe } from '../../src/model/architecture';
import { PRESET_NAMES, PRESETS, type PresetName } from '../../src/model/config';
import { createParams, disposeParams } from '../../src/model/params';
import { useNodeBackend } from '../../src/train/backends/node';
import { floatSplit, type Dataset } from '../../src/train/datasets';
import { Optimizer } from '../../src/train/optimizer';
import { Rng } from '../../src/train/rng';
import { Trainer } from '../../src/train/trainer';
import { plainStep, type HostBatch } from './plainStep';

interface Totals { ms: number; calls: number }

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  const value = at < 0 ? fallback : Number(process.argv[at + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} needs a positive number`);
  return value;
}

/** Wraps every wasm kernel with a timer; `label()` names what is running (a gradient, or the rest). */
function instrument(label: () => string, totals: Map<string, Totals>): void {
  let depth = 0;
  for (const kernel of tf.getKernelsForBackend('wasm')) {
    const inner = kernel.kernelFunc;
    tf.unregisterKernel(kernel.kernelName, 'wasm');
    tf.registerKernel({
      ...kernel,
      kernelFunc: (args) => {
        depth++;
        const start = performance.now();
        try {
          return inner(args);
        } finally {
          depth--;
          // Kernels called from inside another count toward the outer one only.
          if (depth === 0) {
            const key = `${label()}|${kernel.kernelName}`;
            const t = totals.get(key) ?? { ms: 0, calls: 0 };
            totals.set(key, { ms: t.ms + performance.now() - start, calls: t.calls + 1 });
          }
        }
      },
    });
  }
}

/** Re-registers each gradient so that its kernels are labelled `backward <op>` or `backward <op>.<input>`. */
function labelGradients(setLabel: (label: string) => string): void {
  const names = new Set(tf.getKernelsForBackend('wasm').map((k) => k.kernelName));
  for (const name of names) {
    const gradient = tf.getGradient(name);
    if (!gradient) continue;
    tf.registerGradient({
      ...gradient,
      gradFunc: (dy, saved, attrs) => {
        // Some gradients work when called (Concat's splits dy), the rest in their thunks.
        const outer = setLabel(`backward ${name}`);
        const thunks = gradient.gradFunc(dy, saved, attrs);
        setLabel(outer);
        return Object.fromEntries(Object.entries(thunks).map(([input, thunk]) => [input, () => {
          const previous = setLabel(`backward ${name}.${input}`);
          try {
            return thunk();
          } finally {
            setLabel(previous);
          }
        }]));
      },
    });
  }
}

type Mode = 'plain' | 'instrumented' | 'perHead';

function modeOption(): Mode {
  const at = process.argv.indexOf('--mode');
  const mode = at < 0 ? 'plain' : process.argv[at + 1];
  if (mode !== 'plain' && mode !== 'instrumented' && mode !== 'perHead') throw new Error('--mode is plain, instrumented or perHead');
  return mode;
}

/** The small presets: the input here is 1-channel 32x32 (the paper preset's is 224x224x3). */
const SMALL_PRESETS: readonly PresetName[] = PRESET_NAMES.filter((p) => p !== 'paper');

function presetOption(): PresetName {
  const at = process.argv.indexOf('--preset');
  const preset = at < 0 ? 'relu' : process.argv[at + 1];
  const found = SMALL_PRESETS.find((p) => p === preset);
  if (!found) throw new Error(`--preset is one of ${SMALL_PRESETS.join(', ')}`);
  return found;
}

async function main(): Promise<void> {
  const steps = option('--steps', 5);
  const width = option('--width', 1 / 8);
  const mode = modeOption();
  const preset = presetOption();
  await useNodeBackend('wasm');
  let current = 'forward, losses, update';
  const totals = new Map<string, Totals>();
  instrument(() => current, totals);
  const warn = console.warn;
  console.warn = () => {}; // re-registering a gradient warns once per op
  labelGradients((label) => {
    const previous = current;
    current = label;
    return previous;
  });
  console.warn = warn;

  const config = { ...PRESETS[preset], width };
  const params = createParams(describe(config), 1);
  const optimizer = new Optimizer('sgd', 0.9);
  const rng = new Rng(1);
  const host: HostBatch = { images: Float32Array.from({ length: 32 * 32 * 32 }, () => rng.normal()), labels: Int32Array.from({ length: 32 }, (_, i) => i % 10), shape: [32, 32, 32, 1] };
  const split = floatSplit(host.images, Uint8Array.from(host.labels), 32 * 32);
  const dataset: Dataset = {
    name: 'mnist', size: 32, channels: 1, classes: 10, classNames: Array.from({ length: 10 }, (_, i) => String(i)),
    train: split, eval: split, normalisation: { mean: [0], std: [1] }, description: 'noise for the profile',
  };
  const never = 1_000_000_000;
  const trainer = mode === 'plain' ? null : new Trainer({
    config, dataset,
    training: { optimizer: 'sgd', learningRate: 0.01, momentum: 0.9, batchSize: 32, seed: 1, perHeadEvery: mode === 'perHead' ? 1 : never, evalEvery: never, evalSize: 32 },
  });
  let step = 0;
  const run = (): Promise<unknown> => (trainer ? trainer.trainStep() : plainStep(params, optimizer, host, config, ++step, 0.01, 1));
  for (let i = 1; i <= 2; i++) await run(); // warm-up: slots, kernels (a trainer's first step is a per-head one)
  totals.clear();
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  disposeParams(params);
  optimizer.dispose();
  trainer?.dispose();

  const rows = [...totals].map(([key, t]) => ({ key, ms: t.ms / steps, calls: t.calls / steps })).sort((a, b) => b.ms - a.ms);
  const kernelMs = rows.reduce((sum, r) => sum + r.ms, 0);
  const out = (line: string): void => void process.stdout.write(`${line}\n`);
  out(`${mode} step, ${preset} preset, width ${width}, batch 32, wasm: ${times.map((t) => t.toFixed(0)).join(', ')} ms; in kernels ${kernelMs.toFixed(0)} ms per step`);
  out('\n    ms  calls  where | kernel');
  for (const r of rows.filter((r) => r.ms >= 0.5)) out(`${r.ms.toFixed(1).padStart(6)}  ${r.calls.toFixed(0).padStart(5)}  ${r.key}`);
  const byKernel = new Map<string, number>();
  for (const r of rows) byKernel.set(r.key.split('|')[1]!, (byKernel.get(r.key.split('|')[1]!) ?? 0) + r.ms);
  out('\n    ms  kernel (all uses)');
  for (const [kernel, ms] of [...byKernel].sort((a, b) => b[1] - a[1]).filter(([, ms]) => ms >= 0.5)) out(`${ms.toFixed(1).padStart(6)}  ${kernel}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`profile: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
