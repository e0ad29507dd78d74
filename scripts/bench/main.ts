/**
 * The Node benchmark: plain training step, forward, instrumented and per-head steps and a
 * large matMul, measured side by side on each backend in one run. Prints a table, or with
 * --json one JSON object on stdout; progress goes to stderr. See docs/benchmarks.md.
 *
 *   npm run bench [-- --reps N] [--with-cpu] [--json]
 */
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { PRESETS } from '../../src/model/config';
import { useNodeBackend } from '../../src/train/backends/node';
import { measureBackend, type BackendResult } from './measure';
import { table } from './report';
import { verdicts } from './targets';

const USAGE = `usage: npm run bench -- [--reps N] [--with-cpu] [--json]
  --reps N     timed rounds per variant (default 5); medians are reported
  --with-cpu   also measure the pure-JavaScript cpu backend (40-160x slower than wasm)
  --json       print one JSON object on stdout instead of the table`;

interface Args {
  readonly reps: number;
  readonly withCpu: boolean;
  readonly json: boolean;
}

function parseArgs(argv: readonly string[]): Args | null {
  let reps = 5;
  let withCpu = false;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--json') json = true;
    else if (arg === '--with-cpu') withCpu = true;
    else if (arg === '--reps' || arg.startsWith('--reps=')) {
      const text = arg === '--reps' ? argv[++i] : arg.slice('--reps='.length);
      reps = Number(text);
      if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps must be a positive integer (got "${text ?? ''}")`);
    } else if (arg === '--help' || arg === '-h') return null;
    else throw new Error(`unknown argument "${arg}"\n${USAGE}`);
  }
  return { reps, withCpu, json };
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
  for (const name of args.withCpu ? (['wasm', 'cpu'] as const) : (['wasm'] as const)) {
    const choice = await useNodeBackend(name);
    if (choice.active !== name) throw new Error(`wanted the ${name} backend, got ${choice.active}`);
    if (name === 'wasm') wasmThreads = getThreadsCount();
    log(`${name}: relu preset, width 1/8, batch ${batchSize}, noise [${batchSize},32,32,1], ${args.reps} rounds`);
    backends[name] = await measureBackend({ config, batchSize, reps: args.reps, warmup: 2, seed: 1, log });
  }

  const targets = Object.fromEntries(Object.entries(backends).map(([name, r]) => [name, verdicts(name, r)]).filter(([, v]) => Object.keys(v as object).length > 0));
  const description = `${machine()}${wasmThreads === null ? '' : `, wasm threads ${wasmThreads}`}`;
  if (args.json) {
    const out = {
      machine: description,
      date: new Date().toISOString(),
      setup: { preset: 'relu', width: '1/8', batchSize, input: `noise [${batchSize},32,32,1]`, reps: args.reps, warmup: 2, loadAverageAtStart: loadAverage },
      backends,
      targets,
      browser: null,
      bundleGzipKb: null,
      note: 'browser and bundleGzipKb: not measured yet (the Node part only)',
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return;
  }
  process.stdout.write(`GradFlow bench (Node), ${new Date().toISOString()}\n`);
  process.stdout.write(`machine: ${description}; load average at start ${loadAverage.join(' ')}\n`);
  process.stdout.write(`relu preset, width 1/8, batch ${batchSize}, noise input [${batchSize},32,32,1]; medians of ${args.reps} interleaved rounds after 2 warm-up runs each\n\n`);
  process.stdout.write(`${table(backends)}\n\n`);
  process.stdout.write('browser: not measured yet; bundle size: not measured yet\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
