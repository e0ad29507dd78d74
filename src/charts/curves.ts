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
  /** Shared with the run's other curves (stepColumns): read only. */
  readonly steps: Float64Array;
  /** Shared with every curve of the same numbers (stepColumns): read only. */
  readonly raw: Float64Array;
  readonly smoothed: Float64Array;
  /** STATE.value, STATE.off or STATE.nonFinite. */
  readonly state: Uint8Array;
  /** How many values are non-finite (to be marked). */
  readonly nonFinite: number;
  /** The largest drawn raw value (0 when none). */
  readonly max: number;
}

/** The per-step numbers a time chart draws: a head's loss (or the total loss), or a head's batch accuracy. */
export type CurveKey = `loss.${keyof RunStep['loss']}` | `accuracy.${keyof RunStep['accuracy']}`;

/** A run's step numbers and the numbers of every CurveKey, one column each. */
export interface StepColumns {
  readonly steps: Float64Array;
  /** 1 on a step that diverged. */
  readonly diverged: Uint8Array;
  readonly values: Readonly<Record<CurveKey, Float64Array>>;
}

const columnsOfSteps = new WeakMap<readonly RunStep[], StepColumns>();

/**
 * The columns of a step list, read in one pass over its steps and kept for as long as the
 * list lives. Step lists are never changed in place (a live model's history is a new list
 * with every step), so an opened run is read once: its first drawing, in any chart, only
 * smooths and draws (the import reads it ahead, src/ui/runImport.ts).
 */
export function stepColumns(list: readonly RunStep[]): StepColumns {
  const known = columnsOfSteps.get(list);
  if (known) return known;
  const n = list.length;
  const steps = new Float64Array(n);
  const diverged = new Uint8Array(n);
  const [lossMain, lossAux1, lossAux2, lossTotal, accMain, accAux1, accAux2] = Array.from({ length: 7 }, () => new Float64Array(n)) as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
  for (let i = 0; i < n; i++) {
    const s = list[i]!;
    steps[i] = s.step;
    if (s.diverged) diverged[i] = 1;
    const { loss, accuracy } = s;
    lossMain[i] = loss.main;
    lossAux1[i] = loss.aux1;
    lossAux2[i] = loss.aux2;
    lossTotal[i] = loss.total;
    accMain[i] = accuracy.main;
    accAux1[i] = accuracy.aux1;
    accAux2[i] = accuracy.aux2;
  }
  const values = {
    'loss.main': lossMain, 'loss.aux1': lossAux1, 'loss.aux2': lossAux2, 'loss.total': lossTotal,
    'accuracy.main': accMain, 'accuracy.aux1': accAux1, 'accuracy.aux2': accAux2,
  };
  const columns = { steps, diverged, values };
  columnsOfSteps.set(list, columns);
  return columns;
}

/**
 * One number per step, smoothed (TensorBoard's debiased EMA). An aux head that is off reports NaN
 * by definition: such steps are gaps, not marks; any other non-finite value is kept and marked.
 */
export function curveColumns(run: Run, key: CurveKey, weight: number): Curve {
  const { steps, diverged, values } = stepColumns(run.steps);
  const raw = values[key];
  const aux = key.endsWith('.aux1') || key.endsWith('.aux2');
  const state = new Uint8Array(raw.length);
  let nonFinite = 0;
  let max = 0;
  for (let i = 0; i < raw.length; i++) {
    const v = raw[i]!;
    if (Number.isFinite(v)) {
      if (v > max) max = v;
    } else if (aux && Number.isNaN(v) && !diverged[i]) state[i] = STATE.off;
    else {
      state[i] = STATE.nonFinite;
      nonFinite++;
    }
  }
  return { steps, raw, smoothed: smooth(raw, weight), state, nonFinite, max };
}

/** The same curve as one object per step (for tables and tests). */
export function curve(run: Run, key: CurveKey, weight: number): CurvePoint[] {
  const c = curveColumns(run, key, weight);
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
