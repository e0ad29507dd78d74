import { createElement, type FunctionComponent } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { AccuracyCurves } from '../../src/charts/AccuracyCurves';
import { depthRows, rowValue } from '../../src/charts/data';
import { findings } from '../../src/charts/findings';
import { GradientByDepth } from '../../src/charts/GradientByDepth';
import { GradientHeatmap } from '../../src/charts/GradientHeatmap';
import { HeadContributions } from '../../src/charts/HeadContributions';
import { heatmapMatrix } from '../../src/charts/heatmap';
import { LossCurves } from '../../src/charts/LossCurves';
import { RatioChart } from '../../src/charts/RatioChart';
import { curvesTable, depthTable, headTable, heatmapTable, ratioTable } from '../../src/charts/tables';
import { runLossesToCsv, runToCsv } from '../../src/shared/csv';
import { runFileParts, STEPS_PER_PART, type RunFileReply } from '../../src/shared/readRunFile';
import { parseRun } from '../../src/shared/parseRun';
import { serializeRun, type Run } from '../../src/shared/runFile';
import { runAssembler } from '../../src/ui/runImport';
import { chartRun, syntheticRun } from '../charts/fixtures';

/**
 * A run opened from a file keeps its steps' numbers as Float64Array views into one buffer
 * (src/ui/runImport.ts, src/shared/packNumbers.ts). Everything that reads a run must read
 * such a run exactly as the same run with plain arrays.
 */
const plain = (run: Run): Run => {
  const parsed = parseRun(serializeRun(run));
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.run;
};
/** The run-file worker's messages for `run`, each cloned across as postMessage does (the numbers' buffer transferred), and what the page takes from each. */
const received = (run: Run, stepsPerPart?: number): { parts: RunFileReply[]; results: ReturnType<ReturnType<typeof runAssembler>>[] } => {
  const take = runAssembler();
  const parts = runFileParts('run.json', run, stepsPerPart).map((part) => structuredClone(part, { transfer: part.ok && part.part === 'numbers' ? [part.numbers.buffer] : [] }));
  return { parts, results: parts.map((part) => take(part)) };
};
/** As the page keeps it: packed by the run-file worker, sent in parts, and put together again. */
const opened = (run: Run, stepsPerPart?: number): Run => {
  const result = received(run, stepsPerPart).results.at(-1);
  if (!result?.ok) throw new Error(result ? result.error : 'no run');
  return result.imported.run;
};

const A = plain(syntheticRun({ steps: 40, aux: true }));
const B = plain(syntheticRun({ steps: 40, aux: false }));
const viewA = opened(A);
const viewB = opened(B);
const render = <P extends object>(component: FunctionComponent<P>, props: P): string => renderToStaticMarkup(createElement(component, props));
const SIZE = { width: 640, height: 300 };

describe('a run opened from a file (its step numbers as views into one buffer)', () => {
  it("keeps every step's numbers in one buffer, to the bit, and everything else as plain values", () => {
    const first = viewA.steps[0]!;
    expect(first.layers.gradNorm).toBeInstanceOf(Float64Array);
    const buffers = new Set(viewA.steps.flatMap((s) => [
      ...Object.values(s.layers), s.actGradRms,
      ...(s.perHead ? [...Object.values(s.perHead.gradNorm), ...Object.values(s.perHead.actGradRms)] : []),
    ].map((v) => (v as Float64Array).buffer)));
    expect(buffers.size).toBe(1);
    expect(viewA.steps.some((s) => s.perHead)).toBe(true);
    // The header's lists and the events stay arrays (a header is saved again as JSON; an empty list stays a list).
    expect(Array.isArray(viewA.header.dataset.normalisation.mean)).toBe(true);
    expect(Array.isArray(viewA.header.blocks)).toBe(true);
    expect(Array.isArray(opened({ ...A, events: [] }).events)).toBe(true);
    expect(Array.isArray(opened({ ...A, steps: [] }).steps)).toBe(true);
    viewA.steps.forEach((s, i) => {
      const p = A.steps[i]!;
      expect(Array.from(s.layers.gradRms)).toStrictEqual(p.layers.gradRms);
      expect(Array.from(s.actGradRms)).toStrictEqual(p.actGradRms);
      if (p.perHead) expect(Array.from(s.perHead!.gradNorm.aux1)).toStrictEqual(p.perHead.gradNorm.aux1);
    });
  });

  it("passes the worker's refusal on as it is", () => {
    expect(runAssembler()({ ok: false, error: 'run.json is not a GradFlow run file' })).toStrictEqual({ ok: false, error: 'run.json is not a GradFlow run file' });
  });

  it('comes in parts: the numbers, the steps a few hundred at a time, then the rest; the run only with the last', () => {
    const long = plain(syntheticRun({ steps: 1_234, aux: true }));
    const { parts, results } = received(long);
    expect(parts.map((p) => (p.ok ? p.part : 'refusal'))).toStrictEqual(['numbers', 'steps', 'steps', 'steps', 'end']);
    expect(parts.flatMap((p) => (p.ok && p.part === 'steps' ? [p.steps.length] : []))).toStrictEqual([STEPS_PER_PART, STEPS_PER_PART, 1_234 - 2 * STEPS_PER_PART]);
    expect(results.slice(0, -1)).toStrictEqual([undefined, undefined, undefined, undefined]);
    const last = results.at(-1);
    expect(last?.ok).toBe(true);
    // Put together from parts of 7 steps or of 500: the same run, to the bit.
    expect(serializeRun(opened(A, 7))).toBe(serializeRun(A));
    expect(serializeRun(opened(long))).toBe(serializeRun(long));
    const run = opened(A, 7);
    expect(new Set(run.steps.map((s) => (s.layers.gradNorm as Float64Array).buffer)).size).toBe(1);
  });

  it('refuses parts out of order with a message, not an exception', () => {
    const [, steps] = runFileParts('run.json', A);
    const result = runAssembler()(steps!);
    expect(result?.ok).toBe(false);
    expect(result && !result.ok && result.error).toMatch(/Could not open the file: the reader sent its steps before its numbers/);
  });

  it('is saved as the same run file and the same CSV', () => {
    expect(serializeRun(viewA)).toBe(serializeRun(A));
    expect(runToCsv(viewA, 'A')).toBe(runToCsv(A, 'A'));
    expect(runLossesToCsv(viewA, 'A')).toBe(runLossesToCsv(A, 'A'));
  });

  it("gives the same numbers to every chart, table and finding", () => {
    const [a, b, va, vb] = [chartRun(A, 'A', 'A'), chartRun(B, 'B', 'B'), chartRun(viewA, 'A', 'A'), chartRun(viewB, 'B', 'B')];
    for (const measure of ['gradRms', 'gradNorm', 'gradMeanAbs', 'gradMaxAbs', 'actGradRms'] as const) {
      for (const detail of ['block', 'layer'] as const) {
        expect(render(GradientByDepth, { runs: [va, vb], measure, detail, ...SIZE })).toBe(render(GradientByDepth, { runs: [a, b], measure, detail, ...SIZE }));
        expect(render(GradientHeatmap, { run: va, measure, detail, ...SIZE })).toBe(render(GradientHeatmap, { run: a, measure, detail, ...SIZE }));
        expect(heatmapMatrix(viewA, measure, detail, 300)).toStrictEqual(heatmapMatrix(A, measure, detail, 300));
        expect(render(RatioChart, { a: va, b: vb, measure, detail, ...SIZE })).toBe(render(RatioChart, { a, b, measure, detail, ...SIZE }));
        expect(depthTable([va, vb], measure, detail)).toStrictEqual(depthTable([a, b], measure, detail));
        expect(heatmapTable(va, measure, detail)).toStrictEqual(heatmapTable(a, measure, detail));
        expect(ratioTable(va, vb, measure, detail)).toStrictEqual(ratioTable(a, b, measure, detail));
        const rows = depthRows(A.header, measure, detail);
        const series = (run: Run) => run.steps.map((s) => rowValue(run.header, s, measure, rows[0]!));
        expect(series(viewA)).toStrictEqual(series(A));
      }
      expect(findings(viewA, viewB, measure)).toStrictEqual(findings(A, B, measure));
    }
    for (const detail of ['block', 'layer'] as const) {
      for (const mode of ['grouped', 'stacked'] as const) {
        expect(render(HeadContributions, { run: va, detail, mode, ...SIZE })).toBe(render(HeadContributions, { run: a, detail, mode, ...SIZE }));
      }
      expect(headTable(va, detail)).toStrictEqual(headTable(a, detail));
    }
    expect(render(LossCurves, { runs: [va, vb], ...SIZE })).toBe(render(LossCurves, { runs: [a, b], ...SIZE }));
    expect(render(AccuracyCurves, { runs: [va, vb], ...SIZE })).toBe(render(AccuracyCurves, { runs: [a, b], ...SIZE }));
    expect(curvesTable([va, vb], 'loss')).toStrictEqual(curvesTable([a, b], 'loss'));
  });
});
