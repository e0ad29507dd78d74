import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

/** An element as the queue sees it: where it is on a 600 px high screen, and whether it is still in the page. */
function element(top: number, height = 100): Element & { isConnected: boolean } {
  return { isConnected: true, getBoundingClientRect: () => ({ top, bottom: top + height }) } as unknown as Element & { isConnected: boolean };
}

describe('frameQueue (charts\' new widths, one per frame)', () => {
  let frames: FrameRequestCallback[] = [];
  /** Ends a frame: runs its callbacks, then the tasks they queued. */
  const frame = () => {
    const callbacks = frames;
    frames = [];
    for (const f of callbacks) f(0);
    vi.runOnlyPendingTimers();
  };
  const load = async () => {
    vi.resetModules();
    return import('../../src/ui/frameQueue');
  };

  beforeEach(() => {
    vi.useFakeTimers();
    frames = [];
    vi.stubGlobal('requestAnimationFrame', (f: FrameRequestCallback) => frames.push(f));
    vi.stubGlobal('window', { innerHeight: 600 });
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('runs one job per frame, after the frame, nearest the screen first', async () => {
    const { queueFrameJob } = await load();
    const ran: string[] = [];
    queueFrameJob(element(1500), () => ran.push('far below'));
    queueFrameJob(element(-400), () => ran.push('just above'));
    queueFrameJob(element(200), () => ran.push('on screen'));
    expect(ran).toEqual([]);
    frame();
    expect(ran).toEqual(['on screen']);
    frame();
    expect(ran).toEqual(['on screen', 'just above']);
    frame();
    expect(ran).toEqual(['on screen', 'just above', 'far below']);
    frame();
    expect(ran).toHaveLength(3);
    expect(frames).toHaveLength(0);
  });

  it('keeps only the latest job of an element, and drops cancelled jobs and elements gone from the page', async () => {
    const { cancelFrameJob, queueFrameJob } = await load();
    const ran: string[] = [];
    const chart = element(0);
    const gone = element(10);
    const cancelled = element(20);
    queueFrameJob(chart, () => ran.push('old width'));
    queueFrameJob(chart, () => ran.push('new width'));
    queueFrameJob(gone, () => ran.push('gone'));
    queueFrameJob(cancelled, () => ran.push('cancelled'));
    gone.isConnected = false;
    cancelFrameJob(cancelled);
    frame();
    frame();
    frame();
    expect(ran).toEqual(['new width']);
  });

  it('takes jobs queued while it runs (where nothing can tell what is on screen, every element counts as near)', async () => {
    const { queueFrameJob } = await load();
    const ran: string[] = [];
    queueFrameJob(element(0), () => {
      ran.push('first');
      queueFrameJob(element(50), () => ran.push('queued by the first'));
    });
    frame();
    frame();
    expect(ran).toEqual(['first', 'queued by the first']);
  });

  describe('with an IntersectionObserver: jobs of elements off screen wait until they come near', () => {
    /** The queue's observer: what it watches, with which margin, and a way to report an element near or far. */
    const watcher = { margin: '', watched: new Set<Element>(), report: (_element: Element, _near: boolean) => {} };
    beforeEach(() => {
      watcher.watched = new Set();
      vi.stubGlobal('IntersectionObserver', class {
        constructor(callback: IntersectionObserverCallback, options: IntersectionObserverInit) {
          watcher.margin = options.rootMargin ?? '';
          watcher.report = (target, near) => callback([{ target, isIntersecting: near } as unknown as IntersectionObserverEntry], this as unknown as IntersectionObserver);
        }
        observe(element: Element) { watcher.watched.add(element); }
        unobserve(element: Element) { watcher.watched.delete(element); }
      });
    });

    it('counts near as panels do (NEAR_SCREEN)', async () => {
      const { queueFrameJob } = await load();
      const { NEAR_SCREEN } = await import('../../src/ui/hooks/useInView');
      queueFrameJob(element(0), () => {});
      expect(watcher.margin).toBe(NEAR_SCREEN);
    });

    it('runs a job only once the observer says its element is near, and does not count the far ones as waiting', async () => {
      const { pendingFrameJobs, queueFrameJob } = await load();
      const ran: string[] = [];
      const onScreen = element(100);
      const below = element(2000);
      queueFrameJob(onScreen, () => ran.push('on screen'));
      queueFrameJob(below, () => ran.push('below'));
      expect([...watcher.watched]).toEqual([onScreen, below]);
      // Not reported yet: nothing runs, both count as waiting (the page stays busy).
      frame();
      expect(ran).toEqual([]);
      expect(pendingFrameJobs()).toBe(2);
      watcher.report(onScreen, true);
      watcher.report(below, false);
      expect(pendingFrameJobs()).toBe(1);
      frame();
      expect(ran).toEqual(['on screen']);
      expect(watcher.watched.has(onScreen)).toBe(false);
      frame();
      frame();
      expect(ran).toEqual(['on screen']);
      expect(pendingFrameJobs()).toBe(0);
      expect(frames).toHaveLength(0);
      // Scrolled to: it runs after the next frame.
      watcher.report(below, true);
      expect(pendingFrameJobs()).toBe(1);
      frame();
      expect(ran).toEqual(['on screen', 'below']);
      expect(watcher.watched.size).toBe(0);
    });

    it('keeps the latest job of a far element, forgets cancelled ones, and runs every job on flushFrameJobs (printing)', async () => {
      const { cancelFrameJob, flushFrameJobs, pendingFrameJobs, queueFrameJob } = await load();
      const ran: string[] = [];
      const far = element(3000);
      const cancelled = element(4000);
      const gone = element(5000);
      queueFrameJob(far, () => ran.push('old width'));
      queueFrameJob(cancelled, () => ran.push('cancelled'));
      queueFrameJob(gone, () => ran.push('gone'));
      for (const e of [far, cancelled, gone]) watcher.report(e, false);
      queueFrameJob(far, () => ran.push('new width'));
      cancelFrameJob(cancelled);
      expect(watcher.watched.has(cancelled)).toBe(false);
      gone.isConnected = false;
      frame();
      expect(ran).toEqual([]);
      flushFrameJobs();
      expect(ran).toEqual(['new width']);
      expect(pendingFrameJobs()).toBe(0);
      expect(watcher.watched.size).toBe(0);
    });
  });
});
