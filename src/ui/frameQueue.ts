import { NEAR_SCREEN } from './hooks/useInView';

/**
 * Charts' catch-up renders, one per frame: a page-width change resizes every chart at once
 * (useElementWidth) and then every canvas of lines the page paints itself (LineCanvas, where
 * no line-drawing worker can take them), and a scroll can bring a panel that kept its last
 * picture into view (Panel); applied together, their renders, DOM
 * updates and canvas drawing land in the frame that scrolls or lays out the page and drop
 * it. Each queued job runs in a task after a frame of its own, the job of the element
 * nearest the screen first; until then a chart keeps its old picture. A job of an element
 * off screen (farther than NEAR_SCREEN, as panels count it) waits until the element comes
 * near: a page-width change redraws the charts one can see, not every chart of the page.
 * Printing runs every waiting job at once (flushFrameJobs).
 */

/** A job waiting for its frame: the element it redraws (for the order) and what it does. */
const pending = new Map<Element, () => void>();
let scheduled = false;

/**
 * The elements with a pending job that an IntersectionObserver watches, and whether it last
 * said each is near the screen (undefined until its first report). Without
 * IntersectionObserver every element counts as near.
 */
const near = new Map<Element, boolean | undefined>();
let observer: IntersectionObserver | null | undefined;

function nearObserver(): IntersectionObserver | null {
  if (observer === undefined) {
    observer = typeof IntersectionObserver === 'undefined' ? null : new IntersectionObserver((entries) => {
      let came = false;
      for (const entry of entries) {
        if (!pending.has(entry.target)) continue;
        near.set(entry.target, entry.isIntersecting);
        came ||= entry.isIntersecting;
      }
      if (came) schedule();
    }, { rootMargin: NEAR_SCREEN });
  }
  return observer;
}

/** Forgets `element`: no job, not observed. */
function drop(element: Element): void {
  pending.delete(element);
  if (near.delete(element)) observer?.unobserve(element);
}

/** Whether `element`'s job may run now: it is near the screen (or nothing can tell). */
function runnable(element: Element): boolean {
  return observer === null || near.get(element) === true;
}

/** How far an element is from the viewport, in pixels (0 when on screen). */
function distanceFromView(element: Element): number {
  const r = element.getBoundingClientRect();
  const height = window.innerHeight || document.documentElement.clientHeight;
  return r.bottom < 0 ? -r.bottom : r.top > height ? r.top - height : 0;
}

/** Runs the runnable job nearest the screen after the next frame, then schedules the next. */
function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => setTimeout(() => {
    scheduled = false;
    let next: Element | undefined;
    let nearest = Infinity;
    for (const element of pending.keys()) {
      if (!element.isConnected) {
        drop(element);
        continue;
      }
      if (!runnable(element)) continue;
      const distance = distanceFromView(element);
      if (distance < nearest) [next, nearest] = [element, distance];
    }
    if (next === undefined) return;
    const job = pending.get(next)!;
    drop(next);
    if (pendingFrameJobs() > 0) schedule();
    job();
  }));
}

/** Queues `job` as the one redraw of `element` (replacing one already queued for it). */
export function queueFrameJob(element: Element, job: () => void): void {
  pending.set(element, job);
  const watcher = nearObserver();
  if (watcher && !near.has(element)) {
    // Not known yet: the observer's first report (after the next frame) says, and schedules if near.
    near.set(element, undefined);
    watcher.observe(element);
    return;
  }
  if (runnable(element)) schedule();
}

/**
 * How many redraws are waiting for a frame: those of elements near the screen, and those
 * whose place the observer has not reported yet. Jobs of elements off screen, which wait
 * until scrolled to, are not counted.
 */
export function pendingFrameJobs(): number {
  let count = 0;
  for (const element of pending.keys()) if (runnable(element) || near.get(element) === undefined) count++;
  return count;
}

/** Drops the redraw queued for `element`, if any (it is unmounted). */
export function cancelFrameJob(element: Element): void {
  drop(element);
}

/** Runs every waiting job now, near the screen or not (the page is printed). */
export function flushFrameJobs(): void {
  const jobs = [...pending];
  for (const [element] of jobs) drop(element);
  for (const [element, job] of jobs) if (element.isConnected) job();
}
