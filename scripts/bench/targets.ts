import type { BrowserResult } from './browser';
import type { BackendResult } from './measure';

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
  readonly met: boolean;
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
