import { beforeAll, describe, expect, it } from 'vitest';
import { frameFromData } from '../../src/train/frame';
import { transfersOf } from '../../src/worker/protocol';
import { backend } from '../helpers/tfjs';
import { ofType, recordingSession, SETTINGS, spyTrainers, stepsOf, waitFor } from './harness';

describe('the training session', () => {
  beforeAll(() => backend('wasm'));

  it('configure builds A and B with the same layers and reports ready, then state at step 0', async () => {
    const { session, events } = recordingSession();
    await session.handle({ type: 'configure', settings: SETTINGS });
    const [ready, state] = events;
    if (ready?.type !== 'ready') throw new Error(`expected ready first, got ${ready?.type}`);
    expect(ready.runId).toBe(1);
    expect(ready.backend.active).toBe('wasm');
    const { A, B } = ready.models;
    expect(B).toBeDefined();
    expect(A.header.layers.map((l) => l.name)).toEqual(B!.header.layers.map((l) => l.name));
    expect(A.header.blocks).toEqual(B!.header.blocks);
    expect(A.config.aux1.mode).toBe('loss');
    expect(B!.config.aux1.mode).toBe('off');
    expect(B!.header.config).toEqual(B!.config);
    expect(B!.header.label).toBe('B: aux1 off, aux2 off, relu');
    expect(A.header.training).toEqual(B!.header.training);
    expect(A.header.training).toMatchObject({ batchSize: 2, seed: 3, learningRate: 0.01, perHeadEvery: 1000, evalEvery: 1000 });
    expect(A.header.backend).toBe('wasm');
    expect(state).toEqual({ type: 'state', runId: 1, playing: false, step: 0, stepsPerSecond: null, paused: { A: false, B: false } });
    await session.dispose();
  });

  it("'auto' tries webgpu and webgl first and says why each was skipped", async () => {
    const { session, events } = recordingSession();
    await session.handle({ type: 'configure', settings: { ...SETTINGS, backend: 'auto', compare: false } });
    const [ready] = ofType(events, 'ready');
    expect(ready!.backend).toEqual({
      active: 'wasm',
      skipped: [{ name: 'webgpu', reason: 'not available in this build' }, { name: 'webgl', reason: 'not available in this build' }],
    });
    expect(ready!.models.B).toBeUndefined();
    await session.dispose();
  });

  it('play steps A and B in lockstep: one step event per iteration with both frames, transferred; pause stops', async () => {
    const { session, events, transfers } = recordingSession();
    await session.handle({ type: 'configure', settings: SETTINGS });
    await session.handle({ type: 'play' });
    await waitFor(events, (e) => e.type === 'step' && e.frames.A?.step === 3);
    await session.handle({ type: 'pause' });
    await waitFor(events, (e) => e.type === 'state' && !e.playing && e.step >= 3);
    const settled = events.length;
    await new Promise((resolve) => setTimeout(resolve, 600));
    const steps = stepsOf(events, 1);
    expect(events.length).toBe(settled); // nothing after the pause took effect
    expect(steps.map((s) => s.frames.A!.step)).toEqual(steps.map((_, i) => i + 1));
    expect(steps.map((s) => s.frames.B!.step)).toEqual(steps.map((_, i) => i + 1));
    for (const s of steps) {
      const sent = transfers[events.indexOf(s)]!;
      expect(sent).toEqual(transfersOf(s));
      expect(sent).toHaveLength(2);
      expect(sent[0]).toBe(s.frames.A!.data.buffer);
      expect(sent[1]).toBe(s.frames.B!.data.buffer);
      expect(s.frames.A!.data.byteLength).toBe(sent[0]!.byteLength); // the whole buffer, nothing extra
    }
    const ready = ofType(events, 'ready')[0]!;
    const shape = { layers: ready.models.A.header.layers.length, blocks: ready.models.A.header.blocks.length };
    const first = steps[0]!.frames.A!;
    expect(first.perHead).toBe(true);
    const frame = frameFromData(first.step, first.data, shape, { perHead: first.perHead, evaluated: first.evaluated, diverged: first.diverged });
    expect(Array.from(frame.loss).every(Number.isFinite)).toBe(true);
    const playing = ofType(events, 'state').filter((s) => s.playing && s.step > 0);
    expect(playing.length).toBeGreaterThan(0);
    for (const s of playing) expect(s.stepsPerSecond).toBeGreaterThan(0);
    // A with aux heads and B without differ from step 1 on, on the same batch.
    expect(Array.from(steps[0]!.frames.A!.data)).not.toEqual(Array.from(steps[0]!.frames.B!.data));
    await session.dispose();
  });

  it('step runs one iteration when paused, and is ignored while playing', async () => {
    const { session, events } = recordingSession();
    await session.handle({ type: 'configure', settings: { ...SETTINGS, compare: false } });
    await session.handle({ type: 'step' });
    await session.handle({ type: 'step' });
    const steps = stepsOf(events, 1);
    expect(steps.map((s) => s.frames.A!.step)).toEqual([1, 2]);
    expect(steps[0]!.frames.B).toBeUndefined();
    expect(ofType(events, 'state').at(-1)).toMatchObject({ playing: false, step: 2, stepsPerSecond: null });
    await session.dispose();
  });

  it('configure while playing cancels the old run: nothing of it arrives after the new ready; every model is disposed once', async () => {
    const { createTrainer, calls } = spyTrainers();
    const { session, events } = recordingSession({ createTrainer });
    await session.handle({ type: 'configure', settings: SETTINGS });
    await session.handle({ type: 'play' });
    await waitFor(events, (e) => e.type === 'step');
    const configured = session.handle({ type: 'configure', settings: { ...SETTINGS, seed: 4 } });
    await configured;
    const readyAt = events.findIndex((e) => e.type === 'ready' && e.runId === 2);
    expect(readyAt).toBeGreaterThan(0);
    expect(events[readyAt + 1]).toMatchObject({ type: 'state', runId: 2, playing: false, step: 0 });
    await session.handle({ type: 'play' });
    await waitFor(events, (e) => e.type === 'step' && e.runId === 2 && e.frames.A?.step === 2);
    await session.handle({ type: 'pause' });
    expect(events.slice(readyAt).filter((e) => e.runId === 1)).toEqual([]);
    expect(stepsOf(events, 2)[0]!.frames.A!.step).toBe(1);
    const disposedOld = calls.filter((c) => c.call === 'dispose').map((c) => c.trainer);
    expect(disposedOld).toEqual([0, 1]); // run 1's A and B, after their last step
    const lastStepOfOld = calls.map((c) => c.call === 'trainStep' && c.trainer <= 1).lastIndexOf(true);
    expect(calls.findIndex((c) => c.call === 'dispose')).toBeGreaterThan(lastStepOfOld);
    await session.dispose();
    expect(calls.filter((c) => c.call === 'dispose').map((c) => c.trainer)).toEqual([0, 1, 2, 3]);
  });

  it('a configure superseded before it was built is skipped: only the newest run becomes ready', async () => {
    const { session, events } = recordingSession();
    const first = session.handle({ type: 'configure', settings: SETTINGS });
    const second = session.handle({ type: 'configure', settings: { ...SETTINGS, compare: false } });
    await Promise.all([first, second]);
    expect(ofType(events, 'ready').map((r) => r.runId)).toEqual([2]);
    expect(ofType(events, 'error')).toEqual([]);
    await session.dispose();
  });

  it('reset starts the same settings over as a new run at step 0 with the same first step', async () => {
    const { session, events } = recordingSession();
    await session.handle({ type: 'configure', settings: { ...SETTINGS, compare: false } });
    await session.handle({ type: 'step' });
    await session.handle({ type: 'reset' });
    await session.handle({ type: 'step' });
    const [one, two] = [stepsOf(events, 1), stepsOf(events, 2)];
    expect(two[0]!.frames.A!.step).toBe(1);
    // Same seed: the same numbers, except nothing (the data array is compared whole).
    expect(Array.from(two[0]!.frames.A!.data)).toEqual(Array.from(one[0]!.frames.A!.data));
    await session.dispose();
  });
});
