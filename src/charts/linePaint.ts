/**
 * Painting a chart's long lines on a 2D canvas: the page's own canvas, or an OffscreenCanvas
 * in the line-drawing worker (src/worker/lineDrawing.worker.ts), which takes the raster off
 * the page's main thread. No DOM types here: this compiles for the page and for a worker.
 */
import { traceLine } from './decimate';

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

/** The rectangle lines are clipped to, in the chart's pixels. */
export interface PlotArea {
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
}

/** What one canvas shows: its lines, in order, over a chart of `width` x `height` CSS pixels at `ratio` device pixels each. */
export interface LinePicture {
  readonly strokes: readonly LineStroke[];
  readonly width: number;
  readonly height: number;
  readonly area: PlotArea;
  readonly ratio: number;
}

/** What painting needs of a canvas's 2D context (CanvasRenderingContext2D and OffscreenCanvasRenderingContext2D alike). */
export interface LineContext {
  globalAlpha: number;
  strokeStyle: unknown;
  lineWidth: number;
  setTransform(a: number, b: number, c: number, d: number, e: number, f: number): void;
  clearRect(x: number, y: number, w: number, h: number): void;
  save(): void;
  restore(): void;
  beginPath(): void;
  rect(x: number, y: number, w: number, h: number): void;
  clip(): void;
  setLineDash(segments: number[]): void;
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
  stroke(): void;
}

/** A canvas's bitmap size. */
export interface CanvasSize {
  width: number;
  height: number;
}

/** An SVG dash array as canvas line-dash segments. */
export function dashSegments(dash: string): number[] {
  return dash.trim() === '' ? [] : dash.trim().split(/[\s,]+/).map(Number).filter((v) => Number.isFinite(v) && v >= 0);
}

/** The bitmap size, in device pixels, that shows `picture` sharply. */
export function pixelSize(picture: LinePicture): CanvasSize {
  return { width: Math.max(1, Math.round(picture.width * picture.ratio)), height: Math.max(1, Math.round(picture.height * picture.ratio)) };
}

/** Paints `picture` on `canvas` (resized first if need be, which clears it) through its `context`. */
export function paintLines(canvas: CanvasSize, context: LineContext, picture: LinePicture): void {
  const { strokes, width, height, area, ratio } = picture;
  const size = pixelSize(picture);
  if (canvas.width !== size.width) canvas.width = size.width;
  if (canvas.height !== size.height) canvas.height = size.height;
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.clearRect(0, 0, width, height);
  context.save();
  context.beginPath();
  context.rect(area.left, area.top, area.right - area.left, area.bottom - area.top);
  context.clip();
  for (const s of strokes) {
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
 * What the page sends the line-drawing worker: a canvas handed over (its `label` names it,
 * by its layer, "A" or "file", for whoever inspects the messages), a picture for it, or that
 * it is gone.
 */
export type LineDrawingMessage<C = unknown> =
  | { readonly type: 'attach'; readonly id: number; readonly label: string; readonly canvas: C }
  | { readonly type: 'draw'; readonly id: number; readonly picture: LinePicture }
  | { readonly type: 'detach'; readonly id: number };

/**
 * The line-drawing worker's work: keeps the canvases handed to it and paints each one's
 * latest picture in a task `later` runs. Pictures that come while it paints (a page-width
 * change sends every chart's at once) wait for that task, and a canvas whose picture was
 * replaced meanwhile is painted once, with the newest.
 */
export function lineDrawer<C extends CanvasSize>(later: (task: () => void) => void, contextOf: (canvas: C) => LineContext | null): (message: LineDrawingMessage<C>) => void {
  const canvases = new Map<number, { canvas: C; next: LinePicture | null }>();
  let queued = false;
  const paintWaiting = () => {
    queued = false;
    for (const entry of canvases.values()) {
      const picture = entry.next;
      if (!picture) continue;
      entry.next = null;
      const context = contextOf(entry.canvas);
      if (context) paintLines(entry.canvas, context, picture);
    }
  };
  return (message) => {
    if (message.type === 'attach') {
      canvases.set(message.id, { canvas: message.canvas, next: null });
    } else if (message.type === 'detach') {
      canvases.delete(message.id);
    } else {
      const entry = canvases.get(message.id);
      if (!entry) return;
      entry.next = message.picture;
      if (!queued) {
        queued = true;
        later(paintWaiting);
      }
    }
  };
}
