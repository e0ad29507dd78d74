import { describe, expect, it } from 'vitest';
import { PRESETS } from '../../src/model/config';
import type { RunHeader } from '../../src/shared/runFile';
import { DEFAULT_HISTORY } from '../../src/shared/history';
import { frameLength } from '../../src/train/frame';
import { INITIAL_SESSION, sessionReducer, type SessionState } from '../../src/ui/hooks/sessionState';
import type { FrameMessage, WorkerEvent } from '../../src/worker/protocol';
import { tinyHeader } from '../helpers/runs';

const SHAPE = { layers: 2, blocks: 1 };
const HEADER: RunHeader = tinyHeader({
  training: { batchSize: 4, perHeadEvery: 10, evalEvery: 50 },
  dataset: { name: 'mnist', trainCount: 9000, evalCount: 1000, normalisation: { mean: [0.13], std: [0.31] } },
  backend: 'wasm',
});
const BACKEND = { active: 'wasm' as const, skipped: [{ name: 'webgpu' as const, reason: 'no adapter' }] };

function ready(runId: number, withB = true): WorkerEvent {
  const model = { header: HEADER, config: HEADER.config };
  return { type: 'ready', runId, backend: BACKEND, models: withB ? { A: model, B: model } : { A: model } };
}

/** A frame whose numbers are all `value`. */
function frame(step: number, value: number, diverged: string | null = null): FrameMessage {
  return { step, data: new Float32Array(frameLength(SHAPE, false, false)).fill(value), perHead: false, evaluated: false, diverged: diverged ? { where: diverged } : null };
}

function stepEvent(runId: number, step: number, value = 0.5): WorkerEvent {
  return { type: 'step', runId, frames: { A: frame(step, value), B: frame(step, value * 2) } };
}

const run = (state: SessionState, ...events: WorkerEvent[]) => sessionReducer(state, { type: 'events', events });

describe('sessionReducer', () => {
  it('builds one run per model from ready and step messages', () => {
    const state = run(INITIAL_SESSION, ready(1), stepEvent(1, 1), stepEvent(1, 2, 0.25));
    expect(state.runId).toBe(1);
    expect(state.backend).toStrictEqual(BACKEND);
    expect(state.runs.A?.steps.map((s) => s.step)).toStrictEqual([1, 2]);
    expect(state.runs.A?.steps[1]?.loss.main).toBe(0.25);
    expect(Array.from(state.runs.B?.steps[1]?.layers.gradNorm ?? [])).toStrictEqual([0.5, 0.5]);
    expect(state.step).toBe(2);
  });

  it('never mutates the previous state or run', () => {
    const before = run(INITIAL_SESSION, ready(1), stepEvent(1, 1));
    const steps = before.runs.A!.steps;
    const after = run(before, stepEvent(1, 2));
    expect(before.runs.A!.steps).toBe(steps);
    expect(steps).toHaveLength(1);
    expect(after.runs.A!.steps).toHaveLength(2);
  });

  it('leaves B empty when the worker does not compare', () => {
    const state = run(INITIAL_SESSION, ready(1, false), { type: 'step', runId: 1, frames: { A: frame(1, 1) } });
    expect(state.runs.B).toBeNull();
    expect(state.runs.A?.steps).toHaveLength(1);
  });

  it('drops messages of a run the page restarted, and adopts the next ready', () => {
    const first = run(INITIAL_SESSION, ready(1), stepEvent(1, 1));
    const restarted = sessionReducer(first, { type: 'restart' });
    expect(restarted.runs.A).toBeNull();
    const late = run(restarted, stepEvent(1, 2), { type: 'state', runId: 1, playing: true, step: 2, stepsPerSecond: 3, paused: { A: false, B: false } });
    expect(late.runs.A).toBeNull();
    expect(late.step).toBe(0);
    const next = run(late, ready(1), ready(2), stepEvent(2, 1));
    expect(next.runId).toBe(2);
    expect(next.runs.A?.steps).toHaveLength(1);
  });

  it('keeps its backend across a restart so the status stays informative', () => {
    const state = sessionReducer(run(INITIAL_SESSION, ready(1)), { type: 'restart' });
    expect(state.backend?.active).toBe('wasm');
  });

  it('records setting changes as events of the models they apply to', () => {
    const state = run(INITIAL_SESSION, ready(3), stepEvent(3, 1),
      { type: 'settingApplied', runId: 3, model: 'A', step: 2, detail: 'aux1 off' },
      { type: 'settingApplied', runId: 3, model: 'both', step: 2, detail: 'learning rate 0.001' });
    expect(state.runs.A?.events).toStrictEqual([{ step: 2, type: 'setting', detail: 'aux1 off' }, { step: 2, type: 'setting', detail: 'learning rate 0.001' }]);
    expect(state.runs.B?.events).toStrictEqual([{ step: 2, type: 'setting', detail: 'learning rate 0.001' }]);
  });

  it('marks a diverged step as an event and remembers the first divergence', () => {
    const state = run(INITIAL_SESSION, ready(1), { type: 'step', runId: 1, frames: { A: frame(1, NaN, 'inception_3a'), B: frame(1, 1) } });
    expect(state.runs.A?.events).toStrictEqual([{ step: 1, type: 'diverged', detail: 'inception_3a' }]);
    expect(state.divergence).toStrictEqual({ model: 'A', step: 1, where: 'inception_3a' });
    expect(Number.isNaN(state.runs.A?.steps[0]?.loss.main)).toBe(true);
  });

  it('lists errors that do not stop the run; a fatal error is a fault: playing stops, the history stays', () => {
    const playing = run(INITIAL_SESSION, ready(1), stepEvent(1, 1), { type: 'state', runId: 1, playing: true, step: 1, stepsPerSecond: 2, paused: { A: false, B: false } });
    const warned = run(playing, { type: 'error', runId: 1, message: 'a checkpoint failed', fatal: false });
    expect(warned.errors).toStrictEqual([{ runId: 1, message: 'a checkpoint failed', fatal: false }]);
    expect(warned.playing).toBe(true);
    const state = run(warned, { type: 'error', runId: 1, message: 'out of memory', fatal: true });
    expect(state.fault).toStrictEqual({ kind: 'stopped', message: 'out of memory' });
    expect(state.playing).toBe(false);
    expect(state.runs.A?.steps).toHaveLength(1);
    expect(sessionReducer(state, { type: 'dismissErrors' }).errors).toStrictEqual([]);
  });

  it('takes fatal errors of the worker itself (runId -1) even after a restart, but not errors of restarted runs', () => {
    const restarted = sessionReducer(run(INITIAL_SESSION, ready(1)), { type: 'restart' });
    const old = run(restarted, { type: 'error', runId: 1, message: 'old', fatal: true });
    expect(old.fault).toBeNull();
    expect(run(old, { type: 'error', runId: -1, message: 'worker crashed', fatal: true }).fault?.message).toBe('worker crashed');
  });

  it('a silent worker is a fault that clears when it speaks again; a stop is not cleared by that', () => {
    const silent = sessionReducer(run(INITIAL_SESSION, ready(1)), { type: 'silent', seconds: 16 });
    expect(silent.fault?.kind).toBe('silent');
    expect(silent.fault?.message).toMatch(/not answered for 16 s/);
    expect(sessionReducer(silent, { type: 'heard' }).fault).toBeNull();
    const stopped = run(INITIAL_SESSION, ready(1), { type: 'error', runId: -1, message: 'crashed', fatal: true });
    expect(sessionReducer(sessionReducer(stopped, { type: 'silent', seconds: 20 }), { type: 'heard' }).fault?.message).toBe('crashed');
  });

  it('resuming keeps the history up to the checkpoint, marks where it resumed, and goes on from there', () => {
    const checkpoint = { step: 2, learningRate: 0.01, models: { A: { step: 2, updatesApplied: 2, heads: PRESETS.relu, values: new Float32Array(1), paused: false } } };
    const trained = run(INITIAL_SESSION, ready(1), stepEvent(1, 1), stepEvent(1, 2), { type: 'checkpoint', runId: 1, checkpoint }, stepEvent(1, 3),
      { type: 'error', runId: -1, message: 'the worker crashed', fatal: true });
    expect(trained.checkpoint).toBe(checkpoint);
    const resuming = sessionReducer(trained, { type: 'resume', backend: 'cpu' });
    expect(resuming.fault).toBeNull();
    expect(resuming.resuming).toStrictEqual({ step: 2, backend: 'cpu', reason: 'the worker crashed' });
    expect(resuming.runs.A?.steps.map((s) => s.step)).toStrictEqual([1, 2]);
    // The new worker numbers its runs from 1 again.
    const resumed = run(resuming, { ...ready(1), backend: { active: 'cpu', skipped: [] }, resumedFrom: 2 } as WorkerEvent, stepEvent(1, 3, 0.25));
    expect(resumed.runs.A?.steps.map((s) => s.step)).toStrictEqual([1, 2, 3]);
    expect(resumed.runs.A?.steps[2]?.loss.main).toBe(0.25);
    expect(resumed.runs.B?.events).toStrictEqual([{ step: 3, type: 'setting', detail: 'resumed from step 2 on cpu after: the worker crashed' }]);
    expect([resumed.step, resumed.resuming, resumed.backend?.active]).toStrictEqual([3, null, 'cpu']);
  });

  it('the divergence notice goes once the model trains again (the marks in its run stay)', () => {
    const diverged = run(INITIAL_SESSION, ready(1), { type: 'step', runId: 1, frames: { A: frame(1, 1), B: frame(1, NaN, 'conv1') } },
      { type: 'state', runId: 1, playing: true, step: 1, stepsPerSecond: null, paused: { A: false, B: true } });
    expect(diverged.divergence?.model).toBe('B');
    const recovered = run(diverged, { type: 'state', runId: 1, playing: false, step: 1, stepsPerSecond: null, paused: { A: false, B: false } });
    expect(recovered.divergence).toBeNull();
    expect(recovered.runs.B?.events.map((e) => e.type)).toStrictEqual(['diverged']);
  });

  it('replaces a repeated step number rather than breaking the step order', () => {
    const state = run(INITIAL_SESSION, ready(1), stepEvent(1, 1), stepEvent(1, 2), stepEvent(1, 2, 0.125));
    expect(state.runs.A?.steps.map((s) => s.step)).toStrictEqual([1, 2]);
    expect(state.runs.A?.steps[1]?.loss.main).toBe(0.125);
  });

  it('keeps the history bounded over a long run: the newest steps whole, older ones thinned, diverged ones kept', () => {
    let state = run(INITIAL_SESSION, ready(1));
    for (let n = 1; n <= 9_000; n++) state = run(state, n === 1234 ? { type: 'step', runId: 1, frames: { A: frame(n, NaN, 'conv1') } } : stepEvent(1, n));
    const steps = state.runs.A!.steps.map((s) => s.step);
    expect(steps.length).toBeLessThanOrEqual(DEFAULT_HISTORY.budget);
    expect(steps.slice(-DEFAULT_HISTORY.recent)).toStrictEqual(Array.from({ length: DEFAULT_HISTORY.recent }, (_, i) => 9_001 - DEFAULT_HISTORY.recent + i));
    expect(steps).toContain(1234);
    expect(steps.every((n, i) => i === 0 || n > steps[i - 1]!)).toBe(true);
  });

  it('takes the step count and pace from state messages', () => {
    const state = run(INITIAL_SESSION, ready(1), { type: 'state', runId: 1, playing: true, step: 7, stepsPerSecond: 2.5, paused: { A: false, B: false } });
    expect([state.playing, state.step, state.stepsPerSecond]).toStrictEqual([true, 7, 2.5]);
  });
});
