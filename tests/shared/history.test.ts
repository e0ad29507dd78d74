import { describe, expect, it } from 'vitest';
import { appendBounded, DEFAULT_HISTORY, historyNote, historyResolution, historyStride, keptAtStride, type HistoryBudget } from '../../src/shared/history';
import type { RunStep } from '../../src/shared/runFile';

const INTERVALS = { perHeadEvery: 10, evalEvery: 50 };
const LAYERS = { gradNorm: [1], gradRms: [1], gradMeanAbs: [1], gradMaxAbs: [1], weightNorm: [1], updateRatio: [1] };
const HEADS = { main: [1], aux1: [1], aux2: [1] };

/** A step as the trainer reports it: per-head numbers on steps 1, k + 1, 2k + 1, ..., held-out accuracy every N-th step. */
function step(n: number, diverged = false): RunStep {
  return {
    step: n,
    loss: { main: 1, aux1: 1, aux2: 1, total: 1 },
    accuracy: { main: 0.5, aux1: 0.5, aux2: 0.5 },
    layers: LAYERS,
    actGradRms: [1],
    ...((n - 1) % INTERVALS.perHeadEvery === 0 && { perHead: { gradNorm: HEADS, actGradRms: HEADS } }),
    ...(n % INTERVALS.evalEvery === 0 && { evalAccuracy: { main: 0.5, aux1: 0.5, aux2: 0.5 } }),
    ...(diverged && { diverged: { where: 'conv1/3x3 (gradient NaN)' } }),
  };
}

/** Appends steps 1..count (diverged where `divergedAt` says) and checks `check` after every append. */
function grow(count: number, budget: HistoryBudget, divergedAt: ReadonlySet<number> = new Set(), check?: (steps: readonly RunStep[]) => void): RunStep[] {
  let steps: RunStep[] = [];
  for (let n = 1; n <= count; n++) {
    steps = appendBounded(steps, step(n, divergedAt.has(n)), INTERVALS, budget);
    check?.(steps);
  }
  return steps;
}

const numbers = (steps: readonly RunStep[]) => steps.map((s) => s.step);

describe('bounded history', () => {
  const diverged = new Set([777, 12_345, 54_321, 99_001]);
  const night = grow(100_000, DEFAULT_HISTORY, diverged, (steps) => {
    if (steps.length > DEFAULT_HISTORY.budget) throw new Error(`${steps.length} steps kept at step ${steps[steps.length - 1]!.step}`);
  });

  it('never holds more than the budget over 100,000 appends', () => {
    expect(night.length).toBeLessThanOrEqual(DEFAULT_HISTORY.budget);
    // ...and uses a fair share of it: the history is thinned, not emptied.
    expect(night.length).toBeGreaterThan(DEFAULT_HISTORY.budget / 2);
  });

  it('keeps the most recent steps complete', () => {
    expect(numbers(night.slice(-DEFAULT_HISTORY.recent))).toStrictEqual(Array.from({ length: DEFAULT_HISTORY.recent }, (_, i) => 100_000 - DEFAULT_HISTORY.recent + 1 + i));
  });

  it('never drops a diverged step', () => {
    expect(night.filter((s) => s.diverged).map((s) => s.step)).toStrictEqual([...diverged]);
  });

  it('keeps step numbers strictly increasing, starting at step 1', () => {
    const n = numbers(night);
    expect(n[0]).toBe(1);
    expect(n.every((v, i) => i === 0 || v > n[i - 1]!)).toBe(true);
  });

  it('keeps older steps on the stride, and a 1/stride share of the per-head and evaluated ones', () => {
    const { stride, fullFrom } = historyResolution(night, INTERVALS);
    expect(stride).toBe(historyStride(100_000, INTERVALS));
    expect(stride).toBeGreaterThan(1);
    const older = night.filter((s) => s.step < fullFrom!);
    expect(older.every((s) => keptAtStride(s, stride, INTERVALS))).toBe(true);
    // Every multiple of the stride is there...
    expect(older.filter((s) => s.step % stride === 0)).toHaveLength(Math.floor((fullFrom! - 1) / stride));
    // ...and one per-head step in every perHeadEvery x stride steps, one evaluated step in every evalEvery x stride.
    for (const [kind, every] of [['perHead', INTERVALS.perHeadEvery], ['evalAccuracy', INTERVALS.evalEvery]] as const) {
      const kept = older.filter((s) => s[kind] !== undefined).map((s) => s.step);
      const gaps = kept.slice(1).map((v, i) => v - kept[i]!);
      expect(Math.max(...gaps)).toBeLessThanOrEqual(every * stride);
    }
  });

  it('is deterministic: the same appends give the same history', () => {
    expect(numbers(grow(100_000, DEFAULT_HISTORY, diverged))).toStrictEqual(numbers(night));
  });

  it('keeps a night of training (40,000 steps) within the budget, so two models hold at most 8,000 steps', () => {
    const steps = grow(40_000, DEFAULT_HISTORY);
    expect(steps.length).toBeLessThanOrEqual(DEFAULT_HISTORY.budget);
    expect(historyResolution(steps, INTERVALS)).toStrictEqual({ stride: 16, fullFrom: 39_001 });
  });
});

describe('appendBounded', () => {
  const small: HistoryBudget = { budget: 40, recent: 10 };

  it('appends without thinning while the history fits (with room set aside for extras and diverged steps)', () => {
    const steps = grow(25, small);
    expect(numbers(steps)).toStrictEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(historyResolution(steps, INTERVALS, small)).toStrictEqual({ stride: 1, fullFrom: 1 });
    expect(historyNote(historyResolution(steps, INTERVALS, small))).toBeNull();
  });

  it('doubles the stride as the history grows, and says so', () => {
    const strides = [41, 100, 1_000, 10_000].map((n) => historyStride(n, INTERVALS, small));
    expect(strides.every((s, i) => i === 0 || s >= strides[i - 1]!)).toBe(true);
    expect(strides.every((s) => Number.isInteger(Math.log2(s)))).toBe(true);
    const steps = grow(1_000, small);
    expect(steps.length).toBeLessThanOrEqual(small.budget);
    const resolution = historyResolution(steps, INTERVALS, small);
    expect(resolution).toStrictEqual({ stride: historyStride(1_000, INTERVALS, small), fullFrom: 991 });
    expect(historyNote(resolution)).toBe(`History before step 991 shown every ${resolution.stride}th step (with a share of the per-head and evaluated steps, and every diverged one).`);
  });

  it('never mutates the list it is given', () => {
    const steps = grow(60, small);
    const copy = [...steps];
    const next = appendBounded(steps, step(61), INTERVALS, small);
    expect(steps).toStrictEqual(copy);
    expect(next).not.toBe(steps);
    expect(next[next.length - 1]!.step).toBe(61);
  });

  it('replaces the steps from a repeated or older step number on', () => {
    const steps = grow(20, small);
    const again = appendBounded(steps, { ...step(15), loss: { main: 9, aux1: 9, aux2: 9, total: 9 } }, INTERVALS, small);
    expect(numbers(again)).toStrictEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    expect(again[14]!.loss.main).toBe(9);
  });

  it('keeps every diverged step even when they alone crowd the budget, thinning the rest harder', () => {
    const every = new Set(Array.from({ length: 25 }, (_, i) => 7 + 31 * i));
    const steps = grow(2_000, small, every, (s) => expect(s.length).toBeLessThanOrEqual(small.budget));
    expect(steps.filter((s) => s.diverged).map((s) => s.step)).toStrictEqual([...every]);
  });

  it('refuses a budget with no room for older steps', () => {
    expect(() => historyStride(1, INTERVALS, { budget: 10, recent: 10 })).toThrow(RangeError);
  });
});
