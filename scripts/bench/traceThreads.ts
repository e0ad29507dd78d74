/**
 * What each thread did in a stretch of a Chromium trace (the JSON that tracing writes):
 * the wall and processor time of its top-level tasks in that stretch. Used by
 * ./lateFrames.ts to say what ran while a frame came late. Pure functions of the events.
 */

/** One event of a Chromium trace, as far as this module reads it. Times in microseconds. */
export interface TraceEvent {
  readonly name: string;
  readonly cat?: string;
  readonly ph: string;
  readonly ts?: number;
  /** Wall time of a complete ('X') event. */
  readonly dur?: number;
  /** Processor time of the thread in it, where the trace has it. */
  readonly tdur?: number;
  readonly pid: number;
  readonly tid: number;
  readonly args?: { readonly name?: string };
}

/** A thread's time in a stretch, ms. Threads of the same name in one process are summed. */
export interface ThreadTime {
  /** "Renderer/CrRendererMain", "Renderer/ThreadPoolForegroundWorker" (all of them). */
  readonly thread: string;
  readonly wallMs: number;
  readonly cpuMs: number;
}

/** Threads' names as "Process/thread", by "pid:tid", from the trace's metadata events. */
export function threadNames(events: readonly TraceEvent[]): Map<string, string> {
  const processes = new Map<number, string>();
  for (const e of events) if (e.ph === 'M' && e.name === 'process_name' && e.args?.name) processes.set(e.pid, e.args.name.replace(/ Process$/, ''));
  const names = new Map<string, string>();
  for (const e of events) {
    if (e.ph === 'M' && e.name === 'thread_name' && e.args?.name) names.set(`${e.pid}:${e.tid}`, `${processes.get(e.pid) ?? e.pid}/${e.args.name}`);
  }
  return names;
}

/** The first event named `name` (a User Timing mark: its time in µs, and the thread that made it), or undefined. */
export function findMark(events: readonly TraceEvent[], name: string): TraceEvent | undefined {
  return events.find((e) => e.name === name && e.ts !== undefined);
}

/**
 * Each thread's wall and processor time in [from, to] (µs), from its top-level tasks
 * (category `toplevel`, complete events). A task that overlaps the stretch counts the
 * overlapping part of its wall time and the same share of its processor time: for a long
 * task (a training step of the worker) that is its average, not what it did in the
 * stretch. Busiest (by processor time) first.
 */
export function threadTimes(events: readonly TraceEvent[], from: number, to: number, names = threadNames(events)): ThreadTime[] {
  const sums = new Map<string, { wall: number; cpu: number }>();
  for (const e of events) {
    if (e.ph !== 'X' || e.cat !== 'toplevel' || e.ts === undefined || !e.dur) continue;
    const overlap = Math.min(e.ts + e.dur, to) - Math.max(e.ts, from);
    if (overlap <= 0) continue;
    const thread = names.get(`${e.pid}:${e.tid}`) ?? `${e.pid}/${e.tid}`;
    const sum = sums.get(thread) ?? { wall: 0, cpu: 0 };
    sum.wall += overlap;
    sum.cpu += ((e.tdur ?? 0) * overlap) / e.dur;
    sums.set(thread, sum);
  }
  return [...sums]
    .map(([thread, { wall, cpu }]) => ({ thread, wallMs: wall / 1000, cpuMs: cpu / 1000 }))
    .sort((a, b) => b.cpuMs - a.cpuMs);
}

/** One piece of a thread's work in a stretch: an outermost timeline event, ms. */
export interface WorkPiece {
  readonly name: string;
  /** Ms after the stretch's start. */
  readonly atMs: number;
  readonly wallMs: number;
  readonly cpuMs: number;
}

/**
 * The outermost `devtools.timeline` events of thread `pid:tid` that overlap [from, to]
 * (µs) and last at least `minMs` (TimerFire, FunctionCall, Layout, Paint, a collection...):
 * what that thread's tasks did, in the order they started. An event inside another of
 * them is left out (its time is in the outer one).
 */
export function workPieces(events: readonly TraceEvent[], pid: number, tid: number, from: number, to: number, minMs = 1): WorkPiece[] {
  const timeline = events
    .filter((e) => e.pid === pid && e.tid === tid && e.ph === 'X' && e.ts !== undefined && e.dur !== undefined
      && (e.cat ?? '').split(',').includes('devtools.timeline') && e.ts < to && e.ts + e.dur > from)
    .sort((a, b) => a.ts! - b.ts! || b.dur! - a.dur!);
  const pieces: WorkPiece[] = [];
  let end = -Infinity;
  for (const e of timeline) {
    if (e.ts! < end) continue; // inside the outer event before it
    end = e.ts! + e.dur!;
    if (e.dur! >= minMs * 1000) pieces.push({ name: e.name, atMs: (e.ts! - from) / 1000, wallMs: e.dur! / 1000, cpuMs: (e.tdur ?? 0) / 1000 });
  }
  return pieces;
}

/** What a pool's work in a stretch was for, summed from its tasks' named events (ms of processor time). */
export interface PoolWork {
  /** V8's optimising compilers (Maglev and Turbofan) in the background. */
  readonly compileMs: number;
  /** The renderer's rasterisation. */
  readonly rasterMs: number;
  /** V8's collector in the background (marking, sweeping, scavenging, evacuating). */
  readonly collectMs: number;
}

/** The outermost of each kind: these events do not nest in each other, their inner phases are left out. */
const POOL_KINDS: readonly (readonly [keyof PoolWork, RegExp])[] = [
  ['compileMs', /^V8\.(MaglevTask|TurbofanTask)$/],
  ['rasterMs', /^RasterizerTaskImpl::RunOnWorkerThread$/],
  ['collectMs', /^V8\.GC_(MC_BACKGROUND_(MARKING|SWEEPING|EVACUATE_COPY|EVACUATE_UPDATE_POINTERS)|SCAVENGER_BACKGROUND_SCAVENGE_PARALLEL|BACKGROUND_(YOUNG|FULL)_ARRAY_BUFFER_SWEEP)$/],
];

/**
 * The processor time of the threads named `thread` ("Renderer/ThreadPoolForegroundWorker")
 * in [from, to] (µs), by what it was for. An event counts in full when it starts in the
 * stretch. Compiles are only in the trace with the category `disabled-by-default-v8.compile`,
 * rasterisation with `cc`.
 */
export function poolWork(events: readonly TraceEvent[], thread: string, from: number, to: number, names = threadNames(events)): PoolWork {
  const sums = { compileMs: 0, rasterMs: 0, collectMs: 0 };
  for (const e of events) {
    if (e.ph !== 'X' || e.ts === undefined || e.ts < from || e.ts >= to || names.get(`${e.pid}:${e.tid}`) !== thread) continue;
    const kind = POOL_KINDS.find(([, name]) => name.test(e.name));
    if (kind) sums[kind[0]] += (e.tdur ?? 0) / 1000;
  }
  return sums;
}

/** How many optimised compilations each thread finished in [from, to] (µs), by its name: V8 finishes a background compile on the thread of the code it made. */
export function compilesFinished(events: readonly TraceEvent[], from: number, to: number, names = threadNames(events)): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of events) {
    if (e.ph !== 'X' || e.ts === undefined || e.ts < from || e.ts >= to) continue;
    if (e.name !== 'V8.MaglevConcurrentFinalize' && e.name !== 'V8.OptimizeConcurrentFinalize') continue;
    const thread = names.get(`${e.pid}:${e.tid}`) ?? `${e.pid}/${e.tid}`;
    counts.set(thread, (counts.get(thread) ?? 0) + 1);
  }
  return counts;
}
