/**
 * The browser part of `npm run bench`: builds the app (`vite build`), serves dist/ with
 * `vite preview` on a free 127.0.0.1 port, opens it in headless Chromium (the server and
 * the browser flags are the browser tests', tests/e2e/preview.ts) and measures, in the
 * page, the main thread while the app trains on its own: long tasks, animation frames
 * and the time to the first drawn chart, then the long-history case (./longHistory.ts),
 * then the same redraw window on a control page where no chart is drawn.
 * Stops the server and the browser whatever happens. See docs/benchmarks.md.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { wasmPthreads } from '../../tests/e2e/appPage';
import { CHROMIUM, CHROMIUM_ARGS, DIST, startPreview, stopPreview, type PreviewServer } from '../../tests/e2e/preview';
import { bundleGzipKb, type BundleGzipKb } from './bundle';
import { controlLine, longHistoryVerdict, measureControl, measureLongHistory, type LongHistoryResult, type RedrawWindow } from './longHistory';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const VITE_BIN = join(ROOT, 'node_modules', '.bin', 'vite');
const FIRST_FRAME_TIMEOUT_MS = 180_000;
/** The settings: wasm, batch 16, everything else the app's defaults. The app plays by itself. */
export const HASH = 'backend=wasm&batch=16';
/** The page size (the e2e app test's): the gradient-by-depth panel is on screen. */
export const VIEWPORT = { width: 1600, height: 1200 };
/**
 * The network of firstFrameMsSlowNetwork (Chromium's throttling): served from 127.0.0.1,
 * the page's code and its dataset arrive at once, which a user's network does not.
 */
export const SLOW_NETWORK = { mbps: 20, latencyMs: 20 } as const;
/** A frame interval longer than this drops at least one frame at 60 Hz (the target's definition). */
const DROPPED_FRAME_MS = 2 * 16.7;
/** A frame interval longer than this missed at least one vsync at 60 Hz (an interval of two vsyncs is 33.3 ms, not over DROPPED_FRAME_MS). */
export const LATE_FRAME_MS = 1.5 * 16.7;

export interface BrowserResult extends LongHistoryResult {
  /** The longest main-thread long task in the window, ms (0 when there was none). */
  readonly longestTaskMs: number;
  /** The longest long task before the first drawn chart (loading, starting the worker), ms. */
  readonly loadLongestTaskMs: number;
  /** performance.now() (ms since navigation start) at the first animation frame with step >= 1 and a gradient-by-depth line. */
  readonly firstFrameMs: number;
  /** The same in a fresh page whose every download goes through SLOW_NETWORK (the page, its worker, the wasm binary, the dataset). */
  readonly firstFrameMsSlowNetwork: number;
  /** Animation-frame intervals in the window longer than 2 x 16.7 ms. */
  readonly framesDropped: number;
  /** Animation frames in the window. */
  readonly frames: number;
  /** Animation-frame intervals in the window longer than 1.5 x 16.7 ms: at least one vsync missed (includes framesDropped). */
  readonly framesLate: number;
  /** The longest animation-frame interval in the window, ms. */
  readonly longestFrameMs: number;
  /** Long tasks in the window. */
  readonly longTasks: number;
  /** Training steps shown at the start and at the end of the window. */
  readonly stepAtStart: number;
  readonly stepAtEnd: number;
  readonly windowMs: number;
  readonly hash: string;
  readonly viewport: string;
  readonly crossOriginIsolated: boolean;
  /** The wasm backend's pthread workers in the page: 0 for its build without threads (fewer than 4 logical cores, src/worker/wasmThreads.ts). */
  readonly wasmPthreads: number;
  /** The status line at the end of the window. */
  readonly status: string;
  readonly where: string;
  /** Frames dropped by the same redraw window on the control page, where no chart is drawn (not a target: what the harness, the browser and the machine drop on their own). */
  readonly framesDroppedControl: number;
  /** That window in full. */
  readonly control: RedrawWindow;
}

/**
 * Runs in the page before its own scripts (injected through DevTools, so the page's
 * Content Security Policy does not apply). A string, not a function: tsx may wrap
 * functions with helpers (`__name`) that do not exist in the page.
 */
export const INIT_SCRIPT = `(() => {
  const b = { longTasks: [], frames: [], firstFrameAt: null, stepAtFirstFrame: null, recordUntil: Infinity };
  window.__gradflowBench = b;
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) b.longTasks.push([e.startTime, e.duration]);
    }).observe({ type: 'longtask', buffered: true });
  } catch (e) { b.observerError = String(e); }
  const stepOf = () => {
    const m = /step (\\d+)/.exec(document.querySelector('[role=status]')?.textContent ?? '');
    return m ? Number(m[1]) : 0;
  };
  const tick = (t) => {
    if (b.firstFrameAt === null) {
      const step = stepOf();
      if (step >= 1 && document.querySelector('path[data-series="latest"][d]:not([d=""])')) {
        b.firstFrameAt = performance.now();
        b.stepAtFirstFrame = step;
      }
    } else if (t <= b.recordUntil) b.frames.push(t);
    if (t <= b.recordUntil) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  b.step = stepOf;
})()`;

interface PageRecord {
  longTasks: [number, number][];
  frames: number[];
  firstFrameAt: number | null;
  stepAtFirstFrame: number | null;
  observerError?: string;
}

/** Runs `vite build` (output to stderr); throws if it fails. */
export async function viteBuild(log: (line: string) => void): Promise<void> {
  log('browser: vite build');
  const child = spawn(VITE_BIN, ['build'], { cwd: ROOT, stdio: ['ignore', process.stderr, process.stderr], env: { ...process.env, NO_COLOR: '1' } });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (c, signal) => resolve(signal ? -1 : c));
  });
  if (code !== 0) throw new Error(`vite build failed (exit ${code})`);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const round1 = (x: number): number => Math.round(x * 10) / 10;

/** performance.now() at the page's first drawn chart, polled; throws on a page error or after FIRST_FRAME_TIMEOUT_MS. */
async function waitForFirstFrame(page: Page, errors: readonly string[]): Promise<number> {
  const deadline = Date.now() + FIRST_FRAME_TIMEOUT_MS;
  for (;;) {
    if (errors.length > 0) throw new Error(`errors in the page:\n${errors.join('\n')}`);
    if (Date.now() > deadline) throw new Error(`no drawn chart within ${FIRST_FRAME_TIMEOUT_MS / 1000} s`);
    const firstFrameAt = (await page.evaluate('window.__gradflowBench.firstFrameAt')) as number | null;
    if (firstFrameAt !== null) return firstFrameAt;
    await sleep(200);
  }
}

/** A new page in `context` with the bench's INIT_SCRIPT, and the console errors and uncaught errors it will log. */
async function benchPage(context: BrowserContext): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (msg) => void (msg.type() === 'error' && errors.push(`console.error: ${msg.text()}`)));
  page.on('pageerror', (err) => void errors.push(`page error: ${err.message}`));
  await page.addInitScript({ content: INIT_SCRIPT });
  return { page, errors };
}

/** Opens the app in a fresh context whose downloads all go through SLOW_NETWORK; the time to its first drawn chart, ms. */
async function firstFrameOnSlowNetwork(browser: Browser, url: string, log: (line: string) => void): Promise<number> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  try {
    const { page, errors } = await benchPage(context);
    const devtools = await context.newCDPSession(page);
    await devtools.send('Network.enable');
    const bytesPerSecond = (SLOW_NETWORK.mbps * 1e6) / 8;
    await devtools.send('Network.emulateNetworkConditions', { offline: false, latency: SLOW_NETWORK.latencyMs, downloadThroughput: bytesPerSecond, uploadThroughput: bytesPerSecond });
    log(`browser: opening the page again over ${SLOW_NETWORK.mbps} Mbit/s with ${SLOW_NETWORK.latencyMs} ms latency`);
    await page.goto(`${url}#${HASH}`);
    return Math.round(await waitForFirstFrame(page, errors));
  } finally {
    await context.close().catch(() => undefined);
  }
}

/** Opens the app, waits for its first drawn chart, records `windowMs` of training, then the long-history case. */
async function measurePage(browser: Browser, url: string, windowMs: number, log: (line: string) => void): Promise<Omit<BrowserResult, 'where' | 'framesDroppedControl' | 'control' | 'firstFrameMsSlowNetwork'>> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  try {
    const { page, errors } = await benchPage(context);
    log(`browser: opening ${url}#${HASH}`);
    await page.goto(`${url}#${HASH}`);

    const firstFrameAt = await waitForFirstFrame(page, errors);
    const windowEnd = firstFrameAt + windowMs;
    // Stop the rAF loop a little after the window, so the page does no bench work afterwards.
    await page.evaluate(`window.__gradflowBench.recordUntil = ${windowEnd + 1_000}`);
    log(`browser: first chart at ${firstFrameAt.toFixed(0)} ms; recording ${windowMs / 1000} s of training`);
    for (;;) {
      const now = (await page.evaluate('performance.now()')) as number;
      if (now >= windowEnd + 200) break;
      await sleep(Math.min(1_000, windowEnd + 200 - now));
    }
    const stepAtEnd = (await page.evaluate('window.__gradflowBench.step()')) as number;
    const status = (await page.evaluate(`document.querySelector('[role=status]')?.textContent ?? ''`)) as string;
    const crossOriginIsolated = (await page.evaluate('self.crossOriginIsolated')) as boolean;
    const pthreads = wasmPthreads(page);
    // Settle: long-task entries arrive after their task ends.
    await sleep(300);
    const record = JSON.parse((await page.evaluate('JSON.stringify(window.__gradflowBench)')) as string) as PageRecord;
    if (record.observerError) throw new Error(`long-task observer failed: ${record.observerError}`);
    if (errors.length > 0) throw new Error(`errors in the page:\n${errors.join('\n')}`);

    const long = await measureLongHistory(page, VIEWPORT, log);
    if (errors.length > 0) throw new Error(`errors in the page:\n${errors.join('\n')}`);
    log(`browser: long history: ${longHistoryVerdict(long)}`);

    const inWindow = record.longTasks.filter(([start]) => start >= firstFrameAt && start < windowEnd);
    const beforeFirst = record.longTasks.filter(([start]) => start < firstFrameAt);
    const frames = record.frames.filter((t) => t >= firstFrameAt && t <= windowEnd);
    const intervals = frames.slice(1).map((t, i) => t - frames[i]!);
    return {
      longestTaskMs: round1(Math.max(0, ...inWindow.map(([, d]) => d))),
      loadLongestTaskMs: round1(Math.max(0, ...beforeFirst.map(([, d]) => d))),
      firstFrameMs: Math.round(firstFrameAt),
      framesDropped: intervals.filter((d) => d > DROPPED_FRAME_MS).length,
      frames: frames.length,
      framesLate: intervals.filter((d) => d > LATE_FRAME_MS).length,
      longestFrameMs: round1(Math.max(0, ...intervals)),
      longTasks: inWindow.length,
      stepAtStart: record.stepAtFirstFrame ?? 0,
      stepAtEnd,
      windowMs,
      hash: HASH,
      viewport: `${VIEWPORT.width}x${VIEWPORT.height}`,
      crossOriginIsolated,
      wasmPthreads: pthreads,
      status,
      ...long,
    };
  } finally {
    await context.close().catch(() => undefined);
  }
}

export interface BrowserBench {
  readonly browser: BrowserResult;
  readonly bundleGzipKb: BundleGzipKb;
}

/** Builds, measures the bundle, serves dist/ and measures the page; always stops the server and the browser. */
export async function measureBrowser(options: { windowMs: number; log: (line: string) => void }): Promise<BrowserBench> {
  const { windowMs, log } = options;
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is missing at ${CHROMIUM} (apt-get install -y chromium), or run with --no-browser`);
  await viteBuild(log);
  const bundle = bundleGzipKb(join(DIST, 'assets'));
  log(`browser: bundle ${bundle.allJs} KiB gzipped (worker ${bundle.worker} KiB)`);

  let preview: PreviewServer | undefined;
  let browser: Browser | undefined;
  const killOnExit = (): void => void preview?.child.kill('SIGKILL');
  const onSignal = (signal: NodeJS.Signals): void => {
    killOnExit();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('exit', killOnExit);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    preview = await startPreview();
    log(`browser: serving dist/ at ${preview.url}`);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    const where = `chromium ${browser.version()}`;
    const result = await measurePage(browser, preview.url, windowMs, log);
    const firstFrameMsSlowNetwork = await firstFrameOnSlowNetwork(browser, preview.url, log);
    log(`browser: first chart at ${firstFrameMsSlowNetwork} ms over the slow network`);
    const control = await measureControl(browser, VIEWPORT, log);
    log(`browser: ${controlLine(control)}`);
    return { browser: { ...result, where, firstFrameMsSlowNetwork, framesDroppedControl: control.framesDropped, control }, bundleGzipKb: bundle };
  } finally {
    await browser?.close().catch(() => undefined);
    if (preview) await stopPreview(preview.child);
    process.removeListener('exit', killOnExit);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}
