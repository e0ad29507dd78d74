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

  it('takes jobs queued while it runs', async () => {
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
});
