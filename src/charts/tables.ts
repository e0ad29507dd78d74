/** The numbers behind each chart as table rows (for the data-table view and for tests). Pure. */
import type { Measure } from '../shared/experiment';
import { curve, evalPoints, type CurveKey } from './curves';
import { depthPoints, headSeries, latestPerHeadIndex, MEASURE_LABEL, ratioPoints, trailIndices } from './data';
import { formatValue, sig2 } from './format';
import { heatmapMatrix } from './heatmap';
import { HEAD_NAMES, type ChartRun, type Detail } from './types';

export interface TableColumn {
  readonly key: string;
  readonly label: string;
  /** Right-aligned. */
  readonly numeric?: boolean;
}

/** Cells as display text, keyed by column; the first column names the row. */
export type TableRow = Readonly<Record<string, string>>;

export interface TableData {
  readonly caption: string;
  readonly columns: readonly TableColumn[];
  readonly rows: readonly TableRow[];
}

/** GradientByDepth (and NetworkDiagram): each run's value at every depth point at its latest step. */
export function depthTable(runs: readonly ChartRun[], measure: Measure, detail: Detail): TableData {
  const withSteps = runs.filter((r) => r.run.steps.length > 0);
  const profiles = withSteps.map((r) => new Map(depthPoints(r.run, r.run.steps.length - 1, measure, detail).map((p) => [p.key, p.value])));
  const keys = [...new Set(profiles.flatMap((p) => [...p.keys()]))];
  return {
    caption: `${MEASURE_LABEL[measure]} by depth at the latest step of each run (${withSteps.map((r) => `${r.label}: step ${r.run.steps[r.run.steps.length - 1]!.step}`).join(', ') || 'no steps yet'})`,
    columns: [{ key: 'depth', label: 'depth' }, ...withSteps.map((r) => ({ key: r.id, label: r.label, numeric: true }))],
    rows: keys.map((k) => ({ depth: k, ...Object.fromEntries(withSteps.map((r, i) => [r.id, fmt(profiles[i]!.get(k))])) })),
  };
}

/** GradientHeatmap: depth points by up to `maxColumns` steps spread over the history (each the last of its share). */
export function heatmapTable(run: ChartRun, measure: Measure, detail: Detail, maxColumns = 8): TableData {
  const m = heatmapMatrix(run.run, measure, detail, maxColumns);
  // A sparse stretch of history can show one step in two columns: the table lists it once.
  const shown = m.steps.flatMap((s, c) => (c > 0 && m.steps[c - 1] === s ? [] : [{ s, c }]));
  return {
    caption: `${MEASURE_LABEL[measure]} of ${run.label} by depth, at ${shown.length} steps spread over the run`,
    columns: [{ key: 'depth', label: 'depth' }, ...shown.map(({ s }) => ({ key: `s${s}`, label: `step ${s}`, numeric: true }))],
    rows: m.rows.map((r, i) => ({ depth: r.key, ...Object.fromEntries(shown.map(({ s, c }) => [`s${s}`, formatValue(m.values[i * m.columns + c]!)])) })),
  };
}

/** HeadContributions: per-head norms and their shares at the latest per-head step. */
export function headTable(run: ChartRun, detail: Detail): TableData {
  const series = headSeries(run.run, latestPerHeadIndex(run.run), detail);
  return {
    caption: series ? `Per-head gradient norms of ${run.label} at per-head step ${series.step} (shares are of the sum of the three norms)` : `Per-head gradient norms of ${run.label}: no per-head step yet`,
    columns: [{ key: 'depth', label: 'depth' }, ...HEAD_NAMES.flatMap((h) => [{ key: h, label: `${h} norm`, numeric: true }, { key: `${h}Share`, label: `${h} share`, numeric: true }])],
    rows: (series?.points ?? []).map((p) => {
      const sum = p.norms.main + p.norms.aux1 + p.norms.aux2;
      const share = (v: number) => (sum > 0 && Number.isFinite(sum) ? `${sig2((100 * v) / sum)}%` : '');
      return { depth: p.key, ...Object.fromEntries(HEAD_NAMES.flatMap((h) => [[h, formatValue(p.norms[h])], [`${h}Share`, share(p.norms[h])]])) };
    }),
  };
}

/** RatioChart: A, B and A/B at every depth point at the latest common step. */
export function ratioTable(a: ChartRun, b: ChartRun, measure: Measure, detail: Detail): TableData {
  const data = ratioPoints(a.run, b.run, measure, detail);
  return {
    caption: data ? `${MEASURE_LABEL[measure]}: ${a.label} over ${b.label} at step ${data.step}` : `${a.label} over ${b.label}: no common step yet`,
    columns: [{ key: 'depth', label: 'depth' }, { key: 'a', label: a.label, numeric: true }, { key: 'b', label: b.label, numeric: true }, { key: 'ratio', label: 'A/B', numeric: true }],
    rows: (data?.points ?? []).map((p) => ({ depth: p.key, a: formatValue(p.a), b: formatValue(p.b), ratio: p.ratio === null ? `undefined (${p.undefinedBecause})` : sig2(p.ratio) })),
  };
}

/** LossCurves and AccuracyCurves: raw per-head numbers at up to `maxRows` steps spread over each run (always including the last). */
export function curvesTable(runs: readonly ChartRun[], what: 'loss' | 'accuracy', maxRows = 20): TableData {
  const heads = what === 'loss' ? ([...HEAD_NAMES, 'total'] as const) : HEAD_NAMES;
  const columns: TableColumn[] = [{ key: 'step', label: 'step' }];
  const byStep = new Map<number, Record<string, string>>();
  for (const r of runs) {
    const n = r.run.steps.length;
    const picked = new Set([...trailIndices(n, maxRows - 1), n - 1].filter((i) => i >= 0));
    for (const h of heads) {
      const key = `${r.id}-${h}`;
      columns.push({ key, label: `${r.label} ${h}`, numeric: true });
      const points = curve(r.run, `${what}.${h}` as CurveKey, 0);
      points.forEach((p, i) => {
        if (!picked.has(i)) return;
        const row = byStep.get(p.step) ?? { step: String(p.step) };
        row[key] = p.state === 'off' ? 'off' : formatValue(p.raw);
        byStep.set(p.step, row);
      });
      if (what === 'accuracy') {
        columns.push({ key: `${key}-eval`, label: `${r.label} ${h} held-out`, numeric: true });
        for (const p of evalPoints(r.run, h as 'main')) {
          const row = byStep.get(p.step);
          if (row) row[`${key}-eval`] = formatValue(p.value);
        }
      }
    }
  }
  return {
    caption: `${what === 'loss' ? 'Loss' : 'Accuracy'} per head, raw, at up to ${maxRows} steps of each run`,
    columns,
    rows: [...byStep.entries()].sort(([x], [y]) => x - y).map(([, row]) => row),
  };
}

const fmt = (v: number | undefined): string => (v === undefined ? '' : formatValue(v));
