/**
 * What TimeChart draws for a curve or a series of dots, as pure functions of the data and
 * the geometry: lines decimated per pixel column, the dots' path data and merged non-finite marks.
 * Separate from the component so that it can memoise them per curve.
 */
import { STATE, type Curve } from './curves';
import { atLeast, columnMarks, decimate, dotsPath, linePoints, type ColumnMark } from './decimate';

/**
 * The x and y of the plot, as pixel positions of a step and a value: plain arithmetic, so
 * that the thousands of points of a long history cost no call each.
 */
export interface TimeGeometry {
  /** x = left + (step - first) * perStep. */
  readonly left: number;
  readonly first: number;
  readonly perStep: number;
  /** y = bottom + (value - y0) * perUnit. */
  readonly bottom: number;
  readonly y0: number;
  readonly perUnit: number;
  readonly xOf: (step: number) => number;
  readonly y: (value: number) => number;
  /** Changes whenever xOf or y do: the memo key of what is drawn with them. */
  readonly key: string;
}

/** The geometry of a plot whose x maps `first` to `left` at `perStep` pixels a step and whose y maps `y0` to `bottom` at `perUnit` pixels a unit. */
export function timeGeometry(x: { left: number; first: number; perStep: number }, y: { bottom: number; y0: number; perUnit: number }): TimeGeometry {
  const { left, first, perStep } = x;
  const { bottom, y0, perUnit } = y;
  return {
    left, first, perStep, bottom, y0, perUnit,
    xOf: (step) => left + (step - first) * perStep,
    y: (value) => bottom + (value - y0) * perUnit,
    key: `${left} ${first} ${perStep} ${bottom} ${y0} ${perUnit}`,
  };
}

/**
 * Whether a curve has more steps than the pixel columns it spans: then each column holds a
 * zigzag through its values' extremes (decimate), which reads as a band at any line width.
 * The time charts stroke such a smoothed line 1 px wide rather than 1.75: the same band
 * (under half a pixel thinner at its edges), and 10 to 25 times cheaper to rasterise where
 * the browser draws in software (a canvas of 8 lines of 3,300 points zigzagging 15 to
 * 40 px: 210 to 410 ms at 1.75 px, 17 to 44 ms at 1 px).
 */
export function isDense(c: Curve, g: TimeGeometry): boolean {
  const n = c.steps.length;
  if (n < 2) return false;
  const span = Math.abs((c.steps[n - 1]! - c.steps[0]!) * g.perStep);
  return n > span + 1;
}

/** A curve's two lines (as linePoints) and its non-finite marks (indices into the curve). */
export interface DrawnCurve {
  readonly raw: Float64Array;
  readonly smoothed: Float64Array;
  readonly marks: readonly ColumnMark[];
}

/** drawCurve's x of each point and its pixel column, reused by every call and grown as needed. */
let scratchXs = new Float64Array(0);
let scratchColumns = new Int32Array(0);

/**
 * A curve's raw and smoothed lines, each at most 3 points per pixel column, and one mark per
 * column holding non-finite values. A 10,000-step history is redrawn at every new width:
 * each point costs a few array reads, no call.
 */
export function drawCurve(c: Curve, g: TimeGeometry): DrawnCurve {
  const n = c.steps.length;
  const { left, first, perStep, bottom, y0, perUnit } = g;
  // Scratch, reused by every call: what a curve keeps is its two lines, not these.
  const xs = (scratchXs = atLeast(scratchXs, n, (length) => new Float64Array(length)));
  const columns = (scratchColumns = atLeast(scratchColumns, n, (length) => new Int32Array(length))).subarray(0, n);
  for (let i = 0; i < n; i++) {
    const x = left + (c.steps[i]! - first) * perStep;
    xs[i] = x;
    columns[i] = Math.floor(x);
  }
  const drawn = (i: number) => c.state[i] === STATE.value;
  const line = (values: ArrayLike<number>) =>
    linePoints(decimate(columns, values, c.state), (i) => xs[i]!, (i) => bottom + (values[i]! - y0) * perUnit, drawn);
  const marks = c.nonFinite === 0 ? [] : columnMarks(n, (i) => columns[i]!, (i) => c.state[i] === STATE.nonFinite);
  return { raw: line(c.raw), smoothed: line(c.smoothed), marks };
}

/** Held-out dots as one path, and marks for the non-finite ones (indices into `points`). */
export function drawDots(points: readonly { step: number; value: number }[], g: TimeGeometry, r: number): { d: string; marks: readonly ColumnMark[] } {
  const columns = Int32Array.from(points, (p) => Math.floor(g.xOf(p.step)));
  const values = Float64Array.from(points, (p) => p.value);
  return {
    d: dotsPath(columns, values, (i) => g.xOf(points[i]!.step), (i) => g.y(values[i]!), r),
    marks: columnMarks(points.length, (i) => columns[i]!, (i) => !Number.isFinite(values[i]!)),
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
