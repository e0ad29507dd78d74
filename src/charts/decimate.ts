/**
 * Long series reduced to what a pixel can show, as pure functions over point indices
 * 0..n-1 in step order. A chart passes each point's pixel column (an integer). Nothing a
 * person could see is lost: each column keeps its extremes and its first gap, and its
 * non-finite values become one mark that counts them all. Results are typed arrays, not
 * strings or arrays of numbers: a 10,000-step history is reduced again at every new width,
 * and what that leaves to collect should be little.
 */

/** Writes the indices among a, b, c that are >= 0 to `out` from `at`, ascending, each once; returns the new end. Plain swaps: no array per pixel column, even before the function is optimised. */
function putInOrder(out: Int32Array, at: number, a: number, b: number, c: number): number {
  let x = a;
  let y = b;
  let z = c;
  if (x > y) {
    const t = x;
    x = y;
    y = t;
  }
  if (y > z) {
    const t = y;
    y = z;
    z = t;
  }
  if (x > y) {
    const t = x;
    x = y;
    y = t;
  }
  let end = at;
  if (x >= 0) out[end++] = x;
  if (y >= 0 && y !== x) out[end++] = y;
  if (z >= 0 && z !== y) out[end++] = z;
  return end;
}

/**
 * `buffer` when it holds at least `size` elements, else a new one of `make` twice as large
 * (or `size`): scratch space reused by every call (charts draw one line at a time), so that
 * the garbage of a redraw is only what it keeps. Its contents are left over from earlier calls.
 */
export function atLeast<T extends Float64Array | Int32Array>(buffer: T, size: number, make: (length: number) => T): T {
  return buffer.length >= size ? buffer : make(Math.max(size, 2 * buffer.length));
}

/** linePoints' points and decimate's indices, before they are copied out at their size. */
let scratchPoints = new Float64Array(0);
let scratchIndices = new Int32Array(0);

/**
 * Indices to draw: in each pixel column the lowest and the highest defined point, in step
 * order (a spike survives, and the line spans the column's whole range), and the first
 * undefined one, so the line still breaks there. At most 3 per column; a series with at
 * most 3 points per column on average is kept whole. `columns[i]` is the pixel column of
 * point i (an integer, in order); `gaps[i]` is 0 where point i is defined, anything else
 * where it is not. Arrays, not calls: a long history has many thousand points.
 */
export function decimate(columns: ArrayLike<number>, values: ArrayLike<number>, gaps: ArrayLike<number>): Int32Array {
  const n = columns.length;
  const spread = n === 0 ? 0 : Math.abs(columns[n - 1]! - columns[0]!) + 1;
  if (n <= 3 * spread) return Int32Array.from({ length: n }, (_, i) => i);
  // At most 3 a column, and no more than there are points: written to a scratch buffer, then copied out at its size.
  const out = (scratchIndices = atLeast(scratchIndices, n, (length) => new Int32Array(length)));
  let count = 0;
  let start = 0;
  while (start < n) {
    const c = columns[start]!;
    let end = start;
    let lo = -1;
    let hi = -1;
    let low = Infinity;
    let high = -Infinity;
    let gap = -1;
    for (; end < n && columns[end] === c; end++) {
      if (gaps[end] !== 0) {
        if (gap < 0) gap = end;
        continue;
      }
      const v = values[end]!;
      if (v < low) {
        lo = end;
        low = v;
      }
      if (v > high) {
        hi = end;
        high = v;
      }
    }
    count = putInOrder(out, count, lo, hi, gap);
    start = end;
  }
  return out.slice(0, count);
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
 * A polyline through the defined points of `indices`, broken at the others, as its points:
 * x, y pairs, a NaN pair before each point the pen moves to (the first, and the first
 * after a gap). A point within half a pixel of the one before it is left out (a smooth line
 * needs about one point per pixel column, not three): fewer segments to stroke. A canvas
 * draws them as they are (traceLine); an SVG takes them as path data (pathData).
 */
export function linePoints(indices: ArrayLike<number>, x: (i: number) => number, y: (i: number) => number, defined: (i: number) => boolean): Float64Array {
  // Each index gives at most a point and the break before it: written to a scratch buffer, then copied out at its size.
  const out = (scratchPoints = atLeast(scratchPoints, 4 * indices.length, (length) => new Float64Array(length)));
  let at = 0;
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
    // The last point before a gap or the end is always drawn, so the line reaches it.
    const ends = k + 1 === indices.length || !defined(indices[k + 1]!);
    if (pen && !ends && Math.abs(px - lastX) < 0.5 && Math.abs(py - lastY) < 0.5) continue;
    if (!pen) {
      out[at++] = NaN;
      out[at++] = NaN;
    }
    out[at++] = px;
    out[at++] = py;
    pen = true;
    lastX = px;
    lastY = py;
  }
  return out.slice(0, at);
}

/** The points of linePoints as SVG path data, coordinates rounded to 0.1 px: what traceLine draws. Plain concatenation: d3's path builder costs several times more on long lines. */
export function pathData(points: Float64Array): string {
  let d = '';
  traceLine({
    moveTo: (x, y) => void (d += 'M' + fixed1(x) + ',' + fixed1(y)),
    lineTo: (x, y) => void (d += 'L' + fixed1(x) + ',' + fixed1(y)),
  }, points);
  return d;
}

/** Adds the points of linePoints to a canvas path (moves at the breaks). */
export function traceLine(context: { moveTo(x: number, y: number): void; lineTo(x: number, y: number): void }, points: Float64Array): void {
  let move = false;
  for (let k = 0; k < points.length; k += 2) {
    const px = points[k]!;
    if (Number.isNaN(px)) {
      move = true;
      continue;
    }
    if (move) context.moveTo(px, points[k + 1]!);
    else context.lineTo(px, points[k + 1]!);
    move = false;
  }
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
export function dotsPath(columns: ArrayLike<number>, values: ArrayLike<number>, x: (i: number) => number, y: (i: number) => number, r: number): string {
  const gaps = Uint8Array.from(values, (v) => (Number.isFinite(v) ? 0 : 1));
  const arcs = `a${r},${r} 0 1,0 ${2 * r},0a${r},${r} 0 1,0 ${-2 * r},0`;
  let d = '';
  for (const i of decimate(columns, values, gaps)) {
    if (gaps[i] === 0) d += `M${fixed1(x(i) - r)},${fixed1(y(i))}${arcs}`;
  }
  return d;
}
