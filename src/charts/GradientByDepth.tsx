import { line, scalePoint } from 'd3';
import { AUX_ATTACHMENT } from '../model/googlenet';
import type { Measure } from '../shared/experiment';
import { depthPoints, depthRows, MEASURE_LABEL, trailIndices, type DepthPoint } from './data';
import { formatValue } from './format';
import { Figure, Legend, LEGEND_ROW, legendRows, NonFiniteMark, round, Svg, Waiting, XLabels, YAxis, ZeroMark } from './parts';
import { logScale, type Placed } from './scales';
import { RUN_DASHES, runColour, theme } from './theme';
import type { ChartRun, Detail } from './types';
import { useDeferredUnlessPrinting } from '../ui/print';

export const defaults = {
  trail: 8,
  margin: { top: 40, right: 16, bottom: 52, left: 64 },
  /** Opacity of the oldest and the newest trail line. */
  trailOpacity: [0.08, 0.3] as const,
  strokeWidth: 2,
  /** Below this typical spacing (px) of the labels, they are rotated. */
  rotateBelow: 36,
};

export interface GradientByDepthProps {
  readonly runs: readonly ChartRun[];
  readonly measure: Measure;
  readonly detail: Detail;
  readonly width: number;
  readonly height: number;
  /** Earlier steps drawn faded behind the latest, evenly spaced through the history. */
  readonly trail?: number;
}

interface Profile { readonly step: number; readonly points: DepthPoint[]; readonly latest: boolean }

/** A measure of the gradient along the depth of the network: one line per run at its latest step, over a faded trail. */
export function GradientByDepth(props: GradientByDepthProps) {
  // As in TimeChart: an urgent render shows the last picture, the new one follows interruptibly.
  const { runs, measure, detail, width, height, trail = defaults.trail } = useDeferredUnlessPrinting(props);
  const m = defaults.margin;
  const name = MEASURE_LABEL[measure];
  const label = `${name} by depth`;
  const series = runs.map((r, i) => {
    const n = r.run.steps.length;
    const rows = depthRows(r.run.header, measure, detail);
    const profile = (s: number, latest: boolean): Profile => ({ step: r.run.steps[s]?.step ?? 0, points: depthPoints(r.run, s, measure, detail, rows), latest });
    return { r, colour: runColour(runs, i), dash: RUN_DASHES[i % RUN_DASHES.length], profiles: n === 0 ? [] : [...trailIndices(n, trail).map((s) => profile(s, false)), profile(n - 1, true)] };
  }).filter((s) => s.profiles.length > 0);
  const legend = series.map((s) => ({ label: s.r.label, colour: s.colour, dash: s.dash }));
  // A legend that wraps to more rows than the margin holds pushes the plot (and the aux labels) down.
  const top = m.top + Math.max(0, legendRows(width - m.left - m.right, legend) - 1) * LEGEND_ROW;
  const keys = [...new Set(series.flatMap((s) => s.profiles.flatMap((p) => p.points.map((q) => q.key))))];
  const meta = new Map(series.flatMap((s) => s.profiles.flatMap((p) => p.points.map((q) => [q.key, q] as const))));
  const x = scalePoint(keys, [m.left, width - m.right]).padding(0.5);
  const y = logScale(series.flatMap((s) => s.profiles.flatMap((p) => p.points.map((q) => q.value))), [height - m.bottom, top]);
  const xOf = (key: string) => x(key) ?? 0;
  const path = line<{ key: string; at: Placed }>().defined((d) => d.at.mark !== 'unplottable').x((d) => round(xOf(d.key))).y((d) => round(d.at.at));
  // Layer detail labels each block once, at its first layer.
  const labelled = keys.filter((k, i) => detail === 'block' || meta.get(k)?.block !== meta.get(keys[i - 1] ?? '')?.block);
  const auxAt = (block: string) => keys.filter((k) => meta.get(k)?.block === block).pop();
  const steps = series.map((s) => `${s.r.label} step ${s.profiles[s.profiles.length - 1]!.step}`).join(', ');
  const caption = series.length === 0 ? `${label}: waiting for the first step.`
    : `${label}, one point per ${measure === 'actGradRms' ? 'block output' : detail === 'block' ? 'block' : 'trunk layer'} (aux-head layers not shown), `
      + `at the latest step (${steps}); faded lines: up to ${trail} earlier steps; aux1 and aux2 mark where the aux heads attach (after 4a and 4d). `
      + 'Log scale: ○ on the floor marks an exact zero, a red × a non-finite value.';

  return (
    <Figure label={label} caption={caption}>
      <Svg width={width} height={height} label={`Line chart of ${label}`}>
        {series.length === 0 ? <Waiting width={width} height={height} text="waiting for the first step" /> : (
          <>
            <YAxis x={m.left} x2={width - m.right} ticks={y.ticks()} title={name} top={top} bottom={height - m.bottom} zeroAt={y.hasZero ? y.place(0).at : undefined} />
            <XLabels ticks={labelled.map((k) => ({ at: xOf(k), label: meta.get(k)?.label.split('/')[0] ?? k }))} y={height - m.bottom} rotateBelow={defaults.rotateBelow} />
            {(['aux1', 'aux2'] as const).map((head) => {
              const key = auxAt(AUX_ATTACHMENT[head]);
              return key === undefined ? null : (
                <g key={head} data-aux-marker={head} transform={`translate(${round(xOf(key))},0)`}>
                  <line y1={top - 6} y2={height - m.bottom} stroke={theme.head[head]} strokeDasharray="4 3" />
                  <text y={top - 9} textAnchor="middle" fontSize={10}>{head}</text>
                </g>
              );
            })}
            {series.map(({ r, colour, dash, profiles }) => profiles.map((p, pi) => {
              const placed = p.points.map((q) => ({ key: q.key, at: y.place(q.value), q }));
              const opacity = p.latest ? 1 : defaults.trailOpacity[0] + ((defaults.trailOpacity[1] - defaults.trailOpacity[0]) * pi) / Math.max(1, profiles.length - 1);
              const title = (q: DepthPoint) => `${r.label}, ${q.key} at step ${p.step}: ${formatValue(q.value)}`;
              return (
                // Keyed by place, not step: the trail's steps all move with each new step, and its lines are redrawn, not re-created.
                <g key={`${r.id}-${p.latest ? 'latest' : pi}`} opacity={opacity}>
                  <path data-series={p.latest ? 'latest' : 'trail'} data-run={r.id} d={path(placed) ?? ''} fill="none" stroke={colour}
                    strokeWidth={p.latest ? defaults.strokeWidth : 1} strokeDasharray={dash || undefined} />
                  {placed.map(({ key, at, q }) => at.mark === 'zero' ? <ZeroMark key={key} x={xOf(key)} y={at.at} colour={colour} title={`${title(q)} (exactly zero)`} />
                    : at.mark === 'unplottable' ? <NonFiniteMark key={key} x={xOf(key)} y={at.at} title={title(q)} /> : null)}
                </g>
              );
            }))}
            <Legend x={m.left} y={12} width={width - m.left - m.right}
              items={legend} />
          </>
        )}
      </Svg>
    </Figure>
  );
}
