import type { BrowserResult } from './browser';
import type { BackendResult } from './measure';
import type { PytorchOutcome, PytorchResult } from './pytorch';

/** A goal for one field of a result (a backend's by default). */
export interface Target<F extends string = keyof BackendResult> {
  readonly field: F;
  readonly op: '<' | '<=' | '>=' | '=';
  readonly value: number;
}

/** The goals on wasm (none are set for the cpu reference backend). Never weaken one to pass. */
export const TARGETS: Readonly<Record<string, readonly Target[]>> = {
  wasm: [
    { field: 'backwardForwardRatio', op: '<=', value: 3 },
    { field: 'instrumentedRatio', op: '<=', value: 1.1 },
    { field: 'perHeadRatio', op: '<=', value: 2.5 },
    { field: 'readbacksPerStep', op: '=', value: 1 },
    { field: 'efficiency', op: '>=', value: 0.3 },
  ],
};

/** The goals in the browser (the Chromium page while the app trains). Never weaken one to pass. */
export const BROWSER_TARGETS: readonly Target<keyof BrowserResult>[] = [
  { field: 'longestTaskMs', op: '<', value: 50 },
  { field: 'framesDroppedLongHistory', op: '=', value: 0 },
];

export interface Verdict {
  readonly target: string;
  /** null: not measured here (`by` says why). */
  readonly met: boolean | null;
  /** How far from the target, for people: "0.42 under", "2.10 over (1.70x the target)". */
  readonly by: string;
}

/** A count stays a count ("+4", not "+4.00"). */
const num = (x: number): string => (Number.isInteger(x) ? String(x) : Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(2));

/** Whether `value` meets `target`, and by how much it misses or clears it. */
export function judge(value: number, target: Target<string>): Verdict {
  const text = `${target.op} ${target.value}`;
  const diff = value - target.value;
  const times = `${num(value / target.value)}x the target`;
  switch (target.op) {
    case '<':
      return { target: text, met: value < target.value, by: value < target.value ? `${num(-diff)} under` : `${num(diff)} over (${times})` };
    case '<=':
      return { target: text, met: value <= target.value, by: value <= target.value ? `${num(-diff)} under` : `${num(diff)} over (${times})` };
    case '>=':
      return { target: text, met: value >= target.value, by: value >= target.value ? `${num(diff)} above` : `${num(-diff)} short (${times})` };
    case '=':
      return { target: text, met: value === target.value, by: value === target.value ? 'exact' : `${diff > 0 ? '+' : ''}${num(diff)}` };
  }
}

/** MET, NOT MET or NOT MEASURED, and by how much or why: what the tables print. */
export function verdictText(verdict: Verdict): string {
  return `${verdict.met === null ? 'NOT MEASURED' : verdict.met ? 'MET' : 'NOT MET'}: ${verdict.by}`;
}

/** The verdict on every target of `backend` (empty when it has none). */
export function verdicts(backend: string, result: BackendResult): Partial<Record<keyof BackendResult, Verdict>> {
  const out: Partial<Record<keyof BackendResult, Verdict>> = {};
  for (const t of TARGETS[backend] ?? []) out[t.field] = judge(result[t.field] as number, t);
  return out;
}

/** The verdict on every browser target. */
export function browserVerdicts(result: BrowserResult): Partial<Record<keyof BrowserResult, Verdict>> {
  const out: Partial<Record<keyof BrowserResult, Verdict>> = {};
  for (const t of BROWSER_TARGETS) out[t.field] = judge(result[t.field] as number, t);
  // The browser reports only tasks of 50 ms or more: with none, how far under is unknown.
  if (result.longTasks === 0 && out.longestTaskMs?.met) out.longestTaskMs = { ...out.longestTaskMs, by: 'no long task (>= 50 ms) in the window; how far under is not measured' };
  return out;
}

/** The GPU target: GradFlow's step on a GPU (webgpu) within 3x of PyTorch eager's on the same GPU and model. */
export const GPU_TARGET: Target<'pytorchRatio'> = { field: 'pytorchRatio', op: '<=', value: 3 };

/** The PyTorch devices a GradFlow backend is compared with: its own kind of processor. */
const SAME_KIND: Readonly<Record<string, readonly PytorchResult['device'][]>> = { wasm: ['cpu'], cpu: ['cpu'], webgpu: ['cuda', 'mps'] };

/** A backend's step over PyTorch eager's step on the same kind of device; null when PyTorch ran on another kind. */
export function pytorchRatio(backend: string, stepMs: number, pytorch: PytorchResult | null): number | null {
  if (pytorch === null || !(SAME_KIND[backend] ?? []).includes(pytorch.device)) return null;
  return stepMs / pytorch.stepMs;
}

/**
 * The verdict on the GPU target. `webgpu` is the GPU backend's result (undefined when it
 * could not run, `gpuReason` saying why); `pytorch` is what the yardstick gave, or null
 * when it was not asked for. Anything missing makes it NOT MEASURED with the reason.
 */
export function gpuVerdict(webgpu: BackendResult | undefined, gpuReason: string, pytorch: PytorchOutcome | null): Verdict {
  const target = `${GPU_TARGET.op} ${GPU_TARGET.value}`;
  const notMeasured = (why: string): Verdict => ({ target, met: null, by: why });
  if (webgpu === undefined) return notMeasured(`no GPU backend here (${gpuReason})`);
  if (pytorch === null) return notMeasured('PyTorch was not run (--no-pytorch)');
  if (!pytorch.ok) return notMeasured(`PyTorch did not run (${pytorch.reason})`);
  const ratio = pytorchRatio('webgpu', webgpu.stepMs, pytorch.result);
  if (ratio === null) return notMeasured(`PyTorch found no GPU here (it ran on the ${pytorch.result.device}), so there is no same-GPU step to compare with`);
  return judge(ratio, GPU_TARGET);
}
