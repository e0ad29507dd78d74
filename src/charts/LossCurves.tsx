import type { Run } from '../shared/runFile';
import { curveColumns, hasData, mergedEvents, type Curve } from './curves';
import { RUN_DASHES, headColour, theme } from './theme';
import { TimeChart, type TimeSeries } from './TimeChart';
import type { ChartRun } from './types';
import { useMemoCache } from './useMemoCache';

export const defaults = {
  smoothing: 0.6,
  heads: ['main', 'aux1', 'aux2', 'total'] as const,
};

export interface LossCurvesProps {
  readonly runs: readonly ChartRun[];
  readonly width: number;
  readonly height: number;
  /** TensorBoard's smoothing weight, 0 (raw) to 0.999. */
  readonly smoothing?: number;
}

/** Each head's cross-entropy and the total loss over the steps: colour per head, dash per run, smoothed over faded raw lines. */
export function LossCurves({ runs, width, height, smoothing = defaults.smoothing }: LossCurvesProps) {
  const memo = useMemoCache<Run, Curve>();
  const series: TimeSeries[] = runs.flatMap((r, i) => defaults.heads.map((h) => ({
    id: `${r.id}-${h}`,
    run: r.id,
    name: `${r.label}, ${h === 'total' ? 'total loss' : `${h} CE`}`,
    colour: headColour(h),
    dash: RUN_DASHES[i % RUN_DASHES.length]!,
    curve: memo(r.run, `${h} ${smoothing}`, () => curveColumns(r.run, `loss.${h}`, smoothing)),
  })).filter((s) => hasData(s.curve)));
  const heads = defaults.heads.filter((h) => series.some((s) => s.id.endsWith(`-${h}`)));
  const legend = [
    ...heads.map((h) => ({ label: h === 'total' ? 'total (weighted sum)' : h, colour: headColour(h) })),
    ...(runs.length > 1 ? runs.map((r, i) => ({ label: r.label, colour: theme.muted, dash: RUN_DASHES[i % RUN_DASHES.length] })) : []),
  ];
  const label = 'Loss per head';
  const caption = series.length === 0 ? `${label}: waiting for the first step.`
    : `Cross-entropy of each head (before weighting) and the total loss, smoothed (weight ${smoothing}; faint: raw). ${runs.length > 1 ? 'Line dash tells the runs apart. ' : ''}Heads that are off are not drawn; × marks a non-finite loss; dashed verticals: setting changes.`;
  return (
    <TimeChart width={width} height={height} label={label} caption={caption} yTitle="loss" yFormat={(v) => String(Number(v.toPrecision(3)))}
      series={series} events={mergedEvents(runs.map((r) => r.run))} legend={legend} />
  );
}
