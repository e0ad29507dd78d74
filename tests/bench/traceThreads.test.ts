import { describe, expect, it } from 'vitest';
import { compilesFinished, findMark, poolWork, threadNames, threadTimes, workPieces, type TraceEvent } from '../../scripts/bench/traceThreads';

/** A renderer (pid 2) with its main thread and two pool threads, and a GPU process (pid 3). */
const META: TraceEvent[] = [
  { ph: 'M', name: 'process_name', pid: 2, tid: 0, args: { name: 'Renderer' } },
  { ph: 'M', name: 'process_name', pid: 3, tid: 0, args: { name: 'GPU Process' } },
  { ph: 'M', name: 'thread_name', pid: 2, tid: 10, args: { name: 'CrRendererMain' } },
  { ph: 'M', name: 'thread_name', pid: 2, tid: 11, args: { name: 'ThreadPoolForegroundWorker' } },
  { ph: 'M', name: 'thread_name', pid: 2, tid: 12, args: { name: 'ThreadPoolForegroundWorker' } },
  { ph: 'M', name: 'thread_name', pid: 3, tid: 20, args: { name: 'VizCompositorThread' } },
];
const task = (tid: number, ts: number, dur: number, tdur: number, pid = 2): TraceEvent => ({ ph: 'X', cat: 'toplevel', name: 'ThreadControllerImpl::RunTask', pid, tid, ts, dur, tdur });

describe('the threads of a trace', () => {
  it('names threads "Process/thread", without the word Process', () => {
    expect(threadNames(META).get('2:10')).toBe('Renderer/CrRendererMain');
    expect(threadNames(META).get('3:20')).toBe('GPU/VizCompositorThread');
  });

  it('finds a mark by name, with the thread that made it', () => {
    expect(findMark([...META, { ph: 'R', name: 'gradflow-redraws', pid: 2, tid: 10, ts: 5_000 }], 'gradflow-redraws')).toMatchObject({ ts: 5_000, pid: 2, tid: 10 });
    expect(findMark(META, 'gradflow-redraws')).toBeUndefined();
  });

  it('sums top-level tasks per thread name within the stretch, counting the overlapping share of each task', () => {
    const events = [
      ...META,
      task(10, 1_000, 4_000, 3_000), // inside [0, 10 ms]: 4 ms wall, 3 ms cpu
      task(10, 8_000, 4_000, 4_000), // half inside: 2 ms wall, 2 ms cpu
      task(11, 0, 2_000, 2_000), // the two pool threads are summed
      task(12, 5_000, 1_000, 500),
      task(20, 20_000, 1_000, 1_000, 3), // outside the stretch
      { ...task(10, 2_000, 1_000, 1_000), cat: 'devtools.timeline', name: 'Layout' }, // not top-level: inside a task already counted
    ];
    expect(threadTimes(events, 0, 10_000)).toStrictEqual([
      { thread: 'Renderer/CrRendererMain', wallMs: 6, cpuMs: 5 },
      { thread: 'Renderer/ThreadPoolForegroundWorker', wallMs: 3, cpuMs: 2.5 },
    ]);
  });

  it('counts a long task (a training step) at its average rate over the stretch', () => {
    // 600 ms of wall time with 300 ms of processor time: 10 ms of it in the stretch count 5 ms.
    expect(threadTimes([...META, task(11, 0, 600_000, 300_000)], 100_000, 110_000)).toStrictEqual([
      { thread: 'Renderer/ThreadPoolForegroundWorker', wallMs: 10, cpuMs: 5 },
    ]);
  });

  it("lists a thread's outermost timeline events in a stretch, in order, leaving out those inside them and those too short", () => {
    const timeline = (name: string, ts: number, dur: number, tdur: number, tid = 10): TraceEvent => ({ ph: 'X', cat: 'devtools.timeline', name, pid: 2, tid, ts, dur, tdur });
    const events = [
      ...META,
      task(10, 0, 20_000, 15_000), // top-level: not a timeline event
      timeline('TimerFire', 1_000, 9_000, 8_000),
      timeline('FunctionCall', 1_500, 8_000, 7_500), // inside TimerFire
      timeline('Layout', 12_000, 3_000, 2_000),
      timeline('Paint', 16_000, 500, 500), // under 1 ms
      { ...timeline('Layerize', 17_000, 2_000, 1_000), cat: 'devtools.timeline,disabled-by-default-devtools.timeline' },
      timeline('Layout', 5_000, 3_000, 3_000, 11), // another thread
      timeline('Layout', 30_000, 3_000, 3_000), // after the stretch
    ];
    expect(workPieces(events, 2, 10, 0, 20_000)).toStrictEqual([
      { name: 'TimerFire', atMs: 1, wallMs: 9, cpuMs: 8 },
      { name: 'Layout', atMs: 12, wallMs: 3, cpuMs: 2 },
      { name: 'Layerize', atMs: 17, wallMs: 2, cpuMs: 1 },
    ]);
  });
});

describe('what a pool worked on', () => {
  const named = (name: string, tid: number, ts: number, tdur: number): TraceEvent => ({ ph: 'X', cat: 'disabled-by-default-v8.compile', name, pid: 2, tid, ts, dur: tdur, tdur });

  it('sums compiles, rasterisation and background collection of the named threads that start in the stretch, leaving out inner phases', () => {
    const events = [
      ...META,
      named('V8.MaglevTask', 11, 1_000, 2_000),
      named('V8.Maglev.GraphBuilding', 11, 1_100, 1_000), // a phase inside the task above
      named('V8.TurbofanTask', 12, 3_000, 5_000),
      named('RasterizerTaskImpl::RunOnWorkerThread', 12, 9_000, 1_500),
      named('V8.GC_MC_BACKGROUND_MARKING', 11, 4_000, 3_000),
      named('V8.MaglevTask', 10, 2_000, 7_000), // the main thread, not the pool
      named('V8.MaglevTask', 11, 10_000, 9_000), // starts at the stretch's end
    ];
    expect(poolWork(events, 'Renderer/ThreadPoolForegroundWorker', 0, 10_000)).toStrictEqual({ compileMs: 7, rasterMs: 1.5, collectMs: 3 });
  });

  it('counts finished optimised compilations per thread', () => {
    const events = [
      ...META,
      { ph: 'M', name: 'thread_name', pid: 2, tid: 13, args: { name: 'DedicatedWorker thread' } },
      named('V8.MaglevConcurrentFinalize', 10, 1_000, 10),
      named('V8.MaglevConcurrentFinalize', 13, 2_000, 10),
      named('V8.OptimizeConcurrentFinalize', 13, 3_000, 10),
      named('V8.MaglevConcurrentFinalize', 13, 20_000, 10), // outside
    ];
    expect(compilesFinished(events, 0, 10_000)).toStrictEqual(new Map([['Renderer/CrRendererMain', 1], ['Renderer/DedicatedWorker thread', 2]]));
  });
});
