/**
 * What TimeChart draws for a curve or a series of dots, as pure functions of the data and
 * the geometry: path strings decimated per pixel column and merged non-finite marks.
 * Separate from the component so that it can memoise them per curve.
 */
import { STATE, type Curve } from './curves';
import { columnMarks, decimate, dotsPath, linePath, type ColumnMark } from './decimate';

/** The x and y of the plot, as pixel positions of a step and a value. */
export interface TimeGeometry {
  readonly xOf: (step: number) => number;
  readonly y: (value: number) => number;
  /** Changes whenever xOf or y do: the memo key of what is drawn with them. */
  readonly key: string;
}

/** A curve's two lines and its non-finite marks (indices into the curve). */
export interface DrawnCurve {
  readonly raw: string;
  readonly smoothed: string;
  readonly marks: readonly ColumnMark[];
}

/** A curve's raw and smoothed lines, each at most 3 points per pixel column, and one mark per column holding non-finite values. */
export function drawCurve(c: Curve, g: TimeGeometry): DrawnCurve {
  const n = c.steps.length;
  const columns = new Int32Array(n);
  for (let i = 0; i < n; i++) columns[i] = Math.floor(g.xOf(c.steps[i]!));
  const column = (i: number) => columns[i]!;
  const drawn = (i: number) => c.state[i] === STATE.value;
  const x = (i: number) => g.xOf(c.steps[i]!);
  const line = (values: ArrayLike<number>) => {
    const at = (i: number) => values[i]!;
    return linePath(decimate(n, column, at, drawn), x, (i) => g.y(at(i)), drawn);
  };
  const marks = c.nonFinite === 0 ? [] : columnMarks(n, column, (i) => c.state[i] === STATE.nonFinite);
  return { raw: line(c.raw), smoothed: line(c.smoothed), marks };
}

/** Held-out dots as one path, and marks for the non-finite ones (indices into `points`). */
export function drawDots(points: readonly { step: number; value: number }[], g: TimeGeometry, r: number): { d: string; marks: readonly ColumnMark[] } {
  const column = (i: number) => Math.floor(g.xOf(points[i]!.step));
  const value = (i: number) => points[i]!.value;
  return {
    d: dotsPath(points.length, column, value, (i) => g.xOf(points[i]!.step), (i) => g.y(value(i)), r),
    marks: columnMarks(points.length, column, (i) => !Number.isFinite(value(i))),
  };
}

/** The first and last step of curves and dot series (each in step order); [0, 0] when all are empty. */
export function stepExtent(curves: readonly Curve[], dots: readonly (readonly { step: number }[])[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  const add = (first: number | undefined, last: number | undefined) => {
    if (first === undefined || last === undefined) return;
    lo = Math.min(lo, first);
    hi = Math.max(hi, last);
  };
  for (const c of curves) add(c.steps[0], c.steps[c.steps.length - 1]);
  for (const d of dots) add(d[0]?.step, d[d.length - 1]?.step);
  return lo <= hi ? [lo, hi] : [0, 0];
}
