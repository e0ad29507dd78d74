/**
 * The benchmark: plain training step, forward, instrumented and per-head steps and a
 * large matMul, measured side by side on each Node backend in one run (wasm; cpu with
 * --with-cpu; webgpu where a hardware GPU adapter is offered); the same network's step in
 * PyTorch eager as the yardstick (./pytorch.ts, where PyTorch is installed); then (unless
 * --no-browser) the built app in headless Chromium and the gzipped bundle size
 * (./browser.ts). Prints tables, or with --json one JSON object on stdout; progress goes
 * to stderr. See docs/benchmarks.md.
 *
 *   npm run bench [-- --reps N] [--with-cpu] [--no-gpu] [--no-pytorch] [--python P] [--no-browser] [--widths 0.125,0.25,0.5] [--json]
 */
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { PRESETS } from '../../src/model/config';
import { useNodeBackend } from '../../src/train/backends/node';
import { type BrowserBench, measureBrowser } from './browser';
import { controlLine, longHistoryVerdict } from './longHistory';
import { measureBackend, type BackendResult } from './measure';
import { measurePytorch, PYTHONS, type PytorchOutcome } from './pytorch';
import { browserTable, gpuLine, pytorchLine, table } from './report';
import { browserVerdicts, gpuVerdict, pytorchRatio, verdicts } from './targets';
import { measureWidthSweep, parseWidths, widthTable, WIDTH_TOLERANCE } from './widthSweep';

/** Training recorded in the browser after the first drawn chart, ms. */
const BROWSER_WINDOW_MS = 30_000;

const USAGE = `usage: npm run bench -- [--reps N] [--with-cpu] [--no-gpu] [--no-pytorch] [--python P] [--no-browser] [--widths W,W,...] [--json]
  --reps N       timed rounds per variant (default 5); medians are reported
  --with-cpu     also measure the pure-JavaScript cpu backend (40-160x slower than wasm)
  --no-gpu       do not look for a GPU (by default webgpu is measured where a hardware
                 adapter is offered, through the optional package webgpu)
  --no-pytorch   do not time the same network in PyTorch eager (by default it is, where
                 a Python can import torch: the GPU target's yardstick)
  --python P     the Python to run PyTorch with (default: python3, then /usr/bin/python3)
  --widths W,..  also time the plain step at these widths (e.g. 0.125,0.25,0.5) on each
                 backend and recommend one: the widest costing at most 1.25x the narrowest
  --browser      build the app, serve it and measure it in headless Chromium, and the
                 gzipped bundle (the default; needs /usr/bin/chromium)
  --no-browser   the Node part only
  --json         print one JSON object on stdout instead of the tables`;

interface Args {
  readonly reps: number;
  readonly withCpu: boolean;
  readonly gpu: boolean;
  readonly pytorch: boolean;
  /** Pythons to try for PyTorch, in order. */
  readonly pythons: readonly string[];
  readonly browser: boolean;
  readonly json: boolean;
  /** Widths of the width sweep; empty for none. */
  readonly widths: readonly number[];
}

function parseArgs(argv: readonly string[]): Args | null {
  let reps = 5;
  let withCpu = false;
  let gpu = true;
  let pytorch = true;
  let pythons = PYTHONS;
  let json = false;
  let browser = true;
  let widths: number[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--json') json = true;
    else if (arg === '--with-cpu') withCpu = true;
    else if (arg === '--no-gpu') gpu = false;
    else if (arg === '--no-pytorch') pytorch = false;
    else if (arg === '--python' || arg.startsWith('--python=')) {
      const text = arg === '--python' ? argv[++i] : arg.slice('--python='.length);
      if (!text) throw new Error('--python needs the path of a Python');
      pythons = [text];
    }
    else if (arg === '--browser') browser = true;
    else if (arg === '--no-browser') browser = false;
    else if (arg === '--reps' || arg.startsWith('--reps=')) {
      const text = arg === '--reps' ? argv[++i] : arg.slice('--reps='.length);
      reps = Number(text);
      if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps must be a positive integer (got "${text ?? ''}")`);
    } else if (arg === '--widths' || arg.startsWith('--widths=')) {
      const text = arg === '--widths' ? argv[++i] : arg.slice('--widths='.length);
      widths = parseWidths(text ?? '');
    } else if (arg === '--help' || arg === '-h') return null;
    else throw new Error(`unknown argument "${arg}"\n${USAGE}`);
  }
  return { reps, withCpu, gpu, pytorch, pythons, browser, json, widths };
}

function machine(): string {
  const cpus = os.cpus();
  const gb = (os.totalmem() / 2 ** 30).toFixed(1);
  return `${cpus.length} x ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${gb} GB RAM, ${os.type()} ${os.release()} ${os.arch()}, Node ${process.version}, tfjs ${tf.version_core}`;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (!args) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const config = PRESETS.relu; // width 1/8, 1 channel, 32x32, both aux heads in the loss
  const batchSize = 32;
  const loadAverage = os.loadavg().map((l) => Number(l.toFixed(2)));
  const backends: Record<string, BackendResult> = {};
  let wasmThreads: number | null = null;
  const measureActive = async (name: string): Promise<BackendResult> => {
    log(`${name}: relu preset, width 1/8, batch ${batchSize}, noise [${batchSize},32,32,1], ${args.reps} rounds`);
    const result = await measureBackend({ config, batchSize, reps: args.reps, warmup: 2, seed: 1, log });
    if (args.widths.length === 0) return result;
    log(`${name}: width sweep ${args.widths.join(', ')}, plain step, ${args.reps} rounds`);
    return { ...result, widthSweep: await measureWidthSweep({ config, widths: args.widths, batchSize, reps: args.reps, warmup: 2, seed: 1, log }) };
  };
  for (const name of args.withCpu ? (['wasm', 'cpu'] as const) : (['wasm'] as const)) {
    const choice = await useNodeBackend(name);
    if (choice.active !== name) throw new Error(`wanted the ${name} backend, got ${choice.active}`);
    if (name === 'wasm') wasmThreads = getThreadsCount();
    backends[name] = await measureActive(name);
  }

  // The GPU as the command line's `--backend auto` takes it: webgpu on a hardware adapter.
  let gpu: { readonly backend: 'webgpu'; readonly adapter: string } | null = null;
  let gpuReason = 'not looked for (--no-gpu)';
  if (args.gpu) {
    const choice = await useNodeBackend('auto');
    if (choice.active === 'webgpu') {
      const adapter = choice.adapter ?? 'an unnamed adapter';
      try {
        backends.webgpu = await measureActive('webgpu');
        gpu = { backend: 'webgpu', adapter };
      } catch (error: unknown) {
        gpuReason = `the webgpu backend failed on ${adapter}: ${error instanceof Error ? error.message : String(error)}`;
      }
    } else gpuReason = choice.skipped.find((s) => s.name === 'webgpu')?.reason ?? 'the webgpu backend did not start';
    if (gpu === null) log(`gpu: not measured: ${gpuReason}`);
  }

  const pytorch: PytorchOutcome | null = args.pytorch
    ? await measurePytorch({ config, batchSize, reps: args.reps, warmup: 2, seed: 1, learningRate: 0.01, momentum: 0.9, pythons: args.pythons, log })
    : null;
  if (pytorch && !pytorch.ok) log(`pytorch: not measured: ${pytorch.reason}`);
  for (const [name, result] of Object.entries(backends)) {
    const ratio = pytorchRatio(name, result.stepMs, pytorch?.ok ? pytorch.result : null);
    if (ratio !== null) backends[name] = { ...result, pytorchRatio: ratio };
  }
  const gpuTarget = gpuVerdict(backends.webgpu, gpuReason, pytorch);

  let web: BrowserBench | null = null;
  let browserError: string | null = null;
  if (args.browser) {
    try {
      web = await measureBrowser({ windowMs: BROWSER_WINDOW_MS, log });
    } catch (error: unknown) {
      browserError = error instanceof Error ? error.message : String(error);
      log(`bench: the browser part failed: ${browserError}`);
      process.exitCode = 1;
    }
  }
  const browserNote = !args.browser ? 'browser and bundleGzipKb: not measured (--no-browser)'
    : browserError !== null ? `browser and bundleGzipKb: the browser part failed: ${browserError}` : null;

  const nodeTargets = Object.fromEntries(Object.entries(backends).map(([name, r]) => [name, verdicts(name, r)]).filter(([, v]) => Object.keys(v as object).length > 0));
  const targets = { ...nodeTargets, gpu: { pytorchRatio: gpuTarget }, ...(web ? { browser: browserVerdicts(web.browser) } : {}) };
  const description = `${machine()}${wasmThreads === null ? '' : `, wasm threads ${wasmThreads}`}`;
  if (args.json) {
    const out = {
      machine: description,
      date: new Date().toISOString(),
      setup: { preset: 'relu', width: '1/8', batchSize, input: `noise [${batchSize},32,32,1]`, reps: args.reps, warmup: 2, loadAverageAtStart: loadAverage, ...(args.widths.length > 0 ? { widths: args.widths } : {}) },
      backends,
      gpu,
      ...(gpu === null ? { gpuNote: gpuReason } : {}),
      pytorch: pytorch?.ok ? pytorch.result : null,
      ...(pytorch?.ok ? {} : { pytorchNote: pytorch ? pytorch.reason : 'not run (--no-pytorch)' }),
      targets,
      browser: web?.browser ?? null,
      bundleGzipKb: web?.bundleGzipKb ?? null,
      ...(browserNote === null ? {} : { note: browserNote }),
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return;
  }
  process.stdout.write(`GradFlow bench, ${new Date().toISOString()}\n`);
  process.stdout.write(`machine: ${description}; load average at start ${loadAverage.join(' ')}\n`);
  process.stdout.write(`relu preset, width 1/8, batch ${batchSize}, noise input [${batchSize},32,32,1]; medians of ${args.reps} interleaved rounds after 2 warm-up runs each\n\n`);
  process.stdout.write(`${table(backends)}\n\n`);
  process.stdout.write(`${pytorchLine(pytorch)}\n`);
  process.stdout.write(`${gpuLine(gpu, gpuTarget)}\n\n`);
  const sweeps = Object.fromEntries(Object.entries(backends).flatMap(([name, r]) => (r.widthSweep ? [[name, r.widthSweep]] : [])));
  if (Object.keys(sweeps).length > 0) {
    process.stdout.write(`width sweep: median plain step (relu preset, batch ${batchSize}) at each width; recommended: the widest whose step costs at most ${WIDTH_TOLERANCE}x the narrowest's\n\n`);
    process.stdout.write(`${widthTable(sweeps)}\n\n`);
  }
  if (web) {
    const b = web.browser;
    process.stdout.write(`browser: ${b.where}, headless, #${b.hash}, ${b.viewport}, cross-origin isolated ${b.crossOriginIsolated}, wasm ${b.wasmPthreads > 0 ? `threaded (${b.wasmPthreads} pthread workers)` : 'without threads'}; ${b.windowMs / 1000} s of training after the first drawn chart (steps ${b.stepAtStart} to ${b.stepAtEnd}); frames dropped: intervals > 33.4 ms\n\n`);
    process.stdout.write(`${browserTable(b, web.bundleGzipKb)}\n`);
    process.stdout.write(`long history: ${longHistoryVerdict(b)}\n`);
    process.stdout.write(`${controlLine(b.control)}\n`);
  } else process.stdout.write(`${browserNote}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
