/**
 * What ran while the page's frames came late: the bench's redraw window (./longHistory.ts,
 * a scroll every 2 s and a page-width change every 4 s for 20 s) recorded again and again
 * under Chromium's tracing, and for each late frame (as the bench counts them) every
 * thread's wall and processor time in its interval. A late frame whose page main thread
 * ran (almost) nothing had no page work in it: no chart was drawn. A diagnostic, not a
 * benchmark: tracing costs the page some time of its own. See docs/benchmarks.md.
 *
 *   npx tsx scripts/bench/lateFrames.ts [--windows N] [--no-file] [--paused] [--pool]
 *
 * --windows N  redraw windows to record (default 5)
 * --no-file    leave the 10,000-step run file closed (the bench's baseline)
 * --paused     pause training first (the page redraws, the worker does not train)
 * --pool       also trace V8's compiles and the rasterisation, and say what the renderer's
 *              thread pool did: in each late frame and in each whole window
 */
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, startPreview, stopPreview } from '../../tests/e2e/preview';
import { HASH, INIT_SCRIPT, VIEWPORT, viteBuild } from './browser';
import { openLongHistory, recordRedraws, REDRAW_WINDOW_MS, REDRAWS_MARK } from './longHistory';
import { compilesFinished, findMark, poolWork, threadNames, threadTimes, workPieces, type PoolWork, type TraceEvent } from './traceThreads';

/** Below this much processor time of the page's main thread, a late frame had no page work in it, ms. */
const NO_PAGE_WORK_MS = 3;
const CATEGORIES = ['toplevel', 'devtools.timeline', 'disabled-by-default-v8.gc', 'blink.user_timing'];
/** With --pool: V8's compiles (background tasks and where they finish) and the renderer's rasterisation. */
const POOL_CATEGORIES = ['disabled-by-default-v8.compile', 'cc'];
/** The renderer's thread pool: V8's background compiles and collections and the rasterisation run there. */
const POOL = 'Renderer/ThreadPoolForegroundWorker';

function parseArgs(argv: readonly string[]): { windows: number; file: boolean; paused: boolean; pool: boolean } {
  let windows = 5;
  let file = true;
  let paused = false;
  let pool = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--no-file') file = false;
    else if (arg === '--paused') paused = true;
    else if (arg === '--pool') pool = true;
    else if (arg === '--windows') {
      windows = Number(argv[++i]);
      if (!Number.isInteger(windows) || windows < 1) throw new Error('--windows needs a positive whole number');
    } else throw new Error(`unknown argument "${arg}" (usage: lateFrames.ts [--windows N] [--no-file] [--paused] [--pool])`);
  }
  return { windows, file, paused, pool };
}

const fmt = (ms: number): string => ms.toFixed(1);
/** A thread's name without the page's own process: "CrRendererMain", "GPU/VizCompositorThread". */
const shortName = (thread: string): string => thread.replace(/^Renderer\//, '');
const poolText = (w: PoolWork): string => `compiling ${fmt(w.compileMs)}, rasterising ${fmt(w.rasterMs)}, collecting ${fmt(w.collectMs)} ms`;

async function main(): Promise<void> {
  const { windows, file, paused, pool } = parseArgs(process.argv.slice(2));
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  await viteBuild(log);
  const preview = await startPreview();
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  try {
    const context = await browser.newContext({ viewport: VIEWPORT });
    const page = await context.newPage();
    await page.addInitScript({ content: INIT_SCRIPT });
    await page.goto(`${preview.url}#${HASH}`);
    await page.locator('path[data-series="latest"]').first().waitFor({ timeout: 180_000 });
    if (file) await openLongHistory(page, log);
    if (paused) {
      await page.getByRole('button', { name: 'Pause', exact: true }).click();
      await page.getByRole('button', { name: 'Play', exact: true }).waitFor();
    }
    const out = (line: string): void => void process.stdout.write(`${line}\n`);
    out(`late frames: ${windows} windows, ${file ? 'the 10,000-step run open' : 'no run file'}, ${paused ? 'training paused' : 'training'}`);
    let late = 0;
    let idle = 0;
    let withWindows = 0;
    const pageWork: number[] = [];
    for (let w = 1; w <= windows; w++) {
      await browser.startTracing(page, { categories: pool ? [...CATEGORIES, ...POOL_CATEGORIES] : CATEGORIES });
      const redraws = await recordRedraws(page, VIEWPORT);
      const events = (JSON.parse((await browser.stopTracing()).toString()) as { traceEvents: TraceEvent[] }).traceEvents;
      const mark = findMark(events, REDRAWS_MARK);
      if (mark?.ts === undefined) throw new Error(`the trace has no "${REDRAWS_MARK}" mark`);
      const names = threadNames(events);
      // The page's main thread: the one that made the mark.
      const mainThread = names.get(`${mark.pid}:${mark.tid}`);
      out(`window ${w}: ${redraws.framesDropped} late of ${redraws.frames} frames`);
      if (redraws.framesDropped > 0) withWindows++;
      for (const [endMs, intervalMs] of redraws.droppedAt) {
        // Window time -> trace time (µs): the mark was made where the window starts.
        const to = mark.ts + endMs * 1000;
        const from = to - intervalMs * 1000;
        const times = threadTimes(events, from, to, names).filter((t) => t.cpuMs >= 0.5);
        const mainCpu = times.find((t) => t.thread === mainThread)?.cpuMs ?? 0;
        late++;
        if (mainCpu < NO_PAGE_WORK_MS) idle++;
        else pageWork.push(mainCpu);
        const what = times.map((t) => `${shortName(t.thread)} ${fmt(t.cpuMs)}/${fmt(t.wallMs)}`).join(', ');
        out(`  at ${(endMs / 1000).toFixed(2)} s, ${fmt(intervalMs)} ms: ${mainCpu < NO_PAGE_WORK_MS ? 'no page work' : `page main thread ${fmt(mainCpu)} ms`} | ${what || 'nothing traced'}`);
        // The main thread piece by piece: which work of the page the frame held.
        const pieces = workPieces(events, mark.pid, mark.tid, from, to);
        if (mainCpu >= NO_PAGE_WORK_MS && pieces.length > 0) out(`    main thread: ${pieces.map((p) => `${p.name} ${fmt(p.cpuMs)}/${fmt(p.wallMs)} at +${fmt(p.atMs)}`).join(', ')}`);
        if (pool) out(`    thread pool: ${poolText(poolWork(events, POOL, from, to, names))}`);
      }
      if (pool) {
        // The whole window: who used the two cores, and how much the optimising compilers redid.
        const [from, to] = [mark.ts, mark.ts + REDRAW_WINDOW_MS * 1000];
        const totals = threadTimes(events, from, to, names).filter((t) => t.cpuMs >= 50);
        out(`  whole window, processor s: ${totals.map((t) => `${shortName(t.thread)} ${(t.cpuMs / 1000).toFixed(2)}`).join(', ')}`);
        out(`  thread pool: ${poolText(poolWork(events, POOL, from, to, names))}`);
        const compiles = [...compilesFinished(events, from, to, names)].map(([thread, n]) => `${n} for ${shortName(thread)}`);
        out(`  optimised compiles finished: ${compiles.join(', ') || 'none'}`);
      }
    }
    const range = pageWork.length === 0 ? '' : ` (${fmt(Math.min(...pageWork))} to ${fmt(Math.max(...pageWork))} ms of the main thread's processor time)`;
    out(`in all: ${late} late frames in ${withWindows} of ${windows} windows; ${idle} with no page work (main thread under ${NO_PAGE_WORK_MS} ms), ${pageWork.length} with page work${range}`);
    out('(processor/wall ms per thread in each interval; a long task, such as a training step, counts at its average rate)');
  } finally {
    await browser.close().catch(() => undefined);
    await stopPreview(preview.child);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`lateFrames: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
