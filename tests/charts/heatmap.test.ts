import { describe, expect, it } from 'vitest';
import { depthPoints } from '../../src/charts/data';
import { columnOfStep, heatmapColumns, heatmapMatrix, heatmapPixels } from '../../src/charts/heatmap';
import type { Run, RunStep } from '../../src/shared/runFile';
import { colourTable, magnitudeInterpolator } from '../../src/charts/theme';
import { TINY_HEADER, tinyRun, tinyStep } from './fixtures';

const PALETTE = { table: colourTable(magnitudeInterpolator), zero: [1, 2, 3] as const, nonFinite: [200, 0, 0] as const };

describe('heatmap data', () => {
  const numbered = (...steps: number[]) => steps.map((step) => ({ step }));

  it('heatmapColumns keeps at most one column per pixel, each the last step of its share of the step numbers', () => {
    expect(heatmapColumns(numbered(1, 2, 3, 4, 5), 10)).toEqual([0, 1, 2, 3, 4]);
    expect(heatmapColumns(numbered(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 4)).toEqual([2, 4, 6, 9]);
    expect(heatmapColumns([], 4)).toEqual([]);
  });

  it('heatmapColumns spreads a thinned history by step number, repeating a column where a share has no step', () => {
    // Steps 8, 16, 24, 32 kept from the older history, then 33..40 in full.
    const steps = numbered(8, 16, 24, 32, 33, 34, 35, 36, 37, 38, 39, 40);
    const columns = heatmapColumns(steps, 8);
    expect(columns).toHaveLength(8);
    expect(columns.map((i) => steps[i]!.step)).toEqual([8, 16, 16, 24, 24, 32, 36, 40]);
  });

  it('heatmapColumns shows a diverged step rather than the last of its share', () => {
    const steps = [...numbered(1, 2, 3), { step: 4, diverged: { where: 'conv1/3x3 (gradient NaN)' } }, ...numbered(5, 6, 7, 8, 9, 10)];
    expect(heatmapColumns(steps, 2)).toEqual([3, 9]);
  });

  it('heatmapMatrix holds the depth values of the shown steps, row-major', () => {
    const run = tinyRun([1, 2, 3, 4].map((s) => tinyStep(s, [s, 1, 1, 1, 1, 2 * s, 1])));
    const m = heatmapMatrix(run, 'gradNorm', 'block', 2);
    expect(m.steps).toEqual([2, 4]);
    expect(m.rows.map((r) => r.key)).toEqual(['conv1', 'conv2', 'inception_4a', 'classifier']);
    const expected = depthPoints(run, 3, 'gradNorm', 'block').map((p) => p.value);
    expect(m.rows.map((_, r) => m.values[r * m.columns + 1])).toEqual(expected);
    expect(m.range).toEqual([Math.SQRT2, 8]);
  });

  it('paints zero and non-finite cells in their own colours and positive ones from the table', () => {
    const run = tinyRun([tinyStep(1, [0, NaN, 1, 1e-3, 1e-3, 1, 1])]);
    const m = heatmapMatrix(run, 'gradNorm', 'layer', 10);
    const px = heatmapPixels(m, PALETTE);
    const cell = (r: number) => Array.from(px.subarray(r * 4, r * 4 + 4));
    expect(cell(0)).toEqual([1, 2, 3, 255]); // conv1/3x3 = 0
    expect(cell(1)).toEqual([200, 0, 0, 255]); // conv2/3x3_reduce = NaN
    expect(cell(2)).toEqual([...PALETTE.table.subarray(765, 768), 255]); // the largest value: the table's last colour
    expect(cell(3)).toEqual([...PALETTE.table.subarray(0, 3), 255]); // the smallest: its first
  });

  it('columnOfStep finds the column that shows a step', () => {
    expect(columnOfStep([2, 4, 6], 3)).toBe(1);
    expect(columnOfStep([2, 4, 6], 6)).toBe(2);
    expect(columnOfStep([2, 4, 6], 7)).toBe(-1);
  });

  it('60 rows by 10,000 steps become at most one column per pixel (speed is measured by the bench, not here)', () => {
    const layers = Array.from({ length: 60 }, (_, i) => ({ name: `inception_4a/l${i}`, kind: 'inception' as const, head: 'main' as const, params: 10 }));
    const values = Array.from({ length: 60 }, (_, i) => 10 ** (-i / 10));
    const step = (s: number): RunStep => ({
      ...tinyStep(s, [1, 1, 1, 1, 1, 1, 1]),
      layers: { gradNorm: values, gradRms: values, gradMeanAbs: values, gradMaxAbs: values, weightNorm: values, updateRatio: values },
    });
    const run: Run = { header: { ...TINY_HEADER, layers, blocks: ['inception_4a'] }, steps: Array.from({ length: 10_000 }, (_, i) => step(i + 1)), events: [] };
    const matrix = heatmapMatrix(run, 'gradRms', 'layer', 800);
    expect(matrix.rows).toHaveLength(60);
    expect(matrix.values.length / 60).toBeLessThanOrEqual(800);
    expect(heatmapPixels(matrix, PALETTE)).toHaveLength(matrix.values.length * 4);
  });
});
