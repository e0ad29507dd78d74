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

/**
 * One number per step, smoothed (TensorBoard's debiased EMA). An aux head that is off reports NaN
 * by definition: such steps are gaps, not marks; any other non-finite value is kept and marked.
 */
export function curve(run: Run, pick: (s: RunStep) => number, aux: boolean, weight: number): CurvePoint[] {
  const raw = run.steps.map(pick);
  const states = run.steps.map((s, i): CurvePoint['state'] => {
    const v = raw[i]!;
    if (Number.isFinite(v)) return 'value';
    return aux && Number.isNaN(v) && !s.diverged ? 'off' : 'nonFinite';
  });
  const smoothed = smooth(raw, weight);
  return run.steps.map((s, i) => ({ step: s.step, raw: raw[i]!, smoothed: smoothed[i]!, state: states[i]! }));
}

/** Whether a curve has anything to draw or mark (false for a head that was off throughout). */
export const hasData = (points: readonly CurvePoint[]): boolean => points.some((p) => p.state !== 'off');

/** The held-out evaluations of one head: (step, accuracy) on the steps that have them. */
export function evalPoints(run: Run, head: 'main' | 'aux1' | 'aux2'): { step: number; value: number }[] {
  return run.steps.flatMap((s) => (s.evalAccuracy ? [{ step: s.step, value: s.evalAccuracy[head] }] : []))
    .filter((p) => !(head !== 'main' && Number.isNaN(p.value)));
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

/**
 * At most about 2 points per bucket for drawing a long series: in each of `buckets` equal runs of
 * points, the lowest and the highest value (so spikes survive) and the first gap (so lines still
 * break). Series of up to 2 x buckets points come back unchanged.
 */
export function decimate(points: readonly CurvePoint[], buckets: number, pick: (p: CurvePoint) => number): readonly CurvePoint[] {
  const n = points.length;
  const count = Math.max(1, Math.floor(buckets));
  if (n <= 2 * count) return points;
  const size = Math.ceil(n / count);
  const out: CurvePoint[] = [];
  for (let start = 0; start < n; start += size) {
    let lo = -1;
    let hi = -1;
    let gap = -1;
    for (let i = start; i < Math.min(n, start + size); i++) {
      const p = points[i]!;
      if (p.state !== 'value') {
        if (gap < 0) gap = i;
        continue;
      }
      if (lo < 0 || pick(p) < pick(points[lo]!)) lo = i;
      if (hi < 0 || pick(p) > pick(points[hi]!)) hi = i;
    }
    for (const i of [...new Set([lo, hi, gap])].filter((i) => i >= 0).sort((a, b) => a - b)) out.push(points[i]!);
  }
  return out;
}
