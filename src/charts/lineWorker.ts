/**
 * The page's side of the line-drawing worker (src/worker/lineDrawing.worker.ts): a canvas of
 * lines is handed over once (transferControlToOffscreen) and its pictures are posted to the
 * worker, which paints them off the main thread. Where a browser has no OffscreenCanvas, or
 * the worker cannot start or fails, the page paints its canvases itself: useLineDrawing says
 * which, and a LineCanvas renders new canvases when that changes (a canvas handed over can
 * no longer be drawn on here).
 */
import { useSyncExternalStore } from 'react';
import type { LineDrawingMessage, LinePicture } from './linePaint';

/** Who paints the canvases of lines: the line-drawing worker or the page itself. */
export type LineDrawing = 'worker' | 'page';

let worker: Worker | null = null;
let failed = false;
let nextId = 1;
/** The id of each canvas handed over to the worker. */
const handedOver = new WeakMap<HTMLCanvasElement, number>();
const listeners = new Set<() => void>();

function canHandOver(): boolean {
  return typeof Worker !== 'undefined' && typeof OffscreenCanvas !== 'undefined' && typeof HTMLCanvasElement !== 'undefined'
    && typeof HTMLCanvasElement.prototype.transferControlToOffscreen === 'function';
}

/** Who paints the canvases of lines now. */
export function lineDrawing(): LineDrawing {
  return !failed && canHandOver() ? 'worker' : 'page';
}

/** The worker could not start or failed: the page paints from now on. */
function fail(): void {
  if (failed) return;
  failed = true;
  worker?.terminate();
  worker = null;
  for (const listener of listeners) listener();
}

function lineWorker(): Worker | null {
  if (lineDrawing() === 'page') return null;
  if (!worker) {
    try {
      worker = new Worker(new URL('../worker/lineDrawing.worker.ts', import.meta.url), { type: 'module' });
    } catch {
      fail();
      return null;
    }
    worker.addEventListener('error', fail);
    worker.addEventListener('messageerror', fail);
  }
  return worker;
}

function post(to: Worker, message: LineDrawingMessage<OffscreenCanvas>, transfer: Transferable[] = []): void {
  to.postMessage(message, transfer);
}

/**
 * Has the worker paint `picture` on `canvas`, handing the canvas over (named `label`) the
 * first time. False if the page must paint it: no worker, or a canvas that cannot be handed
 * over (one the page drew on already).
 */
export function drawOffPage(canvas: HTMLCanvasElement, label: string, picture: LinePicture): boolean {
  const to = lineWorker();
  if (!to) return false;
  let id = handedOver.get(canvas);
  if (id === undefined) {
    let offscreen: OffscreenCanvas;
    try {
      offscreen = canvas.transferControlToOffscreen();
    } catch {
      return false;
    }
    id = nextId++;
    handedOver.set(canvas, id);
    post(to, { type: 'attach', id, label, canvas: offscreen }, [offscreen]);
  }
  post(to, { type: 'draw', id, picture });
  return true;
}

/** Whether `canvas` was handed over to the worker (the page cannot draw on it). */
export function isHandedOver(canvas: HTMLCanvasElement): boolean {
  return handedOver.has(canvas);
}

/**
 * The worker forgets `canvas` once it has left the page (after this task). A canvas still in
 * the page keeps its place there: React's development checks run a component's effects'
 * cleanups and the effects again on the same element, which draws on it again.
 */
export function releaseOffPage(canvas: HTMLCanvasElement): void {
  const id = handedOver.get(canvas);
  if (id === undefined) return;
  setTimeout(() => {
    if (canvas.isConnected || !worker) return;
    handedOver.delete(canvas);
    post(worker, { type: 'detach', id });
  }, 0);
}

/** Calls `listener` when lineDrawing() changes (the page takes the drawing over); returns the unsubscribe. */
export function subscribeLineDrawing(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** lineDrawing() for a component: renders again when the page takes the drawing over. */
export function useLineDrawing(): LineDrawing {
  return useSyncExternalStore(subscribeLineDrawing, lineDrawing, () => 'page');
}
