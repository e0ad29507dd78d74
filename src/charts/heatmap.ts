/** The pixels of the gradient heatmap (rows = depth points, columns = steps), as pure functions. */
import type { Measure } from '../shared/experiment';
import type { Run } from '../shared/runFile';
import { depthRows, rowValue, type DepthRow } from './data';
import type { Detail } from './types';

export interface HeatmapMatrix {
  readonly rows: readonly DepthRow[];
  /** Step number shown in each column (the last step of the column's bucket). */
  readonly steps: readonly number[];
  /** rows x columns, row-major: values[r * columns + c]. */
  readonly values: Float64Array;
  readonly columns: number;
  /** Smallest and largest positive finite value, or null when there is none. */
  readonly range: readonly [number, number] | null;
}

/** Step indices, one per column, at most maxColumns: each column shows the last step of its equal share of the history. */
export function heatmapColumns(count: number, maxColumns: number): number[] {
  const columns = Math.min(count, Math.max(1, Math.floor(maxColumns)));
  if (count <= 0) return [];
  return Array.from({ length: columns }, (_, c) => Math.floor(((c + 1) * count) / columns) - 1);
}

/** The values behind the heatmap, computed for the displayed columns only. */
export function heatmapMatrix(run: Run, measure: Measure, detail: Detail, maxColumns: number): HeatmapMatrix {
  const rows = depthRows(run.header, measure, detail);
  const indices = heatmapColumns(run.steps.length, maxColumns);
  const columns = indices.length;
  const values = new Float64Array(rows.length * columns);
  let lo = Infinity;
  let hi = -Infinity;
  indices.forEach((s, c) => {
    const step = run.steps[s]!;
    rows.forEach((row, r) => {
      const v = rowValue(run.header, step, measure, row);
      values[r * columns + c] = v;
      if (v > 0 && v !== Infinity) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    });
  });
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
