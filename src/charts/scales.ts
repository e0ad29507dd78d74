import { scaleLog, type ScaleLogarithmic } from 'd3';
import { formatLogTick, isPow10 } from './format';

/** Where a value lands on a log axis, and how it must be marked. */
export interface Placed {
  /** Pixel position along the axis. */
  readonly at: number;
  /** 'zero': an exact 0, drawn at the floor; 'unplottable': NaN, ±Infinity or negative, drawn at the far end. */
  readonly mark: 'value' | 'zero' | 'unplottable';
}

export interface LogAxis {
  readonly scale: ScaleLogarithmic<number, number>;
  /** The axis' lowest value, where exact zeros are drawn: half the smallest positive value (1e-12 without one). */
  readonly floor: number;
  readonly hasZero: boolean;
  readonly hasUnplottable: boolean;
  place(v: number): Placed;
  /** Tick values and labels (powers of ten when the axis spans a decade or more). */
  ticks(count?: number): { value: number; at: number; label: string }[];
}

/** The default floor when no positive value exists. */
export const EMPTY_FLOOR = 1e-12;

/**
 * A log scale whose domain comes from the positive finite values only; zeros sit at the
 * floor (and are flagged), non-finite and negative values are flagged and placed at the
 * far end of the range (range[1], the top of a y axis). Nothing is dropped.
 */
export function logScale(values: Iterable<number>, range: readonly [number, number]): LogAxis {
  let lo = Infinity;
  let hi = -Infinity;
  let hasZero = false;
  let hasUnplottable = false;
  for (const v of values) {
    if (v === 0) hasZero = true;
    else if (v > 0 && Number.isFinite(v)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    } else hasUnplottable = true;
  }
  const floor = lo === Infinity ? EMPTY_FLOOR : lo / 2;
  const top = hi === -Infinity ? 1 : hi > floor ? hi : floor * 10;
  const scale = scaleLog().domain([floor, top]).range([range[0], range[1]]);
  const place = (v: number): Placed => {
    if (v === 0) return { at: range[0], mark: 'zero' };
    if (v > 0 && Number.isFinite(v)) return { at: scale(Math.max(v, floor)), mark: 'value' };
    return { at: range[1], mark: 'unplottable' };
  };
  const ticks = (count = 5) => logTicks(floor, top, count).map((value) => ({ value, at: scale(value), label: formatLogTick(value) }));
  return { scale, floor, hasZero, hasUnplottable, place, ticks };
}

/** Ticks for [lo, hi]: every k-th power of ten inside it, so that at most `count` remain; fewer than two powers: d3's ticks. */
export function logTicks(lo: number, hi: number, count = 5): number[] {
  const first = Math.ceil(Math.log10(lo) - 1e-9);
  const last = Math.floor(Math.log10(hi) + 1e-9);
  if (last - first >= 1) {
    const every = Math.ceil((last - first + 1) / count);
    const out: number[] = [];
    for (let e = last; e >= first; e -= every) out.unshift(Number(`1e${e}`));
    return out;
  }
  const ticks = scaleLog().domain([lo, hi]).ticks(count);
  const powers = ticks.filter(isPow10);
  return ticks.length <= count ? ticks : powers.length > 0 ? powers : [ticks[0]!, ticks[ticks.length - 1]!];
}
