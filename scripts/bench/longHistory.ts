/**
 * The long-history case of the browser bench: a generated run file of the full layer list
 * and 10,000 steps, opened in the page beside the live runs, and animation frames and
 * long tasks recorded while the page redraws (training, scrolling, resizing), before and
 * after it is opened. The target: no dropped frame from chart drawing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { describe as describeNetwork } from '../../src/model/architecture';
import { PRESETS } from '../../src/model/config';
import { serializeRun, type Run, type RunStep } from '../../src/shared/runFile';
import { DEFAULT_TRAINING } from '../../src/shared/trainingDefaults';
import { controlPage } from './controlPage';
import { median } from './stats';

/** The long history of the target: steps of the generated run file, and how long the page is recorded redrawing with it. */
const LONG_HISTORY = { steps: 10_000, windowMs: 20_000, scrollEveryMs: 2_000 } as const;
/** How long one redraw window records, ms. */
export const REDRAW_WINDOW_MS = LONG_HISTORY.windowMs;
/** With the long history, a frame interval longer than this many median intervals is a dropped frame. */
const LONG_HISTORY_DROPPED = 1.5;

export interface Viewport {
  readonly width: number;
  readonly height: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const round1 = (x: number): number => Math.round(x * 10) / 10;

/**
 * A run of `count` steps of the default preset's GoogLeNet (64 weighted layers, 11 blocks,
 * both aux heads in the loss), shaped like a real one: losses falling, gradients fading with
 * depth, per-head and held-out numbers on the default intervals. Deterministic.
 */
export function longHistoryRun(count: number): Run {
  const config = PRESETS.relu;
  const arch = describeNetwork(config);
  const layers = arch.layers.map((l) => ({ name: l.name, kind: l.kind, head: l.head, params: l.params }));
  const blocks = arch.blocks.map((b) => b.name);
  const training = DEFAULT_TRAINING;
  let seed = 1;
  const noise = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
  const f = (v: number) => Math.fround(v);
  const steps: RunStep[] = [];
  for (let s = 1; s <= count; s++) {
    const loss = 2.3 * Math.exp(-s / 3000) + 0.1 + 0.1 * noise();
    const rms = layers.map((_, i) => f(1e-3 * 0.85 ** (layers.length - 1 - i) * (1 + 0.5 * noise())));
    const norms = rms.map((r, i) => f(r * Math.sqrt(layers[i]!.params)));
    const perHead = (s - 1) % training.perHeadEvery === 0;
    const heads = (v: readonly number[], w: number) => ({ main: v.map((x) => f(x * w)), aux1: v.map((x) => f(x * w * 0.6)), aux2: v.map((x) => f(x * w * 0.3)) });
    const act = blocks.map((_, i) => f(1e-4 * 0.8 ** (blocks.length - 1 - i) * (1 + 0.5 * noise())));
    steps.push({
      step: s,
      loss: { main: f(loss), aux1: f(loss * 1.1), aux2: f(loss * 1.05), total: f(loss * 1.65) },
      accuracy: { main: f(1 - loss / 2.5), aux1: f(0.9 - loss / 2.5), aux2: f(0.95 - loss / 2.5) },
      layers: { gradNorm: norms, gradRms: rms, gradMeanAbs: rms.map((r) => f(r * 0.8)), gradMaxAbs: rms.map((r) => f(r * 4)), weightNorm: rms.map(() => 1), updateRatio: rms.map(() => f(1e-3)) },
      actGradRms: act,
      ...(perHead && { perHead: { gradNorm: heads(norms, 1), actGradRms: heads(act, 1) } }),
      ...(s % training.evalEvery === 0 && { evalAccuracy: { main: f(1 - loss / 2.4), aux1: f(0.9 - loss / 2.4), aux2: f(0.92 - loss / 2.4) } }),
    });
  }
  const header = {
    config, preset: 'relu', training, backend: 'wasm', layers, blocks, createdAt: '2026-01-01T00:00:00.000Z', label: `long history (${count} steps)`,
    dataset: { name: 'mnist', trainCount: 60_000, evalCount: 10_000, normalisation: { mean: [0.1307], std: [0.3081] } },
  };
  return { header, steps, events: [] };
}

/** The User Timing mark made where a redraw window starts: it ties the window's page times to a trace of it (./lateFrames.ts). */
export const REDRAWS_MARK = 'gradflow-redraws';

/**
 * Records animation frames and long tasks in the page for `windowMs` from now, marks the
 * start (REDRAWS_MARK) and returns it (page time). A string, like INIT_SCRIPT; the result
 * lands in window.__gradflowRedraws. Also used by ./lateFrames.ts --changes for single changes.
 */
export const recordScript = (windowMs: number): string => `(() => {
  const start = performance.now();
  performance.mark('${REDRAWS_MARK}');
  const until = start + ${windowMs};
  const r = { frames: [], longTasks: [] };
  window.__gradflowRedraws = r;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (e.startTime <= until) r.longTasks.push([e.startTime, e.duration]);
  }).observe({ type: 'longtask' });
  const tick = (t) => {
    if (t > until) return;
    r.frames.push(t);
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  return start;
})()`;

/** After a scroll or a page-width change, how long a dropped frame is counted as coming with it, ms. */
export const AFTER_CHANGE_MS = 500;

/** What the window did to the page: a panel scrolled to the top, or that and a page-width change at once. */
export type PageChange = 'scroll' | 'width';

/** Where a window's dropped frames were: in the AFTER_CHANGE_MS after a page-width change (with its scroll), after a scroll alone, or elsewhere. */
export interface DroppedNear {
  readonly widthChange: number;
  readonly scroll: number;
  readonly elsewhere: number;
}

/**
 * Sorts dropped frames (each [when its interval ended, its length], ms from the window's
 * start) by the change they came after: the latest change made before the frame ended,
 * when the frame began within AFTER_CHANGE_MS of it. `changes`: [ms from the window's
 * start, what], in time order.
 */
export function dropsNearChanges(dropped: readonly (readonly [number, number])[], changes: readonly (readonly [number, PageChange])[]): DroppedNear {
  const near = { widthChange: 0, scroll: 0, elsewhere: 0 };
  for (const [end, length] of dropped) {
    const last = changes.filter(([at]) => at < end).at(-1);
    if (last === undefined || end - length > last[0] + AFTER_CHANGE_MS) near.elsewhere++;
    else if (last[1] === 'width') near.widthChange++;
    else near.scroll++;
  }
  return near;
}

/** A window's dropped frames by what they came after, in words. */
export function droppedNearText(near: DroppedNear): string {
  return `${near.widthChange} within ${AFTER_CHANGE_MS / 1000} s of a page-width change, ${near.scroll} of a scroll alone, ${near.elsewhere} elsewhere`;
}

/** Frames and long tasks of one redraw window. */
export interface RedrawWindow {
  /** Animation-frame intervals longer than 1.5 x the window's median interval. */
  readonly framesDropped: number;
  /** Each dropped frame: when its interval ended (ms from the window's start) and how long it was (ms). */
  readonly droppedAt: readonly (readonly [number, number])[];
  /** Each change the window made: when (ms from the window's start, page time just before it) and what. */
  readonly changesAt: readonly (readonly [number, PageChange])[];
  /** The dropped frames by the change they came after (dropsNearChanges). */
  readonly droppedNear: DroppedNear;
  readonly frames: number;
  readonly medianFrameMs: number;
  readonly longestFrameMs: number;
  readonly longestTaskMs: number;
  readonly longTasks: number;
  readonly stepAtStart: number;
  readonly stepAtEnd: number;
}

/**
 * Records LONG_HISTORY.windowMs while the page redraws: training goes on, and every
 * LONG_HISTORY.scrollEveryMs the next panel is scrolled to the top (panels off screen keep
 * their last picture and catch up when they come into view), and every other time the page
 * width changes (every chart on screen redraws at the new width). Needs the bench's
 * INIT_SCRIPT in the page (for the step shown).
 */
export async function recordRedraws(page: Page, viewport: Viewport): Promise<RedrawWindow> {
  const start = (await page.evaluate(recordScript(LONG_HISTORY.windowMs))) as number;
  const until = start + LONG_HISTORY.windowMs;
  const stepAtStart = (await page.evaluate('window.__gradflowBench.step()')) as number;
  const panels = (await page.evaluate(`document.querySelectorAll('section.panel').length`)) as number;
  const changesAt: [number, PageChange][] = [];
  for (let i = 0; ; i++) {
    const now = (await page.evaluate('performance.now()')) as number;
    if (now >= until + 200) break;
    const scrolled = (await page.evaluate(`(() => {
      const at = performance.now();
      document.querySelectorAll('section.panel')[${i % Math.max(1, panels)}]?.scrollIntoView({ block: 'start' });
      return at;
    })()`)) as number;
    if (scrolled <= until) changesAt.push([Math.round(scrolled - start), i % 2 === 1 ? 'width' : 'scroll']);
    if (i % 2 === 1) await page.setViewportSize({ width: i % 4 === 1 ? viewport.width - 200 : viewport.width, height: viewport.height });
    await sleep(Math.min(LONG_HISTORY.scrollEveryMs, Math.max(0, until + 200 - now)));
  }
  await page.setViewportSize(viewport);
  await page.evaluate('window.scrollTo(0, 0)');
  const stepAtEnd = (await page.evaluate('window.__gradflowBench.step()')) as number;
  await sleep(300);
  const record = JSON.parse((await page.evaluate('JSON.stringify(window.__gradflowRedraws)')) as string) as { frames: number[]; longTasks: [number, number][] };
  const frames = record.frames.filter((t) => t >= start && t <= until);
  const intervals = frames.slice(1).map((t, i) => t - frames[i]!);
  const typical = intervals.length > 0 ? median(intervals) : 0;
  const longTasks = record.longTasks.filter(([t]) => t >= start && t <= until).map(([, d]) => d);
  const dropped = intervals.flatMap((d, i) => (d > LONG_HISTORY_DROPPED * typical ? [[Math.round(frames[i + 1]! - start), round1(d)] as const] : []));
  return {
    framesDropped: dropped.length,
    droppedAt: dropped,
    changesAt,
    droppedNear: dropsNearChanges(dropped, changesAt),
    frames: frames.length,
    medianFrameMs: round1(typical),
    longestFrameMs: round1(Math.max(0, ...intervals)),
    longestTaskMs: round1(Math.max(0, ...longTasks)),
    longTasks: longTasks.length,
    stepAtStart,
    stepAtEnd,
  };
}

/** What the long-history case adds to the browser's results. */
export interface LongHistoryResult {
  /** Animation-frame intervals longer than 1.5 x the median interval while the page redraws its charts with a 10,000-step run file open. Target: 0. */
  readonly framesDroppedLongHistory: number;
  /** The longest main-thread long task in that window, ms (0 when there was none). */
  readonly longestTaskLongHistoryMs: number;
  /** That window in full, the opened run's size and how long opening it took, and the same window before it was opened (baseline). */
  readonly longHistory: RedrawWindow & OpenedLongHistory & {
    readonly windowMs: number;
    readonly baseline: RedrawWindow;
  };
}

/** The opened run: its layers and steps, its size as JSON and how long opening it took (ms, from choosing the file to its first drawn line). */
export interface OpenedLongHistory {
  readonly layers: number;
  readonly steps: number;
  readonly fileMb: number;
  readonly openMs: number;
}

/**
 * Opens longHistoryRun(10,000) through the page's run-file input, as a user does, waits
 * for its first drawn line, then 2 s more: receiving 10,000 checked steps from the reading
 * worker is the import's own work, not drawing.
 */
export async function openLongHistory(page: Page, log: (line: string) => void): Promise<OpenedLongHistory> {
  const run = longHistoryRun(LONG_HISTORY.steps);
  const text = serializeRun(run);
  const fileMb = Math.round(text.length / 1e5) / 10;
  log(`browser: opening a run file of ${run.header.layers.length} layers x ${LONG_HISTORY.steps} steps (${fileMb} MB)`);
  // Chosen from the disk, as a user does: handed over as a buffer, Playwright builds the file in
  // the page's own heap, and collecting that (hundreds of MB) would pause the page in the window.
  const dir = mkdtempSync(join(tmpdir(), 'gradflow-bench-'));
  const opened = Date.now();
  try {
    const path = join(dir, 'long-history.json');
    writeFileSync(path, text);
    await page.locator('input[type=file]').setInputFiles(path);
    await page.locator('path[data-run="file"][data-series="latest"]').first().waitFor({ timeout: 120_000 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const openMs = Date.now() - opened;
  // Receiving 10,000 checked steps from the reading worker is the import's own work, not drawing: let it end first.
  await sleep(2_000);
  return { layers: run.header.layers.length, steps: LONG_HISTORY.steps, fileMb, openMs };
}

/**
 * The target's case: the same redraw window twice, first with the live runs' short
 * history (the baseline: what this machine drops anyway), then with a run file of the
 * full layer list and 10,000 steps opened through the page's run-file input, so that it is
 * drawn beside the live models in every chart that shows opened runs.
 */
export async function measureLongHistory(page: Page, viewport: Viewport, log: (line: string) => void): Promise<LongHistoryResult> {
  log(`browser: recording ${LONG_HISTORY.windowMs / 1000} s of redraws with the live runs only (baseline)`);
  const baseline = await recordRedraws(page, viewport);
  const opened = await openLongHistory(page, log);
  log(`browser: recording ${LONG_HISTORY.windowMs / 1000} s of redraws with the long history open`);
  const long = await recordRedraws(page, viewport);
  return {
    framesDroppedLongHistory: long.framesDropped,
    longestTaskLongHistoryMs: long.longestTaskMs,
    longHistory: { ...long, ...opened, windowMs: LONG_HISTORY.windowMs, baseline },
  };
}

/** The verdict on the long-history target (0 dropped frames), in the words of the table, for the log. */
export function longHistoryVerdict(result: LongHistoryResult): string {
  const { framesDroppedLongHistory: dropped, longestTaskLongHistoryMs: longest, longHistory: h } = result;
  return `framesDroppedLongHistory ${dropped} (target = 0: ${dropped === 0 ? 'MET' : `NOT MET: +${dropped}`}) of ${h.frames} frames (${droppedNearText(h.droppedNear)}), `
    + `longest frame ${h.longestFrameMs} ms, longest task ${longest} ms; baseline without the long history: ${h.baseline.framesDropped} dropped (${droppedNearText(h.baseline.droppedNear)}), `
    + `longest frame ${h.baseline.longestFrameMs} ms, longest task ${h.baseline.longestTaskMs} ms`;
}

/**
 * The same redraw window on the control page (./controlPage.ts) in a context of its own,
 * at the same page size, with its worker busy on one core as training is: the frames the
 * harness's scrolls and width changes, the browser and the machine drop with no chart
 * drawn at all. Not a target: what the long-history count is read against.
 */
export async function measureControl(browser: Browser, viewport: Viewport, log: (line: string) => void): Promise<RedrawWindow> {
  const context = await browser.newContext({ viewport });
  try {
    const page = await context.newPage();
    await page.setContent(controlPage(true));
    await sleep(2_000); // the worker's start and the first frames
    log(`browser: recording ${LONG_HISTORY.windowMs / 1000} s of redraws on the control page (no chart drawn, a worker busy on one core)`);
    return await recordRedraws(page, viewport);
  } finally {
    await context.close().catch(() => undefined);
  }
}

/** The control window in words, for the log and the table's note. */
export function controlLine(control: RedrawWindow): string {
  return `control page (static panels, no chart drawn, a worker busy on one core; the same scrolls and width changes): ${control.framesDropped} dropped of ${control.frames} frames (${droppedNearText(control.droppedNear)}), longest frame ${control.longestFrameMs} ms`;
}
