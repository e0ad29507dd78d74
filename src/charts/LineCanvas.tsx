/**
 * Long lines drawn on canvases instead of SVG paths: a path of thousands of points costs the
 * page a parse and a repaint whenever anything near it changes, a canvas only when its own
 * lines do. One canvas per layer (a run), so a run that did not step (an opened file) is not
 * drawn again when the live runs step. The lines are kept as points, traced straight onto
 * the canvas (no path text to build and parse), by the line-drawing worker where the browser
 * can hand a canvas over to one (./lineWorker.ts); the chart's SVG export writes them as
 * vector paths (`canvasLines`, pathData of ./decimate.ts).
 */
import { memo, useLayoutEffect, useRef } from 'react';
import { cancelFrameJob, queueFrameJob } from '../ui/frameQueue';
import { usePrinting } from '../ui/print';
import { pathData } from './decimate';
import { paintLines, pixelSize, type LinePicture, type LineStroke, type PlotArea } from './linePaint';
import { drawOffPage, isHandedOver, releaseOffPage, useLineDrawing, type LineDrawing } from './lineWorker';

export type { LineStroke, PlotArea } from './linePaint';

/** The lines of one canvas, drawn in order. */
export interface LineLayer {
  readonly id: string;
  readonly strokes: readonly LineStroke[];
}

/** What each mounted canvas shows, for the SVG export. */
const drawnLines = new WeakMap<HTMLCanvasElement, readonly LineStroke[]>();

/** The lines a canvas of a LineCanvas shows, or undefined for any other canvas. */
export function canvasLines(canvas: HTMLCanvasElement): readonly LineStroke[] | undefined {
  return drawnLines.get(canvas);
}

const sameStroke = (a: LineStroke, b: LineStroke): boolean =>
  a.points === b.points && a.colour === b.colour && a.opacity === b.opacity && a.width === b.width && a.dash === b.dash && a.id === b.id && a.kind === b.kind;

interface LayerProps {
  readonly layer: LineLayer;
  readonly width: number;
  readonly height: number;
  readonly area: PlotArea;
  readonly ratio: number;
  /** Who paints it: fixed for a canvas's life (a canvas handed over to the worker stays there). */
  readonly drawing: LineDrawing;
}

/** Props that draw the same picture: the same size and area and the same strokes (a curve's points are kept per curve and geometry, so the same line is the same array). */
function samePicture(a: LayerProps, b: LayerProps): boolean {
  return a.width === b.width && a.height === b.height && a.ratio === b.ratio && a.layer.id === b.layer.id
    && a.area.left === b.area.left && a.area.top === b.area.top && a.area.right === b.area.right && a.area.bottom === b.area.bottom
    && a.layer.strokes.length === b.layer.strokes.length && a.layer.strokes.every((s, i) => sameStroke(s, b.layer.strokes[i]!));
}

/** Paints `picture` on the page's own canvas. */
function paintHere(canvas: HTMLCanvasElement, picture: LinePicture): void {
  if (isHandedOver(canvas)) return;
  const context = canvas.getContext('2d');
  if (context) paintLines(canvas, context, picture);
}

/**
 * One layer's canvas. It renders, and so draws, only when its picture changes. Where the
 * line-drawing worker paints (./lineWorker.ts), every picture is posted to it as it comes and
 * the page's frames go on meanwhile. Where the page paints, new lines are drawn before the
 * browser paints; a new size waits for a frame of its own in the page's frame queue
 * (src/ui/frameQueue.ts), the old picture stretched until then, so that a page-width change
 * does not redraw every long line of every chart in the frame that lays the page out again,
 * nor the canvases of several charts after one same frame.
 */
const LayerCanvas = memo(function LayerCanvas({ layer, width, height, area, ratio, drawing }: LayerProps) {
  const ref = useRef<HTMLCanvasElement>(null);
  const drawn = useRef(false);
  /** Bumped by every new picture and on unmount: a scheduled drawing of an older one is dropped. */
  const generation = useRef(0);
  useLayoutEffect(() => {
    const canvas = ref.current;
    if (!canvas) return;
    drawnLines.set(canvas, layer.strokes);
    const picture: LinePicture = { strokes: layer.strokes, width, height, area, ratio };
    const ticket = ++generation.current;
    if (drawing === 'worker' && drawOffPage(canvas, layer.id, picture)) return;
    const size = pixelSize(picture);
    if (!drawn.current || (canvas.width === size.width && canvas.height === size.height)) {
      drawn.current = true;
      paintHere(canvas, picture);
      return;
    }
    queueFrameJob(canvas, () => {
      if (ticket === generation.current) paintHere(canvas, picture);
    });
  });
  useLayoutEffect(() => {
    const canvas = ref.current;
    return () => {
      generation.current++;
      if (!canvas) return;
      cancelFrameJob(canvas);
      releaseOffPage(canvas);
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
  const drawing = useLineDrawing();
  if (printing) return <LinePaths layers={layers} width={width} height={height} area={area} />;
  const ratio = typeof window === 'undefined' ? 1 : window.devicePixelRatio || 1;
  // Keyed by who paints, too: when the page takes over from a failed worker, every canvas is a new one it can draw on.
  return <>{layers.map((layer) => <LayerCanvas key={`${drawing}:${layer.id}`} layer={layer} width={width} height={height} area={area} ratio={ratio} drawing={drawing} />)}</>;
}
