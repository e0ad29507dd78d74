import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LineDrawingMessage, LinePicture } from '../../src/charts/linePaint';

/** A stand-in for the line-drawing worker: what the page posts to it, and an error it can raise. */
class FakeWorker extends EventTarget {
  static made: FakeWorker[] = [];
  posted: { message: LineDrawingMessage; transfer: unknown[] }[] = [];
  terminated = false;
  constructor(readonly url: URL | string) {
    super();
    FakeWorker.made.push(this);
  }
  postMessage(message: LineDrawingMessage, transfer: unknown[] = []): void {
    this.posted.push({ message, transfer });
  }
  terminate(): void {
    this.terminated = true;
  }
}

class FakeOffscreenCanvas {}

/** A canvas that can be handed over once, as a browser's: a second transfer throws. */
class FakeCanvas {
  handedOver = false;
  isConnected = true;
  transferControlToOffscreen(): FakeOffscreenCanvas {
    if (this.handedOver) throw new DOMException('already handed over', 'InvalidStateError');
    this.handedOver = true;
    return new FakeOffscreenCanvas();
  }
}

const PICTURE: LinePicture = { strokes: [], width: 100, height: 50, ratio: 1, area: { left: 0, top: 0, right: 100, bottom: 50 } };
const canvas = () => new FakeCanvas() as unknown as HTMLCanvasElement;
const load = () => import('../../src/charts/lineWorker');

describe('the page\'s side of the line-drawing worker', () => {
  beforeEach(() => {
    vi.resetModules();
    vi.useFakeTimers();
    FakeWorker.made = [];
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  const stubBrowser = () => {
    vi.stubGlobal('Worker', FakeWorker);
    vi.stubGlobal('OffscreenCanvas', FakeOffscreenCanvas);
    vi.stubGlobal('HTMLCanvasElement', FakeCanvas);
  };

  it('leaves the drawing to the page where the browser cannot hand a canvas over', async () => {
    vi.stubGlobal('Worker', FakeWorker);
    const lines = await load();
    expect(lines.lineDrawing()).toBe('page');
    expect(lines.drawOffPage(canvas(), 'A', PICTURE)).toBe(false);
    expect(FakeWorker.made).toEqual([]);
  });

  it('hands a canvas over once, with its name, then posts each picture for it; an unmounted canvas is let go', async () => {
    stubBrowser();
    const lines = await load();
    expect(lines.lineDrawing()).toBe('worker');
    const a = canvas();
    const b = canvas();
    expect(lines.drawOffPage(a, 'A', PICTURE)).toBe(true);
    expect(lines.drawOffPage(a, 'A', { ...PICTURE, width: 80 })).toBe(true);
    expect(lines.drawOffPage(b, 'file', PICTURE)).toBe(true);
    (a as unknown as FakeCanvas).isConnected = false;
    lines.releaseOffPage(a);
    await vi.runAllTimersAsync();
    expect(FakeWorker.made).toHaveLength(1);
    const posted = FakeWorker.made[0]!.posted;
    expect(posted.map(({ message: m }) => `${m.type} ${m.id}${m.type === 'attach' ? ` ${m.label}` : ''}${m.type === 'draw' ? ` ${m.picture.width}` : ''}`))
      .toEqual(['attach 1 A', 'draw 1 100', 'draw 1 80', 'attach 2 file', 'draw 2 100', 'detach 1']);
    // The offscreen canvas is transferred with its attach message, not copied.
    const attach = posted[0]!;
    expect(attach.message.type === 'attach' && attach.transfer).toEqual([attach.message.type === 'attach' ? attach.message.canvas : null]);
    expect(lines.isHandedOver(a)).toBe(false);
    expect(lines.isHandedOver(b)).toBe(true);
  });

  it('keeps a canvas still in the page handed over when its effects are cleaned up and run again (React\'s development checks)', async () => {
    stubBrowser();
    const lines = await load();
    const a = canvas();
    lines.drawOffPage(a, 'A', PICTURE);
    lines.releaseOffPage(a);
    expect(lines.drawOffPage(a, 'A', { ...PICTURE, width: 80 })).toBe(true);
    await vi.runAllTimersAsync();
    const posted = FakeWorker.made[0]!.posted.map(({ message: m }) => m.type);
    expect(posted).toEqual(['attach', 'draw', 'draw']);
    expect(lines.isHandedOver(a)).toBe(true);
  });

  it('leaves a canvas the page already drew on to the page', async () => {
    stubBrowser();
    const lines = await load();
    const drawnOn = canvas();
    vi.spyOn(drawnOn, 'transferControlToOffscreen').mockImplementation(() => {
      throw new DOMException('has a rendering context', 'InvalidStateError');
    });
    expect(lines.drawOffPage(drawnOn, 'A', PICTURE)).toBe(false);
    expect(lines.isHandedOver(drawnOn)).toBe(false);
  });

  it('gives the drawing back to the page, and says so, when the worker fails', async () => {
    stubBrowser();
    const lines = await load();
    lines.drawOffPage(canvas(), 'A', PICTURE);
    const told: string[] = [];
    const unsubscribe = lines.subscribeLineDrawing(() => told.push(lines.lineDrawing()));
    const worker = FakeWorker.made[0]!;
    worker.dispatchEvent(new Event('error'));
    worker.dispatchEvent(new Event('error'));
    unsubscribe();
    expect(told).toEqual(['page']);
    expect(lines.lineDrawing()).toBe('page');
    expect(worker.terminated).toBe(true);
    expect(lines.drawOffPage(canvas(), 'A', PICTURE)).toBe(false);
    expect(FakeWorker.made).toHaveLength(1);
  });
});
