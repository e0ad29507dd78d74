/**
 * Long series reduced to what a pixel can show, as pure functions over point indices
 * 0..n-1 in step order. A chart passes `column(i)`: the pixel column (an integer) point i
 * is drawn in. Nothing a person could see is lost: each column keeps its extremes and its
 * first gap, and its non-finite values become one mark that counts them all.
 */

/** Appends the indices among a, b, c that are >= 0, ascending, each once (no array per pixel column). */
function pushInOrder(out: number[], a: number, b: number, c: number): void {
  let [x, y, z] = [a, b, c];
  if (x > y) [x, y] = [y, x];
  if (y > z) [y, z] = [z, y];
  if (x > y) [x, y] = [y, x];
  if (x >= 0) out.push(x);
  if (y >= 0 && y !== x) out.push(y);
  if (z >= 0 && z !== y) out.push(z);
}

/**
 * Indices to draw: in each pixel column the lowest and the highest defined point, in step
 * order (a spike survives, and the line spans the column's whole range), and the first
 * undefined one, so the line still breaks there. At most 3 per column; a series with at
 * most 3 points per column on average is kept whole.
 */
export function decimate(n: number, column: (i: number) => number, value: (i: number) => number, defined: (i: number) => boolean): number[] {
  if (n === 0) return [];
  if (n <= 3 * (Math.abs(column(n - 1) - column(0)) + 1)) return Array.from({ length: n }, (_, i) => i);
  const out: number[] = [];
  let start = 0;
  while (start < n) {
    const c = column(start);
    let end = start;
    let lo = -1;
    let hi = -1;
    let low = Infinity;
    let high = -Infinity;
    let gap = -1;
    for (; end < n && column(end) === c; end++) {
      if (!defined(end)) {
        if (gap < 0) gap = end;
        continue;
      }
      const v = value(end);
      if (v < low) {
        lo = end;
        low = v;
      }
      if (v > high) {
        hi = end;
        high = v;
      }
    }
    pushInOrder(out, lo, hi, gap);
    start = end;
  }
  return out;
}

/**
 * A coordinate rounded to 0.1 px as text, as String(Math.round(v * 10) / 10) writes it
 * ("12", "12.5", "-0.3"), from integers: converting a fraction to text costs several
 * times more, and a long line has thousands.
 */
export function fixed1(v: number): string {
  const tenths = Math.round(v * 10);
  const size = tenths < 0 ? -tenths : tenths;
  const digit = size % 10;
  const whole = (size - digit) / 10;
  return (tenths < 0 ? '-' : '') + (digit === 0 ? String(whole) : `${whole}.${digit}`);
}

/**
 * The `d` of a polyline through the defined points of `indices`, broken at the others;
 * coordinates rounded to 0.1 px. A point within half a pixel of the one before it is left
 * out (a smooth line needs about one point per pixel column, not three): fewer segments to
 * parse, lay out and paint. Plain concatenation: d3's path builder costs several times more
 * on long lines.
 */
export function linePath(indices: readonly number[], x: (i: number) => number, y: (i: number) => number, defined: (i: number) => boolean): string {
  let d = '';
  let pen = false;
  let lastX = NaN;
  let lastY = NaN;
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    if (!defined(i)) {
      pen = false;
      continue;
    }
    const px = x(i);
    const py = y(i);
    const next = indices[k + 1];
    // The last point before a gap or the end is always drawn, so the line reaches it.
    const ends = next === undefined || !defined(next);
    if (pen && !ends && Math.abs(px - lastX) < 0.5 && Math.abs(py - lastY) < 0.5) continue;
    d += (pen ? 'L' : 'M') + fixed1(px) + ',' + fixed1(py);
    [pen, lastX, lastY] = [true, px, py];
  }
  return d;
}

/** One mark for the flagged points of a pixel column: the first of them, how many, and the last. */
export interface ColumnMark {
  readonly first: number;
  readonly last: number;
  readonly count: number;
}

/** The points `flagged` (e.g. non-finite), merged to one mark per pixel column; every flagged point is counted in a mark. */
export function columnMarks(n: number, column: (i: number) => number, flagged: (i: number) => boolean): ColumnMark[] {
  const marks: ColumnMark[] = [];
  let at = NaN;
  for (let i = 0; i < n; i++) {
    if (!flagged(i)) continue;
    const c = column(i);
    const open = marks[marks.length - 1];
    if (open && c === at) marks[marks.length - 1] = { first: open.first, last: i, count: open.count + 1 };
    else marks.push({ first: i, last: i, count: 1 });
    at = c;
  }
  return marks;
}

/** "at step 12" or "at steps 12 to 40 (3 values)", for the title of a mark; step(i) is point i's step number. */
export function markSteps(mark: ColumnMark, step: (i: number) => number): string {
  return mark.count === 1 ? `at step ${step(mark.first)}` : `at steps ${step(mark.first)} to ${step(mark.last)} (${mark.count} values)`;
}

/**
 * Dots (held-out accuracy) as the `d` of one path: a circle of radius `r` per finite dot,
 * at most the lowest and the highest of each pixel column (dots closer than a pixel overlap
 * anyway). One element however many dots there are; non-finite dots are left to columnMarks.
 */
export function dotsPath(n: number, column: (i: number) => number, value: (i: number) => number, x: (i: number) => number, y: (i: number) => number, r: number): string {
  const finite = (i: number) => Number.isFinite(value(i));
  const arcs = `a${r},${r} 0 1,0 ${2 * r},0a${r},${r} 0 1,0 ${-2 * r},0`;
  let d = '';
  for (const i of decimate(n, column, value, finite)) {
    if (finite(i)) d += `M${fixed1(x(i) - r)},${fixed1(y(i))}${arcs}`;
  }
  return d;
}
