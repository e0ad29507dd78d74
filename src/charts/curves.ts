/** Per-step series (losses, accuracies) for the time charts, as pure functions. */
import type { Run, RunStep } from '../shared/runFile';
import { smooth } from './data';

export interface CurvePoint {
  readonly step: number;
  readonly raw: number;
  readonly smoothed: number;
  /** 'off': an aux head that was not computed (NaN on a step that did not diverge); 'nonFinite': NaN or ±Infinity to be marked. */
  readonly state: 'value' | 'off' | 'nonFinite';
}

/** What a curve's value is at a step, as a small number (Curve.state); value is 0, so a fresh Uint8Array reads as all values. */
export const STATE = { value: 0, off: 1, nonFinite: 2 } as const;
const STATE_NAMES = ['value', 'off', 'nonFinite'] as const;

/** A curve as columns, one entry per step: cheap to build and to decimate for runs of many thousand steps. */
export interface Curve {
  readonly steps: Float64Array;
  readonly raw: Float64Array;
  readonly smoothed: readonly number[];
  /** STATE.value, STATE.off or STATE.nonFinite. */
  readonly state: Uint8Array;
  /** How many values are non-finite (to be marked). */
  readonly nonFinite: number;
  /** The largest drawn raw value (0 when none). */
  readonly max: number;
}

/**
 * One number per step, smoothed (TensorBoard's debiased EMA). An aux head that is off reports NaN
 * by definition: such steps are gaps, not marks; any other non-finite value is kept and marked.
 */
export function curveColumns(run: Run, pick: (s: RunStep) => number, aux: boolean, weight: number): Curve {
  const n = run.steps.length;
  const steps = new Float64Array(n);
  const raw = new Float64Array(n);
  const state = new Uint8Array(n);
  let nonFinite = 0;
  let max = 0;
  for (let i = 0; i < n; i++) {
    const s = run.steps[i]!;
    const v = pick(s);
    steps[i] = s.step;
    raw[i] = v;
    if (Number.isFinite(v)) {
      if (v > max) max = v;
    } else if (aux && Number.isNaN(v) && !s.diverged) state[i] = STATE.off;
    else {
      state[i] = STATE.nonFinite;
      nonFinite++;
    }
  }
  return { steps, raw, smoothed: smooth(raw, weight), state, nonFinite, max };
}

/** The same curve as one object per step (for tables and tests). */
export function curve(run: Run, pick: (s: RunStep) => number, aux: boolean, weight: number): CurvePoint[] {
  const c = curveColumns(run, pick, aux, weight);
  return Array.from(c.steps, (step, i) => ({ step, raw: c.raw[i]!, smoothed: c.smoothed[i]!, state: STATE_NAMES[c.state[i]!]! }));
}

/** Whether a curve has anything to draw or mark (false for a head that was off throughout). */
export const hasData = (c: Curve): boolean => c.state.some((s) => s !== STATE.off);

/** The held-out evaluations of one head: (step, accuracy) on the steps that have them. */
export function evalPoints(run: Run, head: 'main' | 'aux1' | 'aux2'): { step: number; value: number }[] {
  const points: { step: number; value: number }[] = [];
  for (const s of run.steps) {
    // An aux head that is off has no held-out accuracy (NaN): nothing to draw.
    if (s.evalAccuracy && !(head !== 'main' && Number.isNaN(s.evalAccuracy[head]))) points.push({ step: s.step, value: s.evalAccuracy[head] });
  }
  return points;
}

/** The events of several runs on one time axis, each (step, type, detail) once. */
export function mergedEvents(runs: readonly Run[]): Run['events'] {
  const seen = new Set<string>();
  return runs.flatMap((r) => r.events).filter((e) => {
    const key = `${e.step}\u0000${e.type}\u0000${e.detail}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  }).sort((a, b) => a.step - b.step);
}
