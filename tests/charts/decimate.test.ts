import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { curveColumns, STATE, stepColumns } from '../../src/charts/curves';
import { columnMarks, decimate, dotsPath, fixed1, linePoints, markSteps, pathData, traceLine } from '../../src/charts/decimate';
import { AccuracyCurves } from '../../src/charts/AccuracyCurves';
import { LossCurves } from '../../src/charts/LossCurves';
import { drawCurve, isDense, timeGeometry } from '../../src/charts/timeDrawing';
import type { Run } from '../../src/shared/runFile';
import { chartRun, syntheticRun } from './fixtures';

/** n points, `perColumn` to a pixel column. */
const columnOf = (perColumn: number) => (i: number) => Math.floor(i / perColumn);
/** The pixel columns of n points, `perColumn` to a column. */
const columnsOf = (n: number, perColumn: number) => Int32Array.from({ length: n }, (_, i) => Math.floor(i / perColumn));
/** decimate's gaps: 0 where `defined`. */
const gapsOf = (n: number, defined: (i: number) => boolean) => Uint8Array.from({ length: n }, (_, i) => (defined(i) ? 0 : 1));
const none = (n: number) => new Uint8Array(n);

describe('decimate (drawing long series per pixel column)', () => {
  it('keeps series of up to 3 points per column whole', () => {
    expect(Array.from(decimate(columnsOf(6, 3), [0, 1, 2, 3, 4, 5], none(6)))).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('keeps the lowest and highest point of each column, in order, so spikes survive', () => {
    const values = Array.from({ length: 100 }, (_, i) => (i === 37 ? 50 : i === 62 ? -9 : 1 + (i % 3)));
    const kept = Array.from(decimate(columnsOf(100, 10), values, none(100)));
    expect(kept.length).toBeLessThanOrEqual(2 * 10);
    expect(kept).toContain(37);
    expect(kept).toContain(62);
    expect(kept).toEqual([...kept].sort((a, b) => a - b));
    for (let c = 0; c < 10; c++) {
      const column = values.slice(10 * c, 10 * c + 10);
      const shown = kept.filter((i) => Math.floor(i / 10) === c).map((i) => values[i]!);
      expect(Math.min(...shown)).toBe(Math.min(...column));
      expect(Math.max(...shown)).toBe(Math.max(...column));
    }
  });

  it('keeps the first gap of each column that has one, so lines still break', () => {
    const defined = (i: number) => !(i >= 40 && i < 60);
    expect(Array.from(decimate(columnsOf(100, 10), new Float64Array(100).fill(1), gapsOf(100, defined))).filter((i) => !defined(i))).toEqual([40, 50]);
  });

  it('gives at most 3 points per pixel column however long the series', () => {
    const n = 100_000;
    const width = 640;
    const columns = Int32Array.from({ length: n }, (_, i) => Math.floor((i * width) / n));
    const kept = decimate(columns, Float64Array.from({ length: n }, (_, i) => Math.sin(i)), gapsOf(n, (i) => i % 997 !== 0));
    expect(kept.length).toBeLessThanOrEqual(3 * width);
  });
});

describe('linePoints, pathData, traceLine, columnMarks, dotsPath', () => {
  it('linePoints moves to the first point after a gap; pathData writes it rounded to 0.1 px', () => {
    const points = linePoints([0, 1, 2, 3], (i) => i * 1.04, (i) => 2 * i, (i) => i !== 2);
    expect(Array.from(points)).toEqual([NaN, NaN, 0, 0, 1.04, 2, NaN, NaN, 3.12, 6]);
    expect(pathData(points)).toBe('M0,0L1,2M3.1,6');
    expect(pathData(linePoints([], (i) => i, (i) => i, () => true))).toBe('');
  });

  it('linePoints leaves out a point within half a pixel of the last one drawn, but never the last before a gap or the end', () => {
    const y = [10, 10.2, 10.3, 20, 20.1, 20.2];
    expect(pathData(linePoints([0, 1, 2, 3, 4, 5], (i) => (i < 3 ? 5 : 6), (i) => y[i]!, () => true))).toBe('M5,10L6,20L6,20.2');
  });

  it('traceLine draws on a canvas the path pathData writes', () => {
    const calls: string[] = [];
    const context = { moveTo: (x: number, y: number) => calls.push(`M${x},${y}`), lineTo: (x: number, y: number) => calls.push(`L${x},${y}`) };
    const points = linePoints([0, 1, 2, 3, 4], (i) => 10 * i, (i) => i, (i) => i !== 2);
    traceLine(context, points);
    expect(calls.join('')).toBe(pathData(points));
    expect(calls.join('')).toBe('M0,0L10,1M30,3L40,4');
  });

  it('fixed1 writes what String(Math.round(v * 10) / 10) writes', () => {
    for (const v of [0, 3, 3.04, 3.05, 12.25, -0.04, -0.06, -1.25, 1234.567, -987.65, 0.95, 99.96]) {
      expect(fixed1(v)).toBe(String(Math.round(v * 10) / 10));
    }
  });

  it('columnMarks gives one mark per column and counts every flagged point', () => {
    const flagged = new Set([3, 4, 5, 12, 40]);
    const marks = columnMarks(50, columnOf(10), (i) => flagged.has(i));
    expect(marks).toEqual([{ first: 3, last: 5, count: 3 }, { first: 12, last: 12, count: 1 }, { first: 40, last: 40, count: 1 }]);
    expect(marks.reduce((n, m) => n + m.count, 0)).toBe(flagged.size);
    expect(markSteps(marks[0]!, (i) => i + 1)).toBe('at steps 4 to 6 (3 values)');
    expect(markSteps(marks[1]!, (i) => i + 1)).toBe('at step 13');
  });

  it('dotsPath draws each finite dot as a circle, at most 2 per column', () => {
    const values = [0.5, NaN, 0.7];
    const d = dotsPath([0, 1, 2], values, (i) => 10 * i, (v) => values[v]! * 100, 3);
    expect(d.match(/M/g)).toHaveLength(2);
    expect(d.startsWith('M-3,50a3,3 0 1,0 6,0a3,3 0 1,0 -6,0')).toBe(true);
    expect(dotsPath(columnsOf(1000, 100), Float64Array.from({ length: 1000 }, (_, i) => i % 7), (i) => i, () => 0, 2).match(/M/g)!.length).toBeLessThanOrEqual(2 * 10);
  });
});

describe('time charts with long histories', () => {
  const long = syntheticRun({ steps: 10_000, aux: true });
  /** The run with every 500th step from step 1000 on non-finite (its loss NaN, marked diverged). */
  const broken: Run = {
    ...long,
    steps: long.steps.map((s) => (s.step >= 1000 && s.step % 500 === 0 ? { ...s, loss: { ...s.loss, main: NaN, total: Infinity }, diverged: { where: "the main head's loss (NaN)" } } : s)),
  };
  const width = 640;
  const html = renderToStaticMarkup(createElement(LossCurves, { runs: [chartRun(broken, 'A'), chartRun(long, 'B')], width, height: 280 }));

  it('draws each line with at most 3 points per pixel column', () => {
    // The chart's plot: 640 px less its margins, steps 1 to 10,000 across it.
    const left = 64;
    const right = width - 16;
    const geometry = timeGeometry({ left, first: 1, perStep: (right - left) / 9999 }, { bottom: 250, y0: 0, perUnit: -50 });
    const heads = ['main', 'aux1', 'aux2', 'total'] as const;
    const paths = [broken, long].flatMap((run) => heads.flatMap((h) => {
      const drawn = drawCurve(curveColumns(run, `loss.${h}`, 0.6), geometry);
      return [pathData(drawn.raw), pathData(drawn.smoothed)];
    }));
    expect(paths).toHaveLength(16);
    for (const d of paths) {
      expect(d.match(/[ML]/g)!.length).toBeGreaterThan(right - left);
      expect(d.match(/[ML]/g)!.length).toBeLessThanOrEqual(3 * (right - left + 1));
    }
    // The chart draws them on one canvas per run, the DOM holding none of their points.
    expect(html.match(/<canvas data-layer="[^"]+" data-lines="8"/g)).toHaveLength(2);
    expect(html).not.toMatch(/data-series="(raw|smoothed)"/);
  });

  it('marks every non-finite loss, one mark per pixel column, on a bounded number of elements', () => {
    const titles = [...html.matchAll(/data-mark="non-finite"[^>]*>.*?<title>([^<]*)<\/title>/g)].map((m) => m[1]!);
    // 19 non-finite steps in each of main and total; each one is counted in some mark's title.
    expect(titles.length).toBeGreaterThan(0);
    expect(titles.length).toBeLessThanOrEqual(2 * 19);
    const counted = titles.reduce((n, t) => n + (/\((\d+) values\)/.exec(t) ? Number(/\((\d+) values\)/.exec(t)![1]) : 1), 0);
    expect(counted).toBe(2 * 19);
    expect(html.match(/<(path|g|circle|line|text|rect)\b/g)!.length).toBeLessThan(400);
  });

  it('keeps held-out dots to one element per series', () => {
    const accuracy = renderToStaticMarkup(createElement(AccuracyCurves, { runs: [chartRun(long, 'A')], width, height: 280 }));
    expect(accuracy.match(/data-series="eval"/g)).toHaveLength(3);
    expect(accuracy.match(/<circle/g)).toBeNull();
  });

  it("draws each point where the geometry's xOf and y put it (drawCurve writes their formulas inline)", () => {
    const short = { ...long, steps: long.steps.slice(0, 20) };
    const c = curveColumns(short, 'loss.main', 0.6);
    // 10 px a step and 40 px a unit: no two points within half a pixel, so none is left out.
    const g = timeGeometry({ left: 64, first: c.steps[0]!, perStep: 10 }, { bottom: 250, y0: 0.5, perUnit: -40 });
    const drawn = drawCurve(c, g);
    const expected = (values: ArrayLike<number>) => [NaN, NaN, ...Array.from(c.steps, (step, i) => [g.xOf(step), g.y(values[i]!)]).flat()];
    expect(Array.from(drawn.raw)).toStrictEqual(expected(c.raw));
    expect(Array.from(drawn.smoothed)).toStrictEqual(expected(c.smoothed));
  });

  it('calls a curve dense when it has more steps than the pixel columns it spans (its smoothed line is then stroked 1 px wide)', () => {
    const y = { bottom: 250, y0: 0, perUnit: -50 };
    const c = curveColumns(long, 'loss.main', 0.6);
    // 10,000 steps across 560 px.
    expect(isDense(c, timeGeometry({ left: 64, first: 1, perStep: 560 / 9999 }, y))).toBe(true);
    // The same steps at 1 px a step (one per column) or more: not dense.
    expect(isDense(c, timeGeometry({ left: 64, first: 1, perStep: 1 }, y))).toBe(false);
    expect(isDense(c, timeGeometry({ left: 64, first: 1, perStep: 0.99 }, y))).toBe(true);
    // 20 steps at 10 px a step: not dense; the same 20 steps squeezed into 5 px (a short live run beside a long opened one): dense.
    const short = curveColumns({ ...long, steps: long.steps.slice(0, 20) }, 'loss.main', 0.6);
    expect(isDense(short, timeGeometry({ left: 64, first: 1, perStep: 10 }, y))).toBe(false);
    expect(isDense(short, timeGeometry({ left: 64, first: 1, perStep: 5 / 19 }, y))).toBe(true);
    // One step, or none: nothing to zigzag.
    expect(isDense(curveColumns({ ...long, steps: long.steps.slice(0, 1) }, 'loss.main', 0.6), timeGeometry({ left: 64, first: 1, perStep: 0 }, y))).toBe(false);
    expect(isDense(curveColumns({ ...long, steps: [] }, 'loss.main', 0.6), timeGeometry({ left: 64, first: 1, perStep: 0 }, y))).toBe(false);
  });

  it('reads a step list into columns once, and a new list (a live model after its next step) afresh', () => {
    const columns = stepColumns(broken.steps);
    expect(stepColumns(broken.steps)).toBe(columns);
    expect(Array.from(columns.steps)).toEqual(broken.steps.map((s) => s.step));
    expect(Array.from(columns.diverged)).toEqual(broken.steps.map((s) => (s.diverged ? 1 : 0)));
    for (const h of ['main', 'aux1', 'aux2', 'total'] as const) expect(Array.from(columns.values[`loss.${h}`])).toEqual(broken.steps.map((s) => s.loss[h]));
    for (const h of ['main', 'aux1', 'aux2'] as const) expect(Array.from(columns.values[`accuracy.${h}`])).toEqual(broken.steps.map((s) => s.accuracy[h]));
    // Every curve of the list shares its columns.
    expect(curveColumns(broken, 'loss.main', 0.6).raw).toBe(columns.values['loss.main']);
    expect(curveColumns(broken, 'accuracy.aux1', 0.9).steps).toBe(columns.steps);
    const last = broken.steps[broken.steps.length - 1]!;
    const next = curveColumns({ ...broken, steps: [...broken.steps, { ...last, step: last.step + 1, loss: { ...last.loss, main: 0.125 } }] }, 'loss.main', 0.6);
    expect(next.raw).toHaveLength(broken.steps.length + 1);
    expect(next.raw[broken.steps.length]).toBe(0.125);
    expect(next.steps[broken.steps.length]).toBe(last.step + 1);
  });

  it('curveColumns flags non-finite values and leaves an off head as gaps', () => {
    const main = curveColumns(broken, 'loss.main', 0.6);
    expect([...main.state].filter((s) => s === STATE.nonFinite)).toHaveLength(19);
    const off = curveColumns({ ...long, steps: long.steps.slice(0, 3).map((s) => ({ ...s, loss: { ...s.loss, aux1: NaN } })) }, 'loss.aux1', 0.6);
    expect([...off.state]).toEqual([STATE.off, STATE.off, STATE.off]);
  });
});
