/**
 * Long lines drawn on canvases instead of SVG paths: a path of thousands of points costs the
 * page a parse and a repaint whenever anything near it changes, a canvas only when its own
 * lines do. One canvas per layer (a run), so a run that did not step (an opened file) is not
 * drawn again when the live runs step. The lines are kept as points, traced straight onto
 * the canvas (no path text to build and parse); the chart's SVG export writes them as
 * vector paths (`canvasLines`, pathData of ./decimate.ts).
 */
import { memo, useLayoutEffect, useRef } from 'react';
import { cancelFrameJob, queueFrameJob } from '../ui/frameQueue';
import { usePrinting } from '../ui/print';
import { pathData, traceLine } from './decimate';

/** One line: its points and how it is stroked. */
export interface LineStroke {
  /** The series it belongs to ("A-main"). */
  readonly id: string;
  /** Which of the series' lines: its faint raw values or its smoothed line. */
  readonly kind: 'raw' | 'smoothed';
  /** x, y pairs with a NaN pair before each move (linePoints of ./decimate.ts); empty for nothing to draw. */
  readonly points: Float64Array;
  readonly colour: string;
  readonly opacity: number;
  readonly width: number;
  /** An SVG dash array ("6 3"), or '' for a solid line. */
  readonly dash: string;
}

/** The lines of one canvas, drawn in order. */
export interface LineLayer {
  readonly id: string;
  readonly strokes: readonly LineStroke[];
}

/** The rectangle lines are clipped to, in the chart's pixels. */
export interface PlotArea {
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
}

/** What each mounted canvas shows, for the SVG export. */
const drawnLines = new WeakMap<HTMLCanvasElement, readonly LineStroke[]>();

/** The lines a canvas of a LineCanvas shows, or undefined for any other canvas. */
export function canvasLines(canvas: HTMLCanvasElement): readonly LineStroke[] | undefined {
  return drawnLines.get(canvas);
}

/** An SVG dash array as canvas line-dash segments. */
export function dashSegments(dash: string): number[] {
  return dash.trim() === '' ? [] : dash.trim().split(/[\s,]+/).map(Number).filter((v) => Number.isFinite(v) && v >= 0);
}

const sameStroke = (a: LineStroke, b: LineStroke): boolean =>
  a.points === b.points && a.colour === b.colour && a.opacity === b.opacity && a.width === b.width && a.dash === b.dash && a.id === b.id && a.kind === b.kind;

interface LayerProps {
  readonly layer: LineLayer;
  readonly width: number;
  readonly height: number;
  readonly area: PlotArea;
  readonly ratio: number;
}

/** Props that draw the same picture: the same size and area and the same strokes (a curve's points are kept per curve and geometry, so the same line is the same array). */
function samePicture(a: LayerProps, b: LayerProps): boolean {
  return a.width === b.width && a.height === b.height && a.ratio === b.ratio && a.layer.id === b.layer.id
    && a.area.left === b.area.left && a.area.top === b.area.top && a.area.right === b.area.right && a.area.bottom === b.area.bottom
    && a.layer.strokes.length === b.layer.strokes.length && a.layer.strokes.every((s, i) => sameStroke(s, b.layer.strokes[i]!));
}

/** Draws `strokes` on a canvas of `pixelWidth` x `pixelHeight` (resized first if need be, which clears it). */
function paint(canvas: HTMLCanvasElement, pixelWidth: number, pixelHeight: number, { layer, width, height, area, ratio }: LayerProps): void {
  if (canvas.width !== pixelWidth) canvas.width = pixelWidth;
  if (canvas.height !== pixelHeight) canvas.height = pixelHeight;
  const context = canvas.getContext('2d');
  if (!context) return;
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.clearRect(0, 0, width, height);
  context.save();
  context.beginPath();
  context.rect(area.left, area.top, area.right - area.left, area.bottom - area.top);
  context.clip();
  for (const s of layer.strokes) {
    if (s.points.length === 0) continue;
    context.globalAlpha = s.opacity;
    context.strokeStyle = s.colour;
    context.lineWidth = s.width;
    context.setLineDash(dashSegments(s.dash));
    context.beginPath();
    traceLine(context, s.points);
    context.stroke();
  }
  context.restore();
}

/**
 * One layer's canvas. It renders, and so draws, only when its picture changes: new lines are
 * drawn before the browser paints; a new size waits for a frame of its own in the page's
 * frame queue (src/ui/frameQueue.ts), the old picture stretched until then, so that a
 * page-width change does not redraw every long line of every chart in the frame that lays
 * the page out again, nor the canvases of several charts after one same frame.
 */
const LayerCanvas = memo(function LayerCanvas(props: LayerProps) {
  const { layer, width, height, ratio } = props;
  const ref = useRef<HTMLCanvasElement>(null);
  const drawn = useRef(false);
  /** Bumped by every new picture and on unmount: a scheduled drawing of an older one is dropped. */
  const generation = useRef(0);
  useLayoutEffect(() => {
    const canvas = ref.current;
    if (!canvas) return;
    drawnLines.set(canvas, layer.strokes);
    const pixelWidth = Math.max(1, Math.round(width * ratio));
    const pixelHeight = Math.max(1, Math.round(height * ratio));
    const ticket = ++generation.current;
    if (!drawn.current || (canvas.width === pixelWidth && canvas.height === pixelHeight)) {
      drawn.current = true;
      paint(canvas, pixelWidth, pixelHeight, props);
      return;
    }
    queueFrameJob(canvas, () => {
      if (ticket === generation.current) paint(canvas, pixelWidth, pixelHeight, props);
    });
  });
  useLayoutEffect(() => {
    const canvas = ref.current;
    return () => {
      generation.current++;
      if (canvas) cancelFrameJob(canvas);
    };
  }, []);
  return (
    <canvas ref={ref} data-layer={layer.id} data-lines={layer.strokes.length} aria-hidden="true"
      style={{ position: 'absolute', left: 0, top: 0, width, height, pointerEvents: 'none' }} />
  );
}, samePicture);

/**
 * The same lines as vector paths, for a printout: Chromium prints a canvas drawn while the page
 * prints (a panel catching up in `beforeprint`) as an opaque rectangle that hides the axes and
 * the other runs' lines beneath it. Clipped to the plot area, as the canvases are.
 */
function LinePaths({ layers, width, height, area }: { layers: readonly LineLayer[]; width: number; height: number; area: PlotArea }) {
  const w = area.right - area.left;
  const h = area.bottom - area.top;
  return (
    <svg width={width} height={height} aria-hidden="true" style={{ position: 'absolute', left: 0, top: 0, pointerEvents: 'none' }}>
      <svg x={area.left} y={area.top} width={w} height={h} viewBox={`${area.left} ${area.top} ${w} ${h}`}>
        {layers.map((layer) => (
          <g key={layer.id} data-layer={layer.id} data-lines={layer.strokes.length}>
            {layer.strokes.map((s, i) => (s.points.length === 0 ? null : (
              <path key={i} data-series={s.kind} data-id={s.id} d={pathData(s.points)} fill="none" stroke={s.colour} strokeWidth={s.width}
                strokeOpacity={s.opacity === 1 ? undefined : s.opacity} strokeDasharray={s.dash === '' ? undefined : s.dash} />
            )))}
          </g>
        ))}
      </svg>
    </svg>
  );
}

/**
 * Canvases stacked over the chart's area, one per layer, in order. Sharp on high-density
 * screens (drawn at the device's pixel ratio). While the page prints, vector paths instead.
 */
export function LineCanvas({ layers, width, height, area }: { layers: readonly LineLayer[]; width: number; height: number; area: PlotArea }) {
  const printing = usePrinting();
  if (printing) return <LinePaths layers={layers} width={width} height={height} area={area} />;
  const ratio = typeof window === 'undefined' ? 1 : window.devicePixelRatio || 1;
  return <>{layers.map((layer) => <LayerCanvas key={layer.id} layer={layer} width={width} height={height} area={area} ratio={ratio} />)}</>;
}
