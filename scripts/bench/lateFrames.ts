/**
 * What ran while the page's frames came late: the bench's redraw window (./longHistory.ts,
 * a scroll every 2 s and a page-width change every 4 s for 20 s) recorded again and again
 * under Chromium's tracing, and for each late frame (as the bench counts them) every
 * thread's wall and processor time in its interval. A late frame whose page main thread
 * ran (almost) nothing had no page work in it: no chart was drawn. A diagnostic, not a
 * benchmark: tracing costs the page some time of its own. See docs/benchmarks.md.
 *
 *   npx tsx scripts/bench/lateFrames.ts [--windows N | --changes N] [--no-file] [--paused] [--pool] [--control] [--style CSS]
 *
 * --windows N  redraw windows to record (default 5)
 * --changes N  instead of windows, N single changes, each traced on its own: the next panel
 *              scrolled to the top and the page width changed by 200 px together (what the
 *              window does every 4 s), then CHANGE_MS of frames; every late frame (over 1.5 x
 *              16.7 ms), and the page main thread's processor time over the change. With
 *              --paused, the page's own redraw with no training beside it
 * --no-file    leave the 10,000-step run file closed (the bench's baseline)
 * --paused     pause training first (the page redraws, the worker does not train)
 * --pool       also trace V8's compiles and the rasterisation, and say what the renderer's
 *              thread pool did: in each late frame and in each whole window
 * --control    instead of GradFlow, the control page (./controlPage.ts): panels of text and a
 *              static chart each, and a worker that keeps one core busy as training does
 *              (none with --paused); the same windows or changes. What the harness, the
 *              browser and the machine drop on their own, with no chart drawn.
 * --style CSS  a style sheet put into the page once the run file is open (and training
 *              paused), to see what a part of the page costs by leaving it out: with
 *              '.chart-body { visibility: hidden }' the charts are laid out and redrawn as
 *              ever, but nothing of them is painted. Run it with and without, in turn.
 */
import { type Browser, chromium, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, startPreview, stopPreview } from '../../tests/e2e/preview';
import { HASH, INIT_SCRIPT, LATE_FRAME_MS, VIEWPORT, viteBuild } from './browser';
import { droppedNearText, openLongHistory, recordRedraws, recordScript, REDRAW_WINDOW_MS, REDRAWS_MARK } from './longHistory';
import { compilesFinished, findMark, poolWork, threadNames, threadTimes, workPieces, type PoolWork, type TraceEvent } from './traceThreads';
import { controlPage } from './controlPage';

/** Below this much processor time of the page's main thread, a late frame had no page work in it, ms. */
const NO_PAGE_WORK_MS = 3;
const CATEGORIES = ['toplevel', 'devtools.timeline', 'disabled-by-default-v8.gc', 'blink.user_timing'];
/** With --pool: V8's compiles (background tasks and where they finish) and the renderer's rasterisation. */
const POOL_CATEGORIES = ['disabled-by-default-v8.compile', 'cc'];
/** The renderer's thread pool: V8's background compiles and collections and the rasterisation run there. */
const POOL = 'Renderer/ThreadPoolForegroundWorker';
/** With --changes: how long each change's frames are recorded. */
const CHANGE_MS = 1_200;

interface Options {
  readonly windows: number;
  /** Single changes instead of windows (0: windows). */
  readonly changes: number;
  readonly file: boolean;
  readonly paused: boolean;
  readonly pool: boolean;
  readonly control: boolean;
  /** A style sheet put into the page before recording ('' for none). */
  readonly style: string;
}

const USAGE = 'usage: lateFrames.ts [--windows N | --changes N] [--no-file] [--paused] [--pool] [--control] [--style CSS]';

function parseArgs(argv: readonly string[]): Options {
  let windows = 5;
  let changes = 0;
  let file = true;
  let paused = false;
  let pool = false;
  let control = false;
  let style = '';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--no-file') file = false;
    else if (arg === '--style') {
      style = argv[++i] ?? '';
      if (style.trim() === '') throw new Error(`--style needs a style sheet (${USAGE})`);
    } else if (arg === '--paused') paused = true;
    else if (arg === '--pool') pool = true;
    else if (arg === '--control') control = true;
    else if (arg === '--windows' || arg === '--changes') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${arg} needs a positive whole number (${USAGE})`);
      if (arg === '--windows') windows = n;
      else changes = n;
    } else throw new Error(`unknown argument "${arg}" (${USAGE})`);
  }
  if (control && !file) throw new Error('--control has no run file to leave closed: drop --no-file');
  return { windows, changes, file: file && !control, paused, pool, control, style };
}

const fmt = (ms: number): string => ms.toFixed(1);
/** A thread's name without the page's own process: "CrRendererMain", "GPU/VizCompositorThread". */
const shortName = (thread: string): string => thread.replace(/^Renderer\//, '');
const poolText = (w: PoolWork): string => `compiling ${fmt(w.compileMs)}, rasterising ${fmt(w.rasterMs)}, collecting ${fmt(w.collectMs)} ms`;

/** Trace events of what `record` does in the page, between starting and stopping tracing. */
async function traced<T>(browser: Browser, page: Page, pool: boolean, record: () => Promise<T>): Promise<[T, TraceEvent[]]> {
  await browser.startTracing(page, { categories: pool ? [...CATEGORIES, ...POOL_CATEGORIES] : CATEGORIES });
  const result = await record();
  const events = (JSON.parse((await browser.stopTracing()).toString()) as { traceEvents: TraceEvent[] }).traceEvents;
  return [result, events];
}

/** The mark `name` in the trace, and the page's main thread: the one that made it. */
function markAndMain(events: readonly TraceEvent[], name: string): { mark: TraceEvent & { ts: number }; names: Map<string, string>; mainThread: string | undefined } {
  const mark = findMark(events, name);
  if (mark?.ts === undefined) throw new Error(`the trace has no "${name}" mark`);
  const names = threadNames(events);
  return { mark: { ...mark, ts: mark.ts }, names, mainThread: names.get(`${mark.pid}:${mark.tid}`) };
}

/** Late frames seen so far: how many, in how many windows or changes, and the page work in those that had some. */
interface Tally {
  late: number;
  idle: number;
  withAny: number;
  readonly pageWork: number[];
}

/** Prints one late frame of [from, to] (trace µs): every thread's time, and the main thread piece by piece. */
function printLateFrame(events: readonly TraceEvent[], trace: ReturnType<typeof markAndMain>, at: string, from: number, to: number, pool: boolean, tally: Tally, out: (line: string) => void): void {
  const { mark, names, mainThread } = trace;
  const times = threadTimes(events, from, to, names).filter((t) => t.cpuMs >= 0.5);
  const mainCpu = times.find((t) => t.thread === mainThread)?.cpuMs ?? 0;
  tally.late++;
  if (mainCpu < NO_PAGE_WORK_MS) tally.idle++;
  else tally.pageWork.push(mainCpu);
  const what = times.map((t) => `${shortName(t.thread)} ${fmt(t.cpuMs)}/${fmt(t.wallMs)}`).join(', ');
  out(`  at ${at}, ${fmt((to - from) / 1000)} ms: ${mainCpu < NO_PAGE_WORK_MS ? 'no page work' : `page main thread ${fmt(mainCpu)} ms`} | ${what || 'nothing traced'}`);
  // The main thread piece by piece: which work of the page the frame held.
  const pieces = workPieces(events, mark.pid, mark.tid, from, to);
  if (mainCpu >= NO_PAGE_WORK_MS && pieces.length > 0) out(`    main thread: ${pieces.map((p) => `${p.name} ${fmt(p.cpuMs)}/${fmt(p.wallMs)} at +${fmt(p.atMs)}`).join(', ')}`);
  if (pool) out(`    thread pool: ${poolText(poolWork(events, POOL, from, to, names))}`);
}

/** The bench's redraw window, `windows` times: each late frame as the bench counts them. */
async function recordWindows(browser: Browser, page: Page, windows: number, pool: boolean, tally: Tally, out: (line: string) => void): Promise<void> {
  for (let w = 1; w <= windows; w++) {
    const [redraws, events] = await traced(browser, page, pool, () => recordRedraws(page, VIEWPORT));
    const trace = markAndMain(events, REDRAWS_MARK);
    out(`window ${w}: ${redraws.framesDropped} late of ${redraws.frames} frames (${droppedNearText(redraws.droppedNear)})`);
    if (redraws.framesDropped > 0) tally.withAny++;
    for (const [endMs, intervalMs] of redraws.droppedAt) {
      // Window time -> trace time (µs): the mark was made where the window starts.
      const to = trace.mark.ts + endMs * 1000;
      printLateFrame(events, trace, `${(endMs / 1000).toFixed(2)} s`, to - intervalMs * 1000, to, pool, tally, out);
    }
    if (pool) {
      // The whole window: who used the two cores, and how much the optimising compilers redid.
      const [from, to] = [trace.mark.ts, trace.mark.ts + REDRAW_WINDOW_MS * 1000];
      const totals = threadTimes(events, from, to, trace.names).filter((t) => t.cpuMs >= 50);
      out(`  whole window, processor s: ${totals.map((t) => `${shortName(t.thread)} ${(t.cpuMs / 1000).toFixed(2)}`).join(', ')}`);
      out(`  thread pool: ${poolText(poolWork(events, POOL, from, to, trace.names))}`);
      const compiles = [...compilesFinished(events, from, to, trace.names)].map(([thread, n]) => `${n} for ${shortName(thread)}`);
      out(`  optimised compiles finished: ${compiles.join(', ') || 'none'}`);
    }
  }
}

/**
 * `changes` single scroll-and-width changes, each traced on its own: its late frames and the
 * main thread's time over it; at the end, every thread's processor time per change (each
 * thread's name summed over the changes; the training worker, when training, is among them).
 */
async function recordChanges(browser: Browser, page: Page, changes: number, pool: boolean, tally: Tally, out: (line: string) => void): Promise<void> {
  const panels = (await page.evaluate(`document.querySelectorAll('section.panel').length`)) as number;
  const mainMs: number[] = [];
  const threadMs = new Map<string, number>();
  // Let the last step's (or the pause's) redraws end first.
  await sleep(3_000);
  for (let c = 1; c <= changes; c++) {
    const width = c % 2 === 1 ? VIEWPORT.width - 200 : VIEWPORT.width;
    const panel = (2 * c - 1) % Math.max(1, panels);
    const [[start, frames], events] = await traced(browser, page, pool, async () => {
      await sleep(300);
      const begun = (await page.evaluate(recordScript(CHANGE_MS))) as number;
      await page.evaluate(`document.querySelectorAll('section.panel')[${panel}]?.scrollIntoView({ block: 'start' })`);
      await page.setViewportSize({ width, height: VIEWPORT.height });
      await sleep(CHANGE_MS + 200);
      return [begun, (await page.evaluate('window.__gradflowRedraws.frames')) as number[]] as const;
    });
    const trace = markAndMain(events, REDRAWS_MARK);
    // Page time -> trace time (µs): the mark was made at `start`.
    const traceTime = (t: number): number => trace.mark.ts + (t - start) * 1000;
    const intervals = frames.slice(1).map((t, i) => [frames[i]!, t] as const);
    const late = intervals.filter(([a, b]) => b - a > LATE_FRAME_MS);
    const last = frames.at(-1) ?? start;
    const times = threadTimes(events, trace.mark.ts, traceTime(last), trace.names);
    const main = times.find((t) => t.thread === trace.mainThread)?.cpuMs ?? 0;
    mainMs.push(main);
    for (const t of times) threadMs.set(shortName(t.thread), (threadMs.get(shortName(t.thread)) ?? 0) + t.cpuMs);
    out(`change ${c} (panel ${panel + 1} to the top, width ${width}): ${late.length} late of ${frames.length} frames; page main thread ${fmt(main)} ms over ${fmt(last - start)} ms`);
    if (late.length > 0) tally.withAny++;
    for (const [a, b] of late) printLateFrame(events, trace, `+${(b - start).toFixed(0)} ms`, traceTime(a), traceTime(b), pool, tally, out);
    await sleep(1_000);
  }
  out(`page main thread per change: mean ${fmt(mainMs.reduce((x, y) => x + y, 0) / mainMs.length)} ms (${fmt(Math.min(...mainMs))} to ${fmt(Math.max(...mainMs))})`);
  const perChange = [...threadMs].map(([thread, ms]) => [thread, ms / changes] as const).sort((a, b) => b[1] - a[1]);
  const all = perChange.reduce((sum, [, ms]) => sum + ms, 0);
  out(`every thread per change: ${fmt(all)} ms of processor time; ${perChange.filter(([, ms]) => ms >= 1).map(([thread, ms]) => `${thread} ${fmt(ms)}`).join(', ')}`);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const { windows, changes, file, paused, pool, control, style } = parseArgs(process.argv.slice(2));
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  if (!control) await viteBuild(log);
  const preview = control ? null : await startPreview();
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  try {
    const context = await browser.newContext({ viewport: VIEWPORT });
    const page = await context.newPage();
    if (preview) {
      await page.addInitScript({ content: INIT_SCRIPT });
      await page.goto(`${preview.url}#${HASH}`);
      await page.locator('path[data-series="latest"]').first().waitFor({ timeout: 180_000 });
    } else {
      await page.setContent(controlPage(!paused));
      await sleep(2_000); // the worker's start and the first frames
    }
    if (file) await openLongHistory(page, log);
    if (paused && preview) {
      await page.getByRole('button', { name: 'Pause', exact: true }).click();
      await page.getByRole('button', { name: 'Play', exact: true }).waitFor();
    }
    // As a stylesheet element: the built page's Content Security Policy allows inline styles.
    if (style) await page.addStyleTag({ content: style });
    const out = (line: string): void => void process.stdout.write(`${line}\n`);
    const what = changes > 0 ? `${changes} scroll-and-width changes` : `${windows} windows`;
    out(control
      ? `late frames: ${what}, the control page, ${paused ? 'no worker' : 'a worker busy on one core'}`
      : `late frames: ${what}, ${file ? 'the 10,000-step run open' : 'no run file'}, ${paused ? 'training paused' : 'training'}`);
    if (style) out(`with the style sheet: ${style}`);
    const tally: Tally = { late: 0, idle: 0, withAny: 0, pageWork: [] };
    if (changes > 0) await recordChanges(browser, page, changes, pool, tally, out);
    else await recordWindows(browser, page, windows, pool, tally, out);
    const { late, idle, withAny, pageWork } = tally;
    const range = pageWork.length === 0 ? '' : ` (${fmt(Math.min(...pageWork))} to ${fmt(Math.max(...pageWork))} ms of the main thread's processor time)`;
    out(`in all: ${late} late frames in ${withAny} of ${changes > 0 ? changes : windows} ${changes > 0 ? 'changes' : 'windows'}; ${idle} with no page work (main thread under ${NO_PAGE_WORK_MS} ms), ${pageWork.length} with page work${range}`);
    out('(processor/wall ms per thread in each interval; a long task, such as a training step, counts at its average rate)');
  } finally {
    await browser.close().catch(() => undefined);
    if (preview) await stopPreview(preview.child);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`lateFrames: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
