import { pendingFrameJobs } from './frameQueue';

/**
 * The flag the page raises while it redraws after a scroll or a page-width change, shared
 * with the training worker, whose processor backends wait while it is up (within a budget:
 * src/worker/pageYield.ts). Up for BUSY_AFTER_REDRAW_MS after the latest scroll or resize
 * and while charts near the screen still wait for their frame (frameQueue); dropped on the
 * first frame after that. One flag per page, handed to every training worker it starts. Needs
 * SharedArrayBuffer (a cross-origin isolated page); without it there is no flag and the
 * worker never waits.
 */
export const BUSY_AFTER_REDRAW_MS = 400;

let flag: Int32Array | null | undefined;
let busyUntil = 0;
let watching = false;

/** Drops the flag once the page is quiet, checking once per frame until then. */
function watch(): void {
  if (!flag) return;
  if (performance.now() >= busyUntil && pendingFrameJobs() === 0) {
    Atomics.store(flag, 0, 0);
    Atomics.notify(flag, 0);
    watching = false;
    return;
  }
  requestAnimationFrame(watch);
}

/** Raises the flag for at least `ms`. */
export function markPageBusy(ms: number = BUSY_AFTER_REDRAW_MS): void {
  if (!flag) return;
  busyUntil = Math.max(busyUntil, performance.now() + ms);
  Atomics.store(flag, 0, 1);
  if (!watching) {
    watching = true;
    requestAnimationFrame(watch);
  }
}

/** The page's flag (made on first use, with its scroll and resize listeners), or null where memory cannot be shared. */
export function pageBusyFlag(): SharedArrayBuffer | null {
  if (flag === undefined) {
    if (typeof window === 'undefined' || !window.crossOriginIsolated || typeof SharedArrayBuffer === 'undefined') {
      flag = null;
    } else {
      flag = new Int32Array(new SharedArrayBuffer(4));
      window.addEventListener('resize', () => markPageBusy(), { passive: true });
      window.addEventListener('scroll', () => markPageBusy(), { passive: true });
    }
  }
  return flag ? (flag.buffer as SharedArrayBuffer) : null;
}
