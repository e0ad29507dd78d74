/**
 * Charts' catch-up renders, one per frame: a page-width change resizes every chart at once
 * (useElementWidth) and then every canvas of lines (LineCanvas), and a scroll can bring a
 * panel that kept its last picture into view (Panel); applied together, their renders, DOM
 * updates and canvas drawing land in the frame that scrolls or lays out the page and drop
 * it. Each queued job runs in a task after a frame of its own, the job of the element
 * nearest the screen first; until then a chart keeps its old picture.
 */

/** A job waiting for its frame: the element it redraws (for the order) and what it does. */
const pending = new Map<Element, () => void>();
let scheduled = false;

/** How far an element is from the viewport, in pixels (0 when on screen). */
function distanceFromView(element: Element): number {
  const r = element.getBoundingClientRect();
  const height = window.innerHeight || document.documentElement.clientHeight;
  return r.bottom < 0 ? -r.bottom : r.top > height ? r.top - height : 0;
}

/** Runs the job nearest the screen after the next frame, then schedules the next. */
function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => setTimeout(() => {
    scheduled = false;
    let next: Element | undefined;
    let nearest = Infinity;
    for (const element of pending.keys()) {
      if (!element.isConnected) {
        pending.delete(element);
        continue;
      }
      const distance = distanceFromView(element);
      if (distance < nearest) [next, nearest] = [element, distance];
    }
    if (next === undefined) return;
    const job = pending.get(next)!;
    pending.delete(next);
    if (pending.size > 0) schedule();
    job();
  }));
}

/** Queues `job` as the one redraw of `element` (replacing one already queued for it). */
export function queueFrameJob(element: Element, job: () => void): void {
  pending.set(element, job);
  schedule();
}

/** How many redraws are waiting for their frame. */
export function pendingFrameJobs(): number {
  return pending.size;
}

/** Drops the redraw queued for `element`, if any (it is unmounted). */
export function cancelFrameJob(element: Element): void {
  pending.delete(element);
}
