/**
 * A bench page for the development server (scripts/bench/launches.ts): on tfjs's webgpu
 * backend, the optimizer's cut of the updated vector into the default network's variables,
 * and the join of their gradients into one vector, by tfjs's programs (a Slice per piece,
 * a Concat per seven) against buffer copies (src/train/backends/webgpuCopyKernels.ts), in
 * alternating rounds. Each run is timed twice: until the ops return (the host's time to
 * record them, what bounds a step on a GPU that is faster than its launches) and until the
 * last piece is read back (with the device's work, on whatever adapter this is). The result
 * lands in window.__copies.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
import { describe } from '../../../src/model/architecture';
import { PRESETS } from '../../../src/model/config';
import { allVariables, createParams, disposeParams } from '../../../src/model/params';
import { registerWebgpuCopyKernels } from '../../../src/train/backends/webgpuCopyKernels';

/** Medians in ms of one way of doing an op: until it returned, and until its output was read. */
export interface OpTimes {
  readonly recordMs: number;
  readonly readMs: number;
}

export type CopiesResult =
  | { readonly ok: true; readonly pieces: number; readonly elements: number; readonly runs: number; readonly split: Record<'programs' | 'copies', OpTimes>; readonly join: Record<'programs' | 'copies', OpTimes> }
  | { readonly ok: false; readonly error: string };

const RUNS = 40;
const KERNELS = ['Concat', 'SplitV'];

type Way = 'programs' | 'copies';

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

async function main(): Promise<CopiesResult> {
  if (!(await tf.setBackend('webgpu'))) throw new Error('webgpu did not start here');
  await tf.ready();
  const kernels: Record<Way, tf.KernelConfig[]> = { programs: KERNELS.map((k) => tf.getKernel(k, 'webgpu')!), copies: [] };
  registerWebgpuCopyKernels();
  kernels.copies = KERNELS.map((k) => tf.getKernel(k, 'webgpu')!);
  const use = (way: Way): void => {
    for (const config of kernels[way]) {
      tf.unregisterKernel(config.kernelName, 'webgpu');
      tf.registerKernel(config);
    }
  };

  const params = createParams(describe(PRESETS.relu), 1);
  const variables = allVariables(params);
  const sizes = variables.map((v) => v.size);
  const pieces = variables.map((v) => tf.reshape(v, [-1])); // views of the variables
  const flat = tf.concat(pieces);
  await flat.data();
  const times: Record<'split' | 'join', Record<Way, { record: number[]; read: number[] }>> = {
    split: { programs: { record: [], read: [] }, copies: { record: [], read: [] } },
    join: { programs: { record: [], read: [] }, copies: { record: [], read: [] } },
  };
  const run = async (op: 'split' | 'join', way: Way): Promise<void> => {
    use(way);
    const start = performance.now();
    const out = op === 'split' ? tf.split(flat, sizes) : [tf.concat(pieces)];
    const recorded = performance.now();
    await out[out.length - 1]!.data();
    const read = performance.now();
    tf.dispose(out);
    times[op][way].record.push(recorded - start);
    times[op][way].read.push(read - start);
  };
  // Two rounds first compile the programs and fill tfjs's buffer pool; then the ways alternate.
  for (let round = -2; round < RUNS; round++) {
    for (const op of ['split', 'join'] as const) {
      for (const way of round % 2 === 0 ? (['programs', 'copies'] as const) : (['copies', 'programs'] as const)) {
        await run(op, way);
        if (round < 0) {
          times[op][way].record.pop();
          times[op][way].read.pop();
        }
      }
    }
  }
  use('copies');
  const summary = (op: 'split' | 'join', way: Way): OpTimes => ({ recordMs: median(times[op][way].record), readMs: median(times[op][way].read) });
  const result: CopiesResult = {
    ok: true,
    pieces: sizes.length,
    elements: flat.size,
    runs: RUNS,
    split: { programs: summary('split', 'programs'), copies: summary('split', 'copies') },
    join: { programs: summary('join', 'programs'), copies: summary('join', 'copies') },
  };
  tf.dispose([flat, ...pieces]);
  disposeParams(params);
  return result;
}

(window as unknown as { __copies: Promise<CopiesResult> }).__copies = main().catch(
  (error: unknown): CopiesResult => ({ ok: false, error: error instanceof Error ? `${error.message}\n${error.stack}` : String(error) }),
);
