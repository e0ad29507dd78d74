/** The frame LossCurves and AccuracyCurves share: steps on x, a linear y, smoothed lines over faded raw ones, event lines. */
import { line, scaleLinear } from 'd3';
import type { ReactNode } from 'react';
import type { RunEvent } from '../shared/runFile';
import { decimate, type CurvePoint } from './curves';
import { formatValue } from './format';
import { EventLines, Figure, Legend, NonFiniteMark, round, Svg, Waiting, XLabels, YAxis, type LegendItem } from './parts';
import { theme } from './theme';

export const defaults = {
  margin: { top: 44, right: 16, bottom: 36, left: 64 },
  rawOpacity: 0.22,
  strokeWidth: 1.75,
};

export interface TimeSeries {
  readonly id: string;
  /** For titles: "A: aux on, aux1". */
  readonly name: string;
  readonly colour: string;
  readonly dash: string;
  readonly points: readonly CurvePoint[];
}

export interface TimeDots {
  readonly id: string;
  readonly name: string;
  readonly colour: string;
  readonly filled: boolean;
  readonly points: readonly { step: number; value: number }[];
}

export interface TimeChartProps {
  readonly width: number;
  readonly height: number;
  readonly label: string;
  readonly caption: ReactNode;
  readonly yTitle: string;
  /** A fixed y domain (accuracy), or undefined for [0, largest finite value]. */
  readonly yDomain?: readonly [number, number];
  readonly yFormat: (v: number) => string;
  readonly series: readonly TimeSeries[];
  readonly dots?: readonly TimeDots[];
  readonly events: readonly RunEvent[];
  readonly legend: readonly LegendItem[];
}

/** [min, max] without spreading a long array into arguments; [0, 0] when empty. */
function extent(values: readonly number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  return lo <= hi ? [lo, hi] : [0, 0];
}

export function TimeChart({ width, height, label, caption, yTitle, yDomain, yFormat, series, dots = [], events, legend }: TimeChartProps) {
  const m = defaults.margin;
  const bottom = height - m.bottom;
  const all = series.flatMap((s) => s.points);
  const steps = [...all.map((p) => p.step), ...dots.flatMap((d) => d.points.map((p) => p.step))];
  const [first, last] = extent(steps);
  const x = scaleLinear([first, Math.max(last, first + 1)], [m.left, width - m.right]);
  const top = extent(all.flatMap((p) => (p.state === 'value' ? [p.raw] : [])))[1];
  const y = scaleLinear(yDomain ?? [0, top > 0 ? top : 1], [bottom, m.top]).nice();
  const path = (pick: (p: CurvePoint) => number) => line<CurvePoint>().defined((p) => p.state === 'value').x((p) => round(x(p.step))).y((p) => round(y(pick(p))));
  const rawPath = path((p) => p.raw);
  const smoothPath = path((p) => p.smoothed);
  const plotWidth = width - m.left - m.right;
  const xTicks = x.ticks(6).filter(Number.isInteger).map((s) => ({ at: x(s), label: String(s) }));

  return (
    <Figure label={label} caption={caption} width={width}>
      <Svg width={width} height={height} label={`Line chart of ${label}`}>
        {steps.length === 0 ? <Waiting width={width} height={height} text="waiting for the first step" /> : (
          <>
            <YAxis x={m.left} x2={width - m.right} ticks={y.ticks(5).map((v) => ({ at: y(v), label: yFormat(v) }))} title={yTitle} top={m.top} bottom={bottom} />
            <XLabels ticks={xTicks} y={bottom} />
            <text x={width - m.right} y={height - 4} textAnchor="end" fill={theme.muted}>step</text>
            <EventLines events={events} x={(s) => (s >= first && s <= last ? x(s) : null)} top={m.top} bottom={bottom} />
            {series.map((s) => (
              <g key={s.id}>
                <path data-series="raw" d={rawPath(decimate(s.points, plotWidth, (p) => p.raw)) ?? ''} fill="none" stroke={s.colour} strokeOpacity={defaults.rawOpacity} strokeWidth={1} />
                <path data-series="smoothed" data-id={s.id} d={smoothPath(decimate(s.points, plotWidth, (p) => p.smoothed)) ?? ''} fill="none" stroke={s.colour} strokeWidth={defaults.strokeWidth} strokeDasharray={s.dash || undefined} />
                {s.points.map((p) => (p.state === 'nonFinite' ? <NonFiniteMark key={p.step} x={x(p.step)} y={m.top} title={`${s.name} at step ${p.step}: ${formatValue(p.raw)}`} /> : null))}
              </g>
            ))}
            {dots.map((d) => d.points.map((p) => (Number.isFinite(p.value)
              ? <circle key={`${d.id}-${p.step}`} data-series="eval" cx={round(x(p.step))} cy={round(y(p.value))} r={3} fill={d.filled ? d.colour : 'white'} stroke={d.colour} strokeWidth={1.5}>
                <title>{`${d.name} at step ${p.step}: ${yFormat(p.value)}`}</title>
              </circle>
              : <NonFiniteMark key={`${d.id}-${p.step}`} x={x(p.step)} y={m.top} title={`${d.name} at step ${p.step}: ${formatValue(p.value)}`} />)))}
            <Legend x={m.left} y={12} width={width - m.left - m.right} items={legend} />
          </>
        )}
      </Svg>
    </Figure>
  );
}
