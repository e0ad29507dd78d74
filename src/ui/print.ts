/**
 * Printing (or saving as PDF): the browser lays the page out for paper right after the
 * `beforeprint` event, without waiting for a frame, so whatever the page defers to save
 * work on screen must be drawn within that event: panels off screen that kept an older
 * picture (Panel), renders React may put off (useDeferredValue in the charts) and canvases
 * of lines (drawn as paths instead, LineCanvas), and the new widths of charts off screen,
 * which wait until scrolled to (./frameQueue.ts). One flag for the page, the window's own
 * print state, rendered synchronously when it rises.
 */
import { useDeferredValue, useSyncExternalStore } from 'react';
import { flushSync } from 'react-dom';
import { flushFrameJobs } from './frameQueue';

const listeners = new Set<() => void>();
let printing = false;

function setPrinting(value: boolean): void {
  printing = value;
  for (const listener of listeners) listener();
}

/** Everything current before the printout is laid out: every subscriber renders now, every chart at its current width. */
function beforePrint(): void {
  flushSync(() => {
    setPrinting(true);
    flushFrameJobs();
  });
}

function afterPrint(): void {
  setPrinting(false);
}

function subscribe(listener: () => void): () => void {
  if (listeners.size === 0) {
    window.addEventListener('beforeprint', beforePrint);
    window.addEventListener('afterprint', afterPrint);
  }
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) {
      window.removeEventListener('beforeprint', beforePrint);
      window.removeEventListener('afterprint', afterPrint);
    }
  };
}

/** Whether the page is being printed: between `beforeprint` and `afterprint`. */
export function usePrinting(): boolean {
  return useSyncExternalStore(subscribe, () => printing, () => false);
}

/** useDeferredValue, except while printing: a printout shows the current value, not the one before it. */
export function useDeferredUnlessPrinting<T>(value: T): T {
  const deferred = useDeferredValue(value);
  return usePrinting() ? value : deferred;
}
