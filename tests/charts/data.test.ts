import { describe, expect, it } from 'vitest';
import {
  blockOfLayer, depthPoints, depthRows, headSeries, latestCommonStep, latestPerHeadIndex, ratioPoints, smooth, trailIndices,
} from '../../src/charts/data';
import { logScale, logTicks } from '../../src/charts/scales';
import { formatValue, sig2 } from '../../src/charts/format';
import { tinyRun, tinyStep } from './fixtures';

// Tiny run layers: conv1/3x3 (100), conv2/3x3_reduce (50), conv2/3x3 (200), inception_4a/1x1 (40), inception_4a/3x3 (60), loss3/classifier (110), loss1/fc (30).
const NORMS = [0.001, 3, 4, 0.6, 0.8, 2, 5];

describe('depth order and blocks', () => {
  it('blockOfLayer maps the pinned layer names to depth groups', () => {
    expect(blockOfLayer('conv1/7x7_s2')).toBe('conv1');
    expect(blockOfLayer('conv2/3x3_reduce')).toBe('conv2');
    expect(blockOfLayer('inception_4d/pool_proj')).toBe('inception_4d');
    expect(blockOfLayer('loss3/classifier')).toBe('classifier');
    expect(blockOfLayer('loss1/fc')).toBe('aux1');
    expect(blockOfLayer('loss2/conv')).toBe('aux2');
  });

  it('block detail aggregates a block exactly: norm of norms, RMS over all parameters, params-weighted mean, max', () => {
    const run = tinyRun([tinyStep(1, NORMS)]);
    const at = (measure: Parameters<typeof depthPoints>[2]) => depthPoints(run, 0, measure, 'block').find((p) => p.key === 'conv2')!.value;
    expect(at('gradNorm')).toBeCloseTo(5, 12); // sqrt(3² + 4²)
    expect(at('gradRms')).toBeCloseTo(Math.sqrt(25 / 250), 12);
    const mean = ((3 / 50) * 0.8 * 50 + (4 / 200) * 0.8 * 200) / 250;
    expect(at('gradMeanAbs')).toBeCloseTo(mean, 12);
    expect(at('gradMaxAbs')).toBe(2);
  });

  it('depthRows gives the same rows for the same header and detail, whatever the measure, and each header its own', () => {
    const run = tinyRun([tinyStep(1, NORMS)]);
    const rows = depthRows(run.header, 'gradRms', 'block');
    expect(depthRows(run.header, 'gradNorm', 'block')).toBe(rows);
    expect(depthRows(run.header, 'gradRms', 'layer')).not.toBe(rows);
    expect(depthRows(run.header, 'actGradRms', 'layer')).toBe(depthRows(run.header, 'actGradRms', 'block'));
    const other = { ...run.header, layers: run.header.layers.slice(0, 3) };
    expect(depthRows(other, 'gradRms', 'block').map((r) => r.key)).toEqual(['conv1', 'conv2']);
    expect(rows.map((r) => r.key)).toEqual(['conv1', 'conv2', 'inception_4a', 'classifier']);
  });

  it('block detail gives conv1, conv2, the inception blocks, then the classifier, without aux layers', () => {
    const points = depthPoints(tinyRun([tinyStep(1, NORMS)]), 0, 'gradRms', 'block');
    expect(points.map((p) => p.key)).toEqual(['conv1', 'conv2', 'inception_4a', 'classifier']);
    expect(points.map((p) => p.label)).toEqual(['conv1', 'conv2', '4a', 'cls']);
    // A single-layer group keeps the layer's own value.
    expect(points[3]!.value).toBe(2 / Math.sqrt(110));
  });

  it('layer detail lists every trunk layer in order, then loss3/classifier; aux-head layers are left out', () => {
    const points = depthPoints(tinyRun([tinyStep(1, NORMS)]), 0, 'gradNorm', 'layer');
    expect(points.map((p) => p.key)).toEqual(['conv1/3x3', 'conv2/3x3_reduce', 'conv2/3x3', 'inception_4a/1x1', 'inception_4a/3x3', 'loss3/classifier']);
    expect(points.map((p) => p.value)).toEqual([0.001, 3, 4, 0.6, 0.8, 2]);
    expect(points.map((p) => p.kind)).toEqual(['stem', 'stem', 'stem', 'inception', 'inception', 'classifier']);
  });

  it('actGradRms gives each block its own value and no classifier point, whatever the detail', () => {
    for (const detail of ['block', 'layer'] as const) {
      const points = depthPoints(tinyRun([tinyStep(1, NORMS)]), 0, 'actGradRms', detail);
      expect(points.map((p) => [p.key, p.value])).toEqual([['conv1', 1e-4], ['conv2', 1e-3], ['inception_4a', 1e-2]]);
    }
  });

  it('keeps zeros as zeros and lets NaN and infinities through the aggregates', () => {
    const run = tinyRun([tinyStep(1, [0, 0, 0, NaN, 1, Infinity, 1])]);
    const byKey = (m: 'gradNorm' | 'gradRms' | 'gradMeanAbs' | 'gradMaxAbs') => Object.fromEntries(depthPoints(run, 0, m, 'block').map((p) => [p.key, p.value]));
    for (const m of ['gradNorm', 'gradRms', 'gradMeanAbs', 'gradMaxAbs'] as const) {
      expect(byKey(m).conv2).toBe(0);
      expect(byKey(m).inception_4a).toBeNaN();
      expect(byKey(m).classifier).toBe(Infinity);
    }
  });

  it('gives [] for a step that does not exist', () => {
    expect(depthPoints(tinyRun([]), 0, 'gradRms', 'block')).toEqual([]);
  });
});

describe('per-head series', () => {
  const perHead = (main: number[], aux1: number[]) => ({ gradNorm: { main, aux1, aux2: main.map(() => 0) }, actGradRms: { main: [0, 0, 0], aux1: [0, 0, 0], aux2: [0, 0, 0] } });

  it('latestPerHeadIndex finds the last step with per-head numbers', () => {
    const run = tinyRun([tinyStep(1, NORMS, { perHead: perHead(NORMS, NORMS) }), tinyStep(2, NORMS, { perHead: perHead(NORMS, NORMS) }), tinyStep(3, NORMS)]);
    expect(latestPerHeadIndex(run)).toBe(1);
    expect(latestPerHeadIndex(tinyRun([tinyStep(1, NORMS)]))).toBe(-1);
  });

  it('headSeries aggregates each head over a block as the norm of the norms', () => {
    const main = [1, 3, 4, 0, 0, 2, 0];
    const aux1 = [2, 6, 8, 1, 1, 0, 5];
    const run = tinyRun([tinyStep(4, NORMS, { perHead: perHead(main, aux1) })]);
    const series = headSeries(run, 0, 'block')!;
    expect(series.step).toBe(4);
    const conv2 = series.points.find((p) => p.key === 'conv2')!;
    expect(conv2.norms.main).toBeCloseTo(5, 12);
    expect(conv2.norms.aux1).toBeCloseTo(10, 12);
    expect(conv2.norms.aux2).toBe(0);
    expect(series.points.find((p) => p.key === 'classifier')!.norms).toEqual({ main: 2, aux1: 0, aux2: 0 });
    expect(headSeries(run, 5)).toBeNull();
  });
});

describe('smooth (TensorBoard debiased EMA)', () => {
  it('weight 0 returns the values, and the first smoothed value is the first value', () => {
    expect([...smooth([3, 1, 4], 0)]).toEqual([3, 1, 4]);
    expect(smooth([3, 1, 4], 0.9)[0]).toBeCloseTo(3, 12);
  });

  it('matches the debiased EMA by hand', () => {
    // last = 0.5·0 + 0.5·1 = 0.5 at n = 2 (after 0 at n = 1), debiased by 1 - 0.5² = 0.75.
    const [a, b] = smooth([0, 1], 0.5);
    expect(a).toBe(0);
    expect(b).toBeCloseTo(0.5 / 0.75, 12);
    expect(Array.from(smooth([2, 2, 2, 2], 0.6), (v) => Number(v.toFixed(12)))).toEqual([2, 2, 2, 2]);
  });

  it('gives on long series exactly what the running product gives, for any weight', () => {
    // The running product of w as first written, multiplied all the way down (into subnormals).
    const reference = (values: readonly number[], w: number) => {
      let last = 0;
      let debias = 1;
      return values.map((v) => {
        if (!Number.isFinite(v)) return v;
        last = last * w + (1 - w) * v;
        debias *= w;
        return last / (1 - debias);
      });
    };
    const values = Array.from({ length: 10_000 }, (_, i) => (i % 997 === 5 ? NaN : Math.sin(i) * 3 + i / 1000));
    for (const w of [0, 0.3, 0.5, 0.6, 0.9, 0.99, 0.999]) expect(Array.from(smooth(values, w))).toStrictEqual(reference(values, w));
  });

  it('passes non-finite values through without breaking the average', () => {
    const out = smooth([1, NaN, 1, Infinity, 1], 0.6);
    expect(out[1]).toBeNaN();
    expect(out[3]).toBe(Infinity);
    expect([out[0], out[2], out[4]].map((v) => Number(v!.toFixed(12)))).toEqual([1, 1, 1]);
  });
});

describe('trails, common steps and ratios', () => {
  it('trailIndices spreads up to `trail` earlier steps evenly from the first', () => {
    expect(trailIndices(1, 8)).toEqual([]);
    expect(trailIndices(4, 8)).toEqual([0, 1, 2]);
    expect(trailIndices(101, 5)).toEqual([0, 25, 50, 74, 99]); // round(i · 99 / 4)
    expect(trailIndices(101, 0)).toEqual([]);
  });

  it('latestCommonStep finds the largest step number both runs have', () => {
    const a = tinyRun([1, 2, 3, 5].map((s) => tinyStep(s, NORMS)));
    const b = tinyRun([1, 2, 4].map((s) => tinyStep(s, NORMS)));
    expect(latestCommonStep(a, b)).toEqual({ a: 1, b: 1, step: 2 });
    expect(latestCommonStep(a, tinyRun([]))).toBeNull();
  });

  it('ratioPoints divides A by B and names why a ratio is undefined', () => {
    const a = tinyRun([tinyStep(1, [1, 0, 0, 2, 2, NaN, 1])]);
    const b = tinyRun([tinyStep(1, [0.01, 3, 4, 0, 0, 1, 1])]);
    const { step, points } = ratioPoints(a, b, 'gradNorm', 'block')!;
    expect(step).toBe(1);
    expect(points.map((p) => [p.key, p.ratio === null ? p.undefinedBecause : Number(p.ratio.toPrecision(6))])).toEqual([
      ['conv1', 100], ['conv2', 'A is zero'], ['inception_4a', 'B is zero'], ['classifier', 'non-finite'],
    ]);
  });
});

describe('log scale', () => {
  it('takes its domain from positive finite values only, with the floor at half the smallest', () => {
    const axis = logScale([0, 1e-6, 1e-2, NaN, Infinity], [100, 0]);
    expect(axis.floor).toBe(5e-7);
    expect(axis.scale.domain()).toEqual([5e-7, 1e-2]);
    expect(axis.hasZero).toBe(true);
    expect(axis.hasUnplottable).toBe(true);
  });

  it('draws an exact zero at the floor and marks it; non-finite values go to the far end, marked', () => {
    const axis = logScale([0, 1e-3, 1], [100, 0]);
    expect(axis.place(0)).toEqual({ at: 100, mark: 'zero' });
    expect(axis.place(-0).mark).toBe('zero');
    expect(axis.place(NaN)).toEqual({ at: 0, mark: 'unplottable' });
    expect(axis.place(-Infinity).mark).toBe('unplottable');
    expect(axis.place(1)).toEqual({ at: 0, mark: 'value' });
  });

  it('uses a floor of 1e-12 when no value is positive', () => {
    expect(logScale([0, NaN], [1, 0]).floor).toBe(1e-12);
    expect(logScale([], [1, 0]).scale.domain()).toEqual([1e-12, 1]);
  });

  it('ticks at powers of ten, thinned to the count', () => {
    expect(logTicks(1e-9, 1, 5)).toEqual([1e-8, 1e-6, 1e-4, 1e-2, 1]);
    expect(logTicks(2e-3, 3e-2, 5)).toEqual([1e-2]);
  });

  it('formats values for titles and sentences', () => {
    expect([formatValue(0), formatValue(NaN), formatValue(-Infinity), formatValue(3.4567e-7), formatValue(0.012345)]).toEqual(['0', 'NaN', '-Infinity', '3.46e-7', '0.0123']);
    expect([sig2(387.2), sig2(0.2912), sig2(1.234e7), sig2(80.4)]).toEqual(['390', '0.29', '1.2e7', '80']);
  });
});
