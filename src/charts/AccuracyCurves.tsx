import type { Run } from '../shared/runFile';
import { curveColumns, evalPoints, hasData, mergedEvents, type Curve } from './curves';
import { RUN_DASHES, headColour, theme } from './theme';
import { TimeChart, type TimeDots, type TimeSeries } from './TimeChart';
import { HEAD_NAMES, type ChartRun } from './types';
import { useMemoCache } from './useMemoCache';

export const defaults = {
  smoothing: 0.6,
};

export interface AccuracyCurvesProps {
  readonly runs: readonly ChartRun[];
  readonly width: number;
  readonly height: number;
  readonly smoothing?: number;
}

const percent = (v: number) => `${Math.round(v * 100)}%`;

/** Batch accuracy of each head over the steps (smoothed lines), and held-out accuracy (dots; filled for the first run, hollow for the others). */
export function AccuracyCurves({ runs, width, height, smoothing = defaults.smoothing }: AccuracyCurvesProps) {
  const memo = useMemoCache<Run, Curve>();
  const evals = useMemoCache<Run, TimeDots['points']>();
  const series: TimeSeries[] = runs.flatMap((r, i) => HEAD_NAMES.map((h) => ({
    id: `${r.id}-${h}`,
    run: r.id,
    name: `${r.label}, ${h} batch accuracy`,
    colour: headColour(h),
    dash: RUN_DASHES[i % RUN_DASHES.length]!,
    curve: memo(r.run, `${h} ${smoothing}`, () => curveColumns(r.run, `accuracy.${h}`, smoothing)),
  })).filter((s) => hasData(s.curve)));
  const dots: TimeDots[] = runs.flatMap((r, i) => HEAD_NAMES.map((h) => ({
    id: `${r.id}-${h}-eval`, name: `${r.label}, ${h} held-out accuracy`, colour: headColour(h), filled: i === 0, points: evals(r.run, h, () => evalPoints(r.run, h)),
  })).filter((d) => d.points.length > 0));
  const heads = HEAD_NAMES.filter((h) => series.some((s) => s.id.endsWith(`-${h}`)));
  const legend = [
    ...heads.map((h) => ({ label: h, colour: headColour(h) })),
    ...(runs.length > 1 ? runs.map((r, i) => ({ label: r.label, colour: theme.muted, dash: RUN_DASHES[i % RUN_DASHES.length] })) : []),
  ];
  const label = 'Accuracy per head';
  const evaluated = dots.length > 0;
  const caption = series.length === 0 ? `${label}: waiting for the first step.`
    : `Batch accuracy of each head, smoothed (weight ${smoothing}; faint: raw)${evaluated ? `; dots: accuracy on ${runs[0]?.run.header.training.evalSize ?? ''} held-out images${runs.length > 1 ? ` (filled: ${runs[0]?.label})` : ''}` : ''}. Only the main head decides at inference; aux heads are shown for comparison.`;
  return (
    <TimeChart width={width} height={height} label={label} caption={caption} yTitle="accuracy" yDomain={[0, 1]} yFormat={percent}
      series={series} dots={dots} events={mergedEvents(runs.map((r) => r.run))} legend={legend} />
  );
}
