/** The pixels of the gradient heatmap (rows = depth points, columns = steps), as pure functions. */
import type { Measure } from '../shared/experiment';
import type { Run, RunStep } from '../shared/runFile';
import { depthRows, rowValue, type DepthRow } from './data';
import type { Detail } from './types';

export interface HeatmapMatrix {
  readonly rows: readonly DepthRow[];
  /** Step number shown in each column (the last step of the column's share, or its first diverged one); non-decreasing. */
  readonly steps: readonly number[];
  /** rows x columns, row-major: values[r * columns + c]. */
  readonly values: Float64Array;
  readonly columns: number;
  /** Smallest and largest positive finite value, or null when there is none. */
  readonly range: readonly [number, number] | null;
}

/**
 * Step indices, one per column, at most maxColumns. Columns split the step numbers from
 * the first to the last evenly (a bounded history is sparser in its older part, and the
 * axis stays linear in steps); each shows the last step of its share, or the first diverged
 * one there, so a divergence is never hidden. A share with no step of its own repeats the
 * column before it (one wider cell).
 */
export function heatmapColumns(steps: readonly Pick<RunStep, 'step' | 'diverged'>[], maxColumns: number): number[] {
  const count = steps.length;
  const columns = Math.min(count, Math.max(1, Math.floor(maxColumns)));
  if (count === 0) return [];
  if (columns === count) return Array.from({ length: count }, (_, i) => i);
  const first = steps[0]!.step;
  const span = steps[count - 1]!.step - first;
  const out: number[] = [];
  let next = 0;
  for (let c = 0; c < columns; c++) {
    const bound = c === columns - 1 ? Infinity : first + ((c + 1) * span) / columns;
    let shown = next - 1;
    let diverged = -1;
    for (; next < count && steps[next]!.step <= bound; next++) {
      shown = next;
      if (diverged < 0 && steps[next]!.diverged) diverged = next;
    }
    out.push(diverged >= 0 ? diverged : Math.max(0, shown));
  }
  return out;
}

/** The values behind the heatmap, computed for the displayed columns only. */
export function heatmapMatrix(run: Run, measure: Measure, detail: Detail, maxColumns: number): HeatmapMatrix {
  const rows = depthRows(run.header, measure, detail);
  const indices = heatmapColumns(run.steps, maxColumns);
  const columns = indices.length;
  const values = new Float64Array(rows.length * columns);
  let lo = Infinity;
  let hi = -Infinity;
  // Plain loops: every cell is computed again with every step.
  for (let c = 0; c < columns; c++) {
    const step = run.steps[indices[c]!]!;
    for (let r = 0; r < rows.length; r++) {
      const v = rowValue(run.header, step, measure, rows[r]!);
      values[r * columns + c] = v;
      if (v > 0 && v !== Infinity) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
  }
  const steps = indices.map((i) => run.steps[i]!.step);
  return { rows, steps, values, columns, range: lo === Infinity ? null : [lo, hi] };
}

/** Colours of the three kinds of cell. table: n RGB triples of the sequential scale (theme.colourTable). */
export interface HeatmapPalette {
  readonly table: Uint8Array;
  readonly zero: readonly [number, number, number];
  readonly nonFinite: readonly [number, number, number];
}

/** RGBA pixels, one per cell (width = columns, height = rows): log colour for positive values, palette.zero for 0, palette.nonFinite otherwise. */
export function heatmapPixels(m: HeatmapMatrix, palette: HeatmapPalette): Uint8ClampedArray<ArrayBuffer> {
  const { table, zero, nonFinite } = palette;
  const n = table.length / 3;
  const out = new Uint8ClampedArray(m.values.length * 4);
  const [lo, hi] = m.range ?? [1, 10];
  const logLo = Math.log(lo);
  const scale = hi > lo ? (n - 1) / (Math.log(hi) - logLo) : 0;
  for (let i = 0; i < m.values.length; i++) {
    const v = m.values[i]!;
    const o = i * 4;
    if (v > 0 && v !== Infinity) {
      const k = Math.min(n - 1, Math.max(0, Math.round((Math.log(v) - logLo) * scale))) * 3;
      out[o] = table[k]!;
      out[o + 1] = table[k + 1]!;
      out[o + 2] = table[k + 2]!;
    } else {
      const c = v === 0 ? zero : nonFinite;
      out[o] = c[0];
      out[o + 1] = c[1];
      out[o + 2] = c[2];
    }
    out[o + 3] = 255;
  }
  return out;
}

/** The column showing `step` (the first column whose step is >= step), or -1 past the end. */
export function columnOfStep(steps: readonly number[], step: number): number {
  let lo = 0;
  let hi = steps.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (steps[mid]! < step) lo = mid + 1;
    else hi = mid;
  }
  return lo < steps.length ? lo : -1;
}
