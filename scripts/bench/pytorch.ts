/**
 * PyTorch eager as the bench's yardstick: the same network (checked layer by layer), batch
 * and step timed by scripts/bench/pytorch_step.py on PyTorch's fastest device here (CUDA,
 * then MPS, then the CPU), with the first Python that can import torch. The GPU target is
 * GradFlow's webgpu step over PyTorch's on the same GPU; on a CPU, wasm's step over
 * PyTorch's is reported beside it (no target). PyTorch is optional: without it the bench
 * says why and measures everything else. See docs/benchmarks.md.
 */
import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { describe } from '../../src/model/architecture';
import type { ModelConfig } from '../../src/model/config';

const SCRIPT = fileURLToPath(new URL('./pytorch_step.py', import.meta.url));
/** Tried in order when no --python is given: the one on PATH, then Debian's (`apt-get install python3-torch`). */
export const PYTHONS: readonly string[] = ['python3', '/usr/bin/python3'];
/** Importing torch can take seconds; a Python that hangs must not hang the bench. */
const IMPORT_TIMEOUT_MS = 60_000;
/** The whole timed run (a slow CPU at width 1/8 takes well under a minute). */
const RUN_TIMEOUT_MS = 15 * 60_000;

const pytorchResultSchema = z.object({
  torch: z.string(),
  device: z.enum(['cpu', 'cuda', 'mps']),
  deviceName: z.string(),
  threads: z.number().int().positive(),
  params: z.number().int().positive(),
  stepMs: z.number().positive(),
  forwardMs: z.number().positive(),
  reps: z.number().int().positive(),
});

/** What PyTorch measured; times in milliseconds (medians). */
export interface PytorchResult extends z.infer<typeof pytorchResultSchema> {
  /** The Python that ran it. */
  readonly python: string;
}

export type PytorchOutcome = { readonly ok: true; readonly result: PytorchResult } | { readonly ok: false; readonly reason: string };

export interface PytorchOptions {
  readonly config: ModelConfig;
  readonly batchSize: number;
  readonly reps: number;
  readonly warmup: number;
  readonly seed: number;
  readonly learningRate: number;
  readonly momentum: number;
  /** Pythons to try, in order; the first that imports torch runs the timing. */
  readonly pythons: readonly string[];
  readonly log: (line: string) => void;
}

/** What pytorch_step.py reads on stdin: the setting and GradFlow's own list of weighted layers. */
export function pytorchSpec(options: Omit<PytorchOptions, 'pythons' | 'log'>): object {
  const { config, batchSize, reps, warmup, seed, learningRate, momentum } = options;
  const layers = describe(config).layers.map((l) => ({ name: l.name, kernelShape: l.kernelShape }));
  return { config, layers, batchSize, reps, warmup, seed, learningRate, momentum, device: 'auto' };
}

/** The script's one line of JSON, checked; throws with what is wrong. */
export function parsePytorchOutput(stdout: string, python: string): PytorchResult {
  let value: unknown;
  try {
    value = JSON.parse(stdout);
  } catch {
    throw new Error(`pytorch_step.py printed no JSON (${JSON.stringify(stdout.slice(0, 200))})`);
  }
  const parsed = pytorchResultSchema.safeParse(value);
  if (!parsed.success) throw new Error(`pytorch_step.py printed an unexpected result: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return { ...parsed.data, python };
}

const lastLine = (text: string): string => text.trim().split('\n').at(-1)?.trim() ?? '';

/** The first of `pythons` that imports torch, or why none did (one reason per Python). */
export async function findTorchPython(pythons: readonly string[]): Promise<{ python: string } | { reason: string }> {
  const reasons: string[] = [];
  for (const python of pythons) {
    const answer = await new Promise<string | null>((resolve) => {
      execFile(python, ['-c', 'import torch'], { timeout: IMPORT_TIMEOUT_MS }, (error, _stdout, stderr) => {
        if (!error) resolve(null);
        else if ((error as NodeJS.ErrnoException).code === 'ENOENT') resolve('not found');
        else resolve(lastLine(stderr) || error.message);
      });
    });
    if (answer === null) return { python };
    reasons.push(`${python}: ${answer}`);
  }
  const other = pythons === PYTHONS ? ' or pass --python' : '';
  return { reason: `no Python here imports torch (${reasons.join('; ')}); install PyTorch (apt-get install python3-torch, or pip install torch)${other}` };
}

/** Runs the timing; never throws: a missing PyTorch or a failed run is a reason, and the rest of the bench goes on. */
export async function measurePytorch(options: PytorchOptions): Promise<PytorchOutcome> {
  const found = await findTorchPython(options.pythons);
  if ('reason' in found) return { ok: false, reason: found.reason };
  const { python } = found;
  options.log(`pytorch: ${python}, the same network and step, ${options.reps} rounds`);
  const child = spawn(python, [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'], timeout: RUN_TIMEOUT_MS });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => void (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    stderr += text;
    for (const line of text.split('\n')) if (line.startsWith('  pytorch: ')) options.log(line);
  });
  child.stdin.on('error', () => undefined); // a script that dies before reading: its exit code and words say why
  child.stdin.end(JSON.stringify(pytorchSpec(options)));
  const code = await new Promise<number | null>((resolve) => {
    child.once('error', () => resolve(-1));
    child.once('close', (c, signal) => resolve(signal ? -1 : c));
  });
  if (code !== 0) {
    const said = stderr.split('\n').filter((l) => !l.startsWith('  pytorch: ')).join('\n');
    return { ok: false, reason: `${python} ${SCRIPT.split('/').slice(-3).join('/')} failed (exit ${code}): ${lastLine(said) || 'no message'}` };
  }
  try {
    return { ok: true, result: parsePytorchOutput(lastLine(stdout), python) };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}
