/**
 * The page's history of one model, bounded: a night of training must not exhaust the
 * tab's memory (about 4.3 KB per step with GoogLeNet's 64 layers, so 40,000 steps of two
 * models unbounded would be about 350 MB). Pure functions over a step list, no DOM; each
 * returns a new list, so React state is never mutated.
 *
 * The policy, for a list whose newest step number is `last`:
 * - the newest `recent` steps are kept in full;
 * - older steps are thinned by a stride: a power of two that depends only on `last` and
 *   doubles each time the list, thinned at the current stride, would outgrow `budget`
 *   (historyStride). An older step is kept when
 *   - its number is a multiple of the stride, or
 *   - it carries per-head numbers and floor(number / perHeadEvery) is a multiple of the
 *     stride, or
 *   - it carries held-out accuracy and floor(number / evalEvery) is a multiple of the
 *     stride, or
 *   - it diverged (non-finite numbers are never dropped).
 *   Counting in intervals keeps a 1/stride share of the per-head and evaluated steps
 *   whatever their phase: per-head steps are 1, k + 1, 2k + 1, ..., which a plain
 *   multiple of an even stride would never hit.
 * Every kept step is whole (all layers and blocks); only whole steps are dropped.
 */
import type { RunStep, TrainingSettings } from './runFile';

/** How much history to keep per model. */
export interface HistoryBudget {
  /** The most steps kept (exceeded only when more steps than `budget - recent` diverged). */
  readonly budget: number;
  /** The newest steps, always kept in full. */
  readonly recent: number;
}

/**
 * 4,000 steps per model, the newest 1,000 in full: about 17 MB per model, 35 MB for a pair,
 * however long the run. Charts are at most a few thousand pixels wide, so the older history
 * still has more steps than a chart has pixel columns until it is hundreds of thousands of steps long.
 */
export const DEFAULT_HISTORY: HistoryBudget = { budget: 4_000, recent: 1_000 };

/** The intervals of the run's per-head and held-out measurements (header.training). */
export type MeasureIntervals = Pick<TrainingSettings, 'perHeadEvery' | 'evalEvery'>;

/** Entries set aside in the stride's estimate for diverged steps (a model pauses at its first one, so one per run is the norm). */
const DIVERGED_RESERVE = 8;
/** Strides stop doubling here (a safeguard: step numbers stay far below it). */
const MAX_STRIDE = 2 ** 30;

/** Whether a step older than the newest `recent` is kept at `stride`. */
export function keptAtStride(step: RunStep, stride: number, intervals: MeasureIntervals): boolean {
  if (step.diverged || step.step % stride === 0) return true;
  if (step.perHead && Math.floor(step.step / Math.max(1, intervals.perHeadEvery)) % stride === 0) return true;
  return step.evalAccuracy !== undefined && Math.floor(step.step / Math.max(1, intervals.evalEvery)) % stride === 0;
}

/**
 * The stride of the history whose newest step is `last`: the smallest power of two at which
 * steps 1..last, thinned as above, fit the budget. Counted for a run that reports every step
 * from 1 (a live run), generously (overlaps counted twice), so the bound holds for any list
 * of distinct step numbers that measures on its header's intervals.
 */
export function historyStride(last: number, intervals: MeasureIntervals, budget: HistoryBudget = DEFAULT_HISTORY): number {
  const room = budget.budget - budget.recent - DIVERGED_RESERVE;
  if (!(budget.recent >= 0 && room >= 3)) {
    throw new RangeError(`a history budget needs at least ${DIVERGED_RESERVE + 3} more steps than its recent ones (got ${budget.budget} and ${budget.recent})`);
  }
  const older = Math.max(0, last - budget.recent);
  // Counting in intervals of 1 picks the same steps as the stride itself: nothing extra.
  const extra = (every: number, stride: number) => (every > 1 ? Math.floor(older / (every * stride)) + 1 : 0);
  let stride = 1;
  while (stride < MAX_STRIDE && Math.floor(older / stride) + extra(intervals.perHeadEvery, stride) + extra(intervals.evalEvery, stride) > room) stride *= 2;
  return stride;
}

/** The list with every step older than the newest `recent` thinned to the stride; the stride doubles further if the list still does not fit (more diverged steps than the reserve). */
function thinned(steps: readonly RunStep[], intervals: MeasureIntervals, budget: HistoryBudget): RunStep[] {
  const last = steps[steps.length - 1]?.step ?? 0;
  const cut = Math.max(0, steps.length - budget.recent);
  let stride = historyStride(last, intervals, budget);
  for (;;) {
    const older = steps.slice(0, cut).filter((s) => keptAtStride(s, stride, intervals));
    if (older.length + steps.length - cut <= budget.budget || stride >= MAX_STRIDE) return [...older, ...steps.slice(cut)];
    stride *= 2;
  }
}

/**
 * `steps` with `step` appended and the history kept within the budget. A step whose number
 * does not come after the last replaces every step from its number on (the run file's
 * order stays strictly increasing). Usually costs one copy of the list; thinning the whole
 * list happens only when the stride doubles.
 */
export function appendBounded(steps: readonly RunStep[], step: RunStep, intervals: MeasureIntervals, budget: HistoryBudget = DEFAULT_HISTORY): RunStep[] {
  const last = steps[steps.length - 1];
  if (last && step.step <= last.step) return thinned([...steps.filter((s) => s.step < step.step), step], intervals, budget);
  const stride = historyStride(step.step, intervals, budget);
  if (stride !== historyStride(last?.step ?? 0, intervals, budget)) return thinned([...steps, step], intervals, budget);
  // The older steps were thinned at this stride already: only the one leaving the recent window is judged.
  const leaving = steps.length - budget.recent;
  const next = leaving >= 0 && !keptAtStride(steps[leaving]!, stride, intervals)
    ? [...steps.slice(0, leaving), ...steps.slice(leaving + 1), step]
    : [...steps, step];
  return next.length > budget.budget ? thinned(next, intervals, budget) : next;
}

/** What a bounded history holds, for a sentence like "before step 38,001: every 16th step". */
export interface HistoryResolution {
  /** Older steps are kept every `stride`-th step (1: nothing was thinned). */
  readonly stride: number;
  /** The first step from which every step is kept; null for an empty history. */
  readonly fullFrom: number | null;
}

/** The resolution of a list built by appendBounded with the same intervals and budget. */
export function historyResolution(steps: readonly RunStep[], intervals: MeasureIntervals, budget: HistoryBudget = DEFAULT_HISTORY): HistoryResolution {
  const last = steps[steps.length - 1];
  if (!last) return { stride: 1, fullFrom: null };
  const stride = historyStride(last.step, intervals, budget);
  const first = stride === 1 ? steps[0]! : steps[Math.max(0, steps.length - budget.recent)]!;
  return { stride, fullFrom: first.step };
}

/** "History before step 3001 shown every 4th step (and every diverged, evaluated and per-head step kept there)", or null when nothing was thinned. */
export function historyNote(resolution: HistoryResolution): string | null {
  const { stride, fullFrom } = resolution;
  if (stride === 1 || fullFrom === null) return null;
  const teen = stride % 100 >= 11 && stride % 100 <= 13;
  const suffix = teen ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[stride % 10] ?? 'th';
  return `History before step ${fullFrom} shown every ${stride}${suffix} step (with a share of the per-head and evaluated steps, and every diverged one).`;
}
