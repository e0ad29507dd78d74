import { beforeAll, describe, expect, it } from 'vitest';
import { backend } from '../helpers/tfjs';
import { ofType, recordingSession, SETTINGS, spyTrainers, stepsOf, waitFor } from './harness';

describe('divergence and failures', () => {
  beforeAll(() => backend('wasm'));

  it('a model that diverges is paused alone: the other goes on stepping, the state says which', async () => {
    const { createTrainer, calls } = spyTrainers((trainer, frame) => (trainer === 1 && frame.step === 2 ? { ...frame, diverged: { where: 'conv1 (faked)' } } : frame));
    const { session, events } = recordingSession({ createTrainer });
    await session.handle({ type: 'configure', settings: SETTINGS });
    await session.handle({ type: 'play' });
    await waitFor(events, (e) => e.type === 'step' && e.frames.A?.step === 4);
    await session.handle({ type: 'pause' });
    const steps = stepsOf(events, 1);
    expect(steps[1]!.frames.B!.diverged).toEqual({ where: 'conv1 (faked)' });
    expect(steps.slice(2).every((s) => s.frames.B === undefined && s.frames.A !== undefined)).toBe(true);
    const after = events[events.indexOf(steps[1]!) + 1];
    expect(after).toMatchObject({ type: 'state', playing: true, step: 2, paused: { A: false, B: true } });
    expect(calls.filter((c) => c.trainer === 1 && c.call === 'trainStep')).toHaveLength(2);
    await session.dispose();
  });

  it('a learning rate of 1e30 makes both models diverge: both paused, playing stops, the frames name where', async () => {
    const { session, events } = recordingSession();
    await session.handle({ type: 'configure', settings: SETTINGS });
    await session.handle({ type: 'setLearningRate', learningRate: 1e30 });
    await session.handle({ type: 'play' });
    await waitFor(events, (e) => e.type === 'state' && e.paused.A && e.paused.B);
    const state = ofType(events, 'state').at(-1)!;
    expect(state).toMatchObject({ playing: false, paused: { A: true, B: true } });
    const diverged = stepsOf(events, 1).flatMap((s) => [s.frames.A, s.frames.B]).filter((f) => f?.diverged);
    expect(diverged).toHaveLength(2);
    for (const f of diverged) expect(f!.diverged!.where.length).toBeGreaterThan(0);
    await session.handle({ type: 'play' });
    expect(ofType(events, 'error').at(-1)).toMatchObject({ fatal: false, message: 'cannot play: every model diverged and is paused; lower the learning rate or reset' });
    await session.dispose();
  });

  it('lowering the learning rate after a divergence recovers: the paused models train again from their last good weights, on the same batch as each other', async () => {
    const { createTrainer, calls } = spyTrainers();
    const { session, events } = recordingSession({ createTrainer });
    await session.handle({ type: 'configure', settings: SETTINGS });
    await session.handle({ type: 'setLearningRate', learningRate: 1e30 });
    await session.handle({ type: 'play' });
    await waitFor(events, (e) => e.type === 'state' && e.paused.A && e.paused.B);
    const stoppedAt = ofType(events, 'state').at(-1)!.step;
    await session.handle({ type: 'setLearningRate', learningRate: 0.01 });
    expect(ofType(events, 'settingApplied').at(-1)!.detail).toBe('learning rate 0.01; A goes back to its weights of step 0 and trains on; B goes back to its weights of step 0 and trains on');
    expect(ofType(events, 'state').at(-1)).toMatchObject({ step: stoppedAt, paused: { A: false, B: false } });
    await session.handle({ type: 'step' });
    const last = stepsOf(events, 1).at(-1)!;
    for (const frame of [last.frames.A!, last.frames.B!]) {
      expect(frame.step).toBe(stoppedAt + 1);
      expect(frame.diverged).toBeNull();
      expect(Number.isFinite(frame.data[3])).toBe(true); // the total loss
    }
    expect(calls.filter((c) => c.call === 'loadState').map((c) => c.arg)).toEqual([0, 0]);
    expect(calls.filter((c) => c.call === 'skipTo').map((c) => c.arg)).toEqual([stoppedAt, stoppedAt]);
    await session.dispose();
  });

  it('an exception in a step becomes a fatal error: playing stops, the models are freed, configure works again', async () => {
    const { createTrainer, calls } = spyTrainers((trainer, frame) => {
      if (trainer === 0 && frame.step === 2) throw new Error('boom');
      return frame;
    });
    const { session, events } = recordingSession({ createTrainer });
    await session.handle({ type: 'configure', settings: SETTINGS });
    await session.handle({ type: 'play' });
    const error = await waitFor(events, (e) => e.type === 'error');
    expect(error).toEqual({ type: 'error', runId: 1, message: 'step 2 failed: boom', fatal: true });
    expect(events[events.indexOf(error) + 1]).toMatchObject({ type: 'state', runId: 1, playing: false, step: 1 });
    expect(stepsOf(events, 1)).toHaveLength(1);
    expect(calls.filter((c) => c.call === 'dispose').map((c) => c.trainer)).toEqual([0, 1]);
    await session.handle({ type: 'step' });
    expect(ofType(events, 'error').at(-1)).toMatchObject({ fatal: false, message: 'cannot step: the run stopped after an error; reset or configure to start again' });
    await session.handle({ type: 'reset' });
    expect(ofType(events, 'ready').map((r) => r.runId)).toEqual([1, 2]);
    await session.dispose();
  });
});
