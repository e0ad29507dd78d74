/**
 * Draws the charts' long lines off the page's main thread: each LineCanvas hands its canvas
 * over (transferControlToOffscreen) and sends its pictures here (../charts/lineWorker.ts).
 * Painting thousands of segments is the page's costliest drawing, and without a GPU the
 * browser rasterises a canvas on the thread that draws on it; here it is this worker's, and
 * the page's frames go on while it paints. What reaches the screen is each canvas's last
 * painted picture.
 */
import { lineDrawer, type LineDrawingMessage } from '../charts/linePaint';

const scope = self as unknown as DedicatedWorkerGlobalScope;

const take = lineDrawer<OffscreenCanvas>((task) => setTimeout(task, 0), (canvas) => canvas.getContext('2d'));

scope.onmessage = (event: MessageEvent<LineDrawingMessage<OffscreenCanvas>>) => take(event.data);
