import { scaleBand, scaleLinear } from 'd3';
import type { Measure } from '../shared/experiment';
import { MEASURE_LABEL, ratioPoints, type RatioPoint } from './data';
import { formatValue, sig2 } from './format';
import { Figure, round, Svg, Waiting, XLabels, YAxis } from './parts';
import { ratioScale, theme } from './theme';
import type { ChartRun, Detail } from './types';

export const defaults = {
  margin: { top: 20, right: 12, bottom: 52, left: 64 },
  padding: 0.2,
  rotateBelow: 36,
  /** At most this many labelled decades on the y axis. */
  ticks: 7,
};

export interface RatioChartProps {
  readonly a: ChartRun;
  readonly b: ChartRun;
  readonly measure: Measure;
  readonly detail: Detail;
  readonly width: number;
  readonly height: number;
}

/** A ratio given as 10^k: 1, 10, 1000, 1/100, or 1e7 and 1/1e7 past a million. */
export function ratioTick(k: number): string {
  const n = 10 ** Math.abs(k);
  const text = Math.abs(k) <= 6 ? String(n) : `1e${Math.abs(k)}`;
  return k < 0 ? `1/${text}` : text;
}

/** log10(A/B) by depth at the latest step both runs have: bars up where A's gradient is larger, down where B's is. */
export function RatioChart({ a, b, measure, detail, width, height }: RatioChartProps) {
  const m = defaults.margin;
  const data = ratioPoints(a.run, b.run, measure, detail);
  const points = data?.points ?? [];
  const name = MEASURE_LABEL[measure];
  const label = `Ratio of ${name}, ${a.label} over ${b.label}`;
  const logs = points.flatMap((p) => (p.ratio === null ? [] : [Math.log10(p.ratio)]));
  const reach = Math.max(1, Math.ceil(Math.max(0, ...logs.map(Math.abs))));
  const bottom = height - m.bottom;
  const y = scaleLinear([-reach, reach], [bottom, m.top]);
  const x = scaleBand(points.map((p) => p.key), [m.left, width - m.right]).padding(defaults.padding);
  const colour = ratioScale(reach);
  const every = Math.ceil((2 * reach + 1) / defaults.ticks);
  const ticks = Array.from({ length: 2 * reach + 1 }, (_, i) => i - reach).filter((k) => k % every === 0).map((k) => ({ at: y(k), label: ratioTick(k) }));
  const labelled = points.filter((p, i) => detail === 'block' || measure === 'actGradRms' || p.block !== points[i - 1]?.block);
  const undefinedCount = points.filter((p) => p.ratio === null).length;
  const title = (p: RatioPoint) => `${p.key}: A ${formatValue(p.a)}, B ${formatValue(p.b)}, ${p.ratio === null ? `ratio undefined (${p.undefinedBecause})` : `A/B = ${sig2(p.ratio)}`}`;
  const caption = !data ? `${label}: waiting for a step both runs have.`
    : `${name} of A divided by B at step ${data.step}, by depth, log scale: bars up where A's is larger (purple), down where B's is (orange).${undefinedCount > 0 ? ` ${undefinedCount} point${undefinedCount > 1 ? 's' : ''} marked ? have no ratio (a zero or non-finite value).` : ''}`;

  return (
    <Figure label={label} caption={caption}>
      <Svg width={width} height={height} label={`Bar chart of ${label}`}>
        {!data ? <Waiting width={width} height={height} text="waiting for a step both runs have" /> : (
          <>
            <YAxis x={m.left} x2={width - m.right} ticks={ticks} title="A/B (×)" top={m.top} bottom={bottom} />
            <line x1={m.left} x2={width - m.right} y1={round(y(0))} y2={round(y(0))} stroke={theme.muted} />
            <XLabels ticks={labelled.map((p) => ({ at: (x(p.key) ?? 0) + x.bandwidth() / 2, label: p.label.split('/')[0] ?? p.label }))} y={bottom} rotateBelow={defaults.rotateBelow} />
            {points.map((p) => {
              const x0 = x(p.key) ?? 0;
              if (p.ratio === null) {
                return (
                  <g key={p.key} data-mark="undefined" transform={`translate(${round(x0 + x.bandwidth() / 2)},${round(y(0))})`}>
                    <text dy="-0.4em" textAnchor="middle" fill={p.undefinedBecause === 'non-finite' ? theme.nonFinite : theme.muted} fontWeight="bold">?</text>
                    <title>{title(p)}</title>
                  </g>
                );
              }
              const k = Math.log10(p.ratio);
              return (
                <rect key={p.key} data-ratio={sig2(p.ratio)} x={round(x0)} width={round(x.bandwidth())} y={round(y(Math.max(0, k)))} height={Math.max(0.5, round(Math.abs(y(k) - y(0))))}
                  fill={colour(k)} stroke={theme.muted} strokeWidth={0.5}>
                  <title>{title(p)}</title>
                </rect>
              );
            })}
          </>
        )}
      </Svg>
    </Figure>
  );
}
