/**
 * The frame LossCurves and AccuracyCurves share: steps on x, a linear y, smoothed lines over
 * faded raw ones, event lines. Long histories are drawn per pixel column (./decimate.ts): a
 * few points per column for lines, one mark per column for non-finite values, one path for
 * all the dots of a series, so the DOM stays the same size however long the run. The lines
 * are drawn on canvases, one per run (./LineCanvas.tsx), between the axes and the marks.
 */
import { scaleLinear } from 'd3';
import type { ReactNode } from 'react';
import type { RunEvent } from '../shared/runFile';
import type { Curve } from './curves';
import { markSteps, type ColumnMark } from './decimate';
import { formatValue } from './format';
import { LineCanvas, type LineLayer, type LineStroke } from './LineCanvas';
import { EventLines, Figure, Legend, LEGEND_ROW, legendRows, NonFiniteMark, Svg, Waiting, XLabels, YAxis, type LegendItem } from './parts';
import { theme } from './theme';
import { drawCurve, drawDots, isDense, stepExtent, timeGeometry, type DrawnCurve } from './timeDrawing';
import { useMemoCache } from './useMemoCache';
import { useDeferredUnlessPrinting } from '../ui/print';

export const defaults = {
  margin: { top: 44, right: 16, bottom: 36, left: 64 },
  rawOpacity: 0.22,
  strokeWidth: 1.75,
  /** A smoothed line with more steps than pixel columns (isDense of ./timeDrawing.ts). */
  denseStrokeWidth: 1,
  /** Held-out accuracy dots. */
  dotRadius: 3,
};

export interface TimeSeries {
  readonly id: string;
  /** The run it belongs to: a run's lines share a canvas. */
  readonly run: string;
  /** For titles: "A: aux on, aux1". */
  readonly name: string;
  readonly colour: string;
  readonly dash: string;
  readonly curve: Curve;
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

/** "A, main held-out accuracy: 20 evaluations, the latest 91% at step 1000". */
function dotsTitle(d: TimeDots, format: (v: number) => string): string {
  const latest = d.points[d.points.length - 1];
  const count = `${d.points.length} evaluation${d.points.length === 1 ? '' : 's'}`;
  return latest ? `${d.name}: ${count}, the latest ${format(latest.value)} at step ${latest.step}` : `${d.name}: ${count}`;
}

export function TimeChart(props: TimeChartProps) {
  // A render the page did not mark as deferrable (a panel scrolled into view, a new width)
  // shows the last picture at once; the new one follows in a render React can interrupt,
  // so redrawing a long history does not hold up a frame.
  const { width, height, label, caption, yTitle, yDomain, yFormat, series, dots = [], events, legend } = useDeferredUnlessPrinting(props);
  // What is drawn for a curve is kept while the curve and the geometry stay (an opened run, a model that did not step).
  const drawnCurves = useMemoCache<Curve, DrawnCurve>();
  const drawnDots = useMemoCache<TimeDots['points'], ReturnType<typeof drawDots>>();
  const m = defaults.margin;
  const bottom = height - m.bottom;
  const empty = series.every((s) => s.curve.steps.length === 0) && dots.every((d) => d.points.length === 0);
  const [first, last] = stepExtent(series.map((s) => s.curve), dots.map((d) => d.points));
  const x = scaleLinear([first, Math.max(last, first + 1)], [m.left, width - m.right]);
  const largest = Math.max(0, ...series.map((s) => s.curve.max));
  // The margin holds two legend rows; more push the plot down.
  const plotTop = m.top + Math.max(0, legendRows(width - m.left - m.right, legend) - 2) * LEGEND_ROW;
  const y = scaleLinear(yDomain ?? [0, largest > 0 ? largest : 1], [bottom, plotTop]).nice();
  // x and y as plain arithmetic for the thousands of points of a long history (no call through a scale each).
  const [y0, y1] = y.domain() as [number, number];
  const geometry = timeGeometry(
    { left: m.left, first, perStep: (width - m.right - m.left) / Math.max(1, last - first) },
    { bottom, y0, perUnit: (plotTop - bottom) / (y1 - y0 || 1) },
  );
  const xTicks = x.ticks(6).filter(Number.isInteger).map((s) => ({ at: x(s), label: String(s) }));
  const markTitle = (name: string, k: ColumnMark, step: (i: number) => number, value: number) =>
    `${name} ${markSteps(k, step)}: ${formatValue(value)}${k.count > 1 ? ' (the first)' : ''}`;

  const drawn = series.map(({ curve: c }) => drawnCurves(c, geometry.key, () => drawCurve(c, geometry)));
  // Each run's lines on a canvas of its own, in the order of the series.
  const strokesOf = new Map<string, LineStroke[]>();
  series.forEach(({ id, run, colour, dash, curve }, i) => {
    const { raw, smoothed } = drawn[i]!;
    const strokes = strokesOf.get(run) ?? [];
    strokesOf.set(run, strokes);
    strokes.push(
      { id, kind: 'raw', points: raw, colour, opacity: defaults.rawOpacity, width: 1, dash: '' },
      { id, kind: 'smoothed', points: smoothed, colour, opacity: 1, width: isDense(curve, geometry) ? defaults.denseStrokeWidth : defaults.strokeWidth, dash },
    );
  });
  const layers: LineLayer[] = [...strokesOf].map(([id, strokes]) => ({ id, strokes }));

  return (
    <Figure label={label} caption={caption}>
      <div style={{ position: 'relative', width, height }}>
        <Svg width={width} height={height} label={`Line chart of ${label}`}>
          {empty ? <Waiting width={width} height={height} text="waiting for the first step" /> : (
            <>
              <YAxis x={m.left} x2={width - m.right} ticks={y.ticks(5).map((v) => ({ at: y(v), label: yFormat(v) }))} title={yTitle} top={plotTop} bottom={bottom} />
              <XLabels ticks={xTicks} y={bottom} />
              <text x={width - m.right} y={height - 4} textAnchor="end" fill={theme.muted}>step</text>
              <EventLines events={events} x={(s) => (s >= first && s <= last ? x(s) : null)} top={plotTop} bottom={bottom} />
            </>
          )}
        </Svg>
        {!empty && <LineCanvas layers={layers} width={width} height={height} area={{ left: m.left, top: plotTop, right: width - m.right, bottom }} />}
        {!empty && (
          // Over the lines: marks, held-out dots and the legend. Only marks and dots take the
          // pointer (for their titles); elsewhere it reaches the event lines' titles beneath.
          <svg width={width} height={height} aria-hidden="true" fontFamily={theme.font} fontSize={11} fill={theme.text}
            style={{ position: 'absolute', left: 0, top: 0, overflow: 'visible', pointerEvents: 'none' }}>
            {series.map(({ id, name, curve: c }, i) => {
              const { marks } = drawn[i]!;
              return marks.length === 0 ? null : (
                <g key={id} data-marks={id} pointerEvents="visiblePainted">
                  {marks.map((k) => (
                    <NonFiniteMark key={k.first} x={geometry.xOf(c.steps[k.first]!)} y={plotTop} title={markTitle(name, k, (i) => c.steps[i]!, c.raw[k.first]!)} />
                  ))}
                </g>
              );
            })}
            {dots.map((d) => {
              const drawn = drawnDots(d.points, geometry.key, () => drawDots(d.points, geometry, defaults.dotRadius));
              return (
                <g key={d.id} pointerEvents="visiblePainted">
                  <path data-series="eval" data-id={d.id} d={drawn.d} fill={d.filled ? d.colour : 'white'} stroke={d.colour} strokeWidth={1.5}>
                    <title>{dotsTitle(d, yFormat)}</title>
                  </path>
                  {drawn.marks.map((k) => (
                    <NonFiniteMark key={k.first} x={geometry.xOf(d.points[k.first]!.step)} y={plotTop} title={markTitle(d.name, k, (i) => d.points[i]!.step, d.points[k.first]!.value)} />
                  ))}
                </g>
              );
            })}
            <Legend x={m.left} y={12} width={width - m.left - m.right} items={legend} />
          </svg>
        )}
      </div>
    </Figure>
  );
}
