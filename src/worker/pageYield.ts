/**
 * The training worker stepping aside while the page redraws. On a machine with few cores
 * and no GPU, a worker that trains without a pause keeps one core busy, and the page's
 * redraw after a scroll or a page-width change (layout, paint, the charts' catch-up, the
 * compositor and the rasterisers) has to share what is left: its frames come late. The
 * page raises a shared flag while it redraws (src/ui/pageBusy.ts); before each kernel of a
 * processor backend the worker checks it and, while it is up, waits, within a budget so
 * that training never stops: at most `maxShare` of any `windowMs` is spent waiting.
 */

/** The page -> worker message that hands over the flag (once, outside the session's commands). */
export interface PageBusyMessage {
  readonly type: 'pageBusy';
  /** One Int32: 1 while the page redraws, 0 otherwise. */
  readonly flag: SharedArrayBuffer;
}

export function isPageBusyMessage(data: unknown): data is PageBusyMessage {
  return typeof data === 'object' && data !== null && (data as { type?: unknown }).type === 'pageBusy'
    && typeof SharedArrayBuffer !== 'undefined' && (data as { flag?: unknown }).flag instanceof SharedArrayBuffer;
}

export interface YieldOptions {
  /** The longest single wait, ms (the flag is checked again after it). */
  readonly waitMs: number;
  /** The share of any window the worker may spend waiting. */
  readonly maxShare: number;
  readonly windowMs: number;
}

export const YIELD_DEFAULTS: YieldOptions = { waitMs: 20, maxShare: 0.4, windowMs: 1000 };

/** How the yield reads the flag and the clock, and waits: Atomics and performance.now(), or fakes in tests. */
export interface YieldEnvironment {
  busy(): boolean;
  now(): number;
  /** Blocks until the flag drops or `ms` pass. */
  wait(ms: number): void;
}

export function atomicsEnvironment(flag: Int32Array): YieldEnvironment {
  return {
    busy: () => Atomics.load(flag, 0) === 1,
    now: () => performance.now(),
    wait: (ms) => void Atomics.wait(flag, 0, 1, ms),
  };
}

/** What the worker calls before each kernel, with the time it has spent waiting so far (ms, for diagnostics). */
export interface PageYield {
  (): void;
  readonly waitedMs: number;
}

/**
 * A function to call before each kernel: returns at once while the page is not busy; while
 * it is, waits until it is not, or until this window's waiting budget is spent.
 */
export function createPageYield(env: YieldEnvironment, options: YieldOptions = YIELD_DEFAULTS): PageYield {
  const budget = options.maxShare * options.windowMs;
  let windowStart = -Infinity;
  let waited = 0;
  let total = 0;
  const beforeKernel = () => {
    if (!env.busy()) return;
    const start = env.now();
    if (start - windowStart >= options.windowMs) {
      windowStart = start;
      waited = 0;
    }
    while (waited < budget && env.busy()) {
      const before = env.now();
      env.wait(Math.min(options.waitMs, budget - waited));
      const spent = Math.max(0, env.now() - before);
      waited += spent;
      total += spent;
    }
  };
  return Object.defineProperty(beforeKernel, 'waitedMs', { get: () => total }) as PageYield;
}
