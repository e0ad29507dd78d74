import { describe, expect, it } from 'vitest';
import { createPageYield, isPageBusyMessage, type YieldEnvironment } from '../../src/worker/pageYield';

/** A fake clock and flag: waiting advances the clock, and the page drops the flag at `busyUntil`. */
function fakePage(busyUntil: number) {
  let t = 0;
  const waits: number[] = [];
  const env: YieldEnvironment = {
    busy: () => t < busyUntil,
    now: () => t,
    wait: (ms) => {
      waits.push(ms);
      t = busyUntil > t ? Math.min(t + ms, busyUntil) : t + ms;
    },
  };
  return { env, waits, advance: (ms: number) => void (t += ms), time: () => t, setBusyUntil: (u: number) => void (busyUntil = u) };
}

const OPTIONS = { waitMs: 20, maxShare: 0.4, windowMs: 1000 };

describe('createPageYield', () => {
  it('returns at once while the page is not redrawing', () => {
    const page = fakePage(0);
    createPageYield(page.env, OPTIONS)();
    expect(page.waits).toStrictEqual([]);
    expect(page.time()).toBe(0);
  });

  it('waits, in steps of at most waitMs, until the page drops the flag', () => {
    const page = fakePage(50);
    createPageYield(page.env, OPTIONS)();
    expect(page.waits).toStrictEqual([20, 20, 20]);
    expect(page.time()).toBe(50);
  });

  it('never waits more than maxShare of a window, however long the page stays busy, and waits again in the next window', () => {
    const page = fakePage(Infinity);
    const yieldToPage = createPageYield(page.env, OPTIONS);
    yieldToPage();
    expect(page.time()).toBe(400);
    yieldToPage();
    page.advance(500); // a kernel's work
    yieldToPage();
    expect(page.time()).toBe(900);
    page.advance(100); // the window of the first wait has passed
    yieldToPage();
    expect(page.time()).toBe(1400);
    expect(yieldToPage.waitedMs).toBe(400 + 400);
  });
});

describe('isPageBusyMessage', () => {
  it('takes the page flag message and nothing else', () => {
    expect(isPageBusyMessage({ type: 'pageBusy', flag: new SharedArrayBuffer(4) })).toBe(true);
    expect(isPageBusyMessage({ type: 'pageBusy', flag: new ArrayBuffer(4) })).toBe(false);
    expect(isPageBusyMessage({ type: 'play' })).toBe(false);
    expect(isPageBusyMessage(null)).toBe(false);
  });
});
