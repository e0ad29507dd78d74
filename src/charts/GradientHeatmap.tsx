import { scaleLinear, scaleLog, ticks as niceTicks } from 'd3';
import { useEffect, useMemo, useRef } from 'react';
import type { Measure } from '../shared/experiment';
import { MEASURE_LABEL } from './data';
import { columnOfStep, heatmapMatrix, heatmapPixels, type HeatmapPalette } from './heatmap';
import { ColourBar, EventLines, Figure, Legend, round, Svg, thin, Waiting, XLabels } from './parts';
import { formatLogTick } from './format';
import { logTicks } from './scales';
import { colourTable, magnitudeInterpolator, rgbOf, theme } from './theme';
import type { ChartRun, Detail } from './types';
import { useDeferredUnlessPrinting } from '../ui/print';

export const defaults = {
  margin: { top: 52, right: 12, bottom: 36, left: 72 },
  colourBarWidth: 180,
  palette: { table: colourTable(magnitudeInterpolator), zero: rgbOf(theme.zero), nonFinite: rgbOf(theme.nonFinite) } satisfies HeatmapPalette,
};

export interface GradientHeatmapProps {
  readonly run: ChartRun;
  readonly measure: Measure;
  readonly detail: Detail;
  readonly width: number;
  readonly height: number;
}

/** A measure at every depth (rows) over every step (columns): cells on a canvas, one pixel column at most per step shown. */
export function GradientHeatmap(props: GradientHeatmapProps) {
  // As in TimeChart: an urgent render shows the last picture, the new one follows interruptibly.
  const { run, measure, detail, width, height } = useDeferredUnlessPrinting(props);
  const m = defaults.margin;
  const plotW = Math.max(1, Math.floor(width - m.left - m.right));
  const plotH = Math.max(1, Math.floor(height - m.top - m.bottom));
  const matrix = useMemo(() => heatmapMatrix(run.run, measure, detail, plotW), [run.run, measure, detail, plotW]);
  const canvas = useRef<HTMLCanvasElement>(null);
  const rows = matrix.rows.length;
  const cols = matrix.columns;
  useEffect(() => {
    const context = canvas.current?.getContext('2d');
    if (!context || rows === 0 || cols === 0) return;
    context.putImageData(new ImageData(heatmapPixels(matrix, defaults.palette), cols, rows), 0, 0);
  }, [matrix, rows, cols]);

  const name = MEASURE_LABEL[measure];
  const label = `${name} heatmap, ${run.label}`;
  // The pixels map [lo, hi] log-linearly onto the colour table, and so does the bar.
  const [lo, hi] = matrix.range ?? [1e-12, 1];
  const bar = scaleLog([lo, hi > lo ? hi : lo * 10], [0, defaults.colourBarWidth]);
  const barTicks = logTicks(bar.domain()[0]!, bar.domain()[1]!, 4).map((v) => ({ at: bar(v), label: formatLogTick(v) }));
  const x = scaleLinear([0, cols], [m.left, m.left + plotW]);
  /** The middle of the column that shows `step`, or null past the last column. */
  const stepX = (step: number) => {
    const c = columnOfStep(matrix.steps, step);
    return c < 0 ? null : x(c + 0.5);
  };
  const first = matrix.steps[0] ?? 0;
  const last = matrix.steps[cols - 1] ?? 0;
  const xTicks = cols === 0 ? [] : [...new Set(niceTicks(first, last, 5).map(Math.round))]
    .filter((s) => s >= first && s <= last).map((s) => ({ at: stepX(s) ?? 0, label: String(s) }));
  const rowH = plotH / Math.max(1, rows);
  const rowLabels = matrix.rows.filter((r, i) => detail === 'block' || measure === 'actGradRms' || r.block !== matrix.rows[i - 1]?.block);
  const bucket = cols < run.run.steps.length ? ', each the last step of an equal stretch of steps, or its first diverged one' : '';
  const caption = cols === 0 ? `${label}: waiting for the first step.`
    : `${name} of ${run.label} by depth (rows, top = input side) and step (columns ${first} to ${last}${bucket}); log colour. `
      + 'White: exactly zero; red: non-finite. Dashed lines: setting changes; red lines: divergence.';

  return (
    <Figure label={label} caption={caption}>
      <div style={{ position: 'relative', width, height }}>
        <canvas ref={canvas} width={cols} height={rows} aria-hidden="true"
          style={{ position: 'absolute', left: m.left, top: m.top, width: plotW, height: plotH, imageRendering: 'pixelated' }} />
        <div style={{ position: 'absolute', inset: 0, pointerEvents: 'none' }}>
          <Svg width={width} height={height} label={`Heatmap of ${label}`}>
            {cols === 0 ? <Waiting width={width} height={height} text="waiting for the first step" /> : (
              <>
                {thin(rowLabels.map((r) => ({ at: m.top + (matrix.rows.indexOf(r) + 0.5) * rowH, label: r.label.split('/')[0] ?? r.label })), 11).map((t) => (
                  <text key={t.label} x={m.left - 6} y={round(t.at)} dy="0.32em" textAnchor="end" fontSize={10}>{t.label}</text>
                ))}
                <XLabels ticks={xTicks} y={m.top + plotH} />
                <text x={m.left + plotW} y={height - 4} textAnchor="end" fill={theme.muted}>step</text>
                <EventLines events={run.run.events} x={stepX} top={m.top} bottom={m.top + plotH} />
                <ColourBar x={m.left} y={22} width={defaults.colourBarWidth} colour={magnitudeInterpolator} title={name} ticks={barTicks} />
                <Legend x={m.left + defaults.colourBarWidth + 24} y={26} width={plotW - defaults.colourBarWidth - 24}
                  items={[{ label: '0', colour: theme.zero, shape: 'square' }, { label: 'non-finite', colour: theme.nonFinite, shape: 'square' }]} />
              </>
            )}
          </Svg>
        </div>
      </div>
    </Figure>
  );
}
