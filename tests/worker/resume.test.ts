import { beforeAll, describe, expect, it } from 'vitest';
import type { SessionCheckpoint, WorkerEvent } from '../../src/worker/protocol';
import { backend } from '../helpers/tfjs';
import { ofType, recordingSession, SETTINGS, stepsOf, waitFor } from './harness';

/** The numbers of a run's step events, comparable with toEqual. */
const framesOf = (events: readonly WorkerEvent[], runId: number) =>
  stepsOf(events, runId).map((s) => ({ A: s.frames.A && [s.frames.A.step, Array.from(s.frames.A.data)], B: s.frames.B && [s.frames.B.step, Array.from(s.frames.B.data)] }));

describe('checkpoints and resuming', () => {
  beforeAll(() => backend('wasm'));

  it('a playing session sends checkpoints (buffers transferred), and one when paused', async () => {
    const { session, events, transfers } = recordingSession({ checkpointEveryMs: 0 });
    await session.handle({ type: 'configure', settings: SETTINGS });
    await session.handle({ type: 'play' });
    await waitFor(events, (e) => e.type === 'checkpoint' && e.checkpoint.step >= 2);
    await session.handle({ type: 'pause' });
    const checkpoints = ofType(events, 'checkpoint');
    const last = checkpoints.at(-1)!;
    expect(last.checkpoint.step).toBe(ofType(events, 'state').at(-1)!.step);
    expect(last.checkpoint.models.A.step).toBe(last.checkpoint.step);
    expect(last.checkpoint.models.B!.values.length).toBe(last.checkpoint.models.A.values.length);
    expect(last.checkpoint.learningRate).toBe(SETTINGS.learningRate);
    expect(transfers[events.indexOf(last)]).toEqual([last.checkpoint.models.A.values.buffer, last.checkpoint.models.B!.values.buffer]);
    await session.dispose();
  });

  it('the first step sends a checkpoint at once (the interval counts from there)', async () => {
    const { session, events } = recordingSession();
    await session.handle({ type: 'configure', settings: SETTINGS });
    await session.handle({ type: 'step' });
    await session.handle({ type: 'step' });
    expect(ofType(events, 'checkpoint').map((e) => e.checkpoint.step)).toEqual([1]);
    await session.dispose();
  });

  it('a new session resumed from a checkpoint takes exactly the steps the old one took after it', async () => {
    const first = recordingSession();
    await first.session.handle({ type: 'configure', settings: SETTINGS });
    for (let i = 0; i < 2; i++) await first.session.handle({ type: 'step' });
    await first.session.handle({ type: 'setLearningRate', learningRate: 0.02 });
    await first.session.handle({ type: 'setAuxHeads', model: 'B', aux1: { mode: 'loss', weight: 0.5 }, aux2: { mode: 'off', weight: 0.3 } });
    await first.session.handle({ type: 'play' });
    await waitFor(first.events, (e) => e.type === 'step' && e.frames.A?.step === 3);
    await first.session.handle({ type: 'pause' }); // sends the checkpoint
    const saved: SessionCheckpoint = structuredClone(ofType(first.events, 'checkpoint').at(-1)!.checkpoint);
    const from = saved.step;
    for (let i = 0; i < 2; i++) await first.session.handle({ type: 'step' });
    const expected = framesOf(first.events, 1).slice(from);

    const second = recordingSession();
    await second.session.handle({ type: 'configure', settings: { ...SETTINGS, learningRate: 0.01 }, resume: saved });
    expect(ofType(second.events, 'ready')[0]!.resumedFrom).toBe(from);
    expect(ofType(second.events, 'state')[0]).toMatchObject({ step: from, playing: false });
    for (let i = 0; i < 2; i++) await second.session.handle({ type: 'step' });
    expect(framesOf(second.events, 1)).toEqual(expected);
    await first.session.dispose();
    await second.session.dispose();
  });

  it('a checkpoint that does not fit the settings is refused with a clear fatal error', async () => {
    const first = recordingSession();
    await first.session.handle({ type: 'configure', settings: SETTINGS });
    await first.session.handle({ type: 'step' });
    await first.session.handle({ type: 'play' });
    await first.session.handle({ type: 'pause' });
    const saved = ofType(first.events, 'checkpoint').at(-1)!.checkpoint;
    const second = recordingSession();
    await second.session.handle({ type: 'configure', settings: { ...SETTINGS, compare: false }, resume: saved });
    expect(ofType(second.events, 'error')[0]).toMatchObject({ fatal: true, message: 'cannot resume from this checkpoint: it holds model(s) A, B but these settings train A' });
    await second.session.handle({ type: 'configure', settings: { ...SETTINGS, width: 1 / 4 }, resume: saved });
    expect(ofType(second.events, 'error')[1]!.message).toMatch(/^cannot resume model A: .*belongs to another model/);
    expect(ofType(second.events, 'ready')).toHaveLength(0);
    await first.session.dispose();
    await second.session.dispose();
  });

  it('a lost backend stops the run at once with a fatal error; nothing more is computed in it', async () => {
    const { session, events } = recordingSession();
    await session.handle({ type: 'configure', settings: SETTINGS });
    await session.handle({ type: 'play' });
    await waitFor(events, (e) => e.type === 'step');
    session.backendLost('the WebGL context was lost');
    expect(ofType(events, 'error').at(-1)).toEqual({ type: 'error', runId: -1, message: 'the WebGL context was lost; the run cannot go on in this worker', fatal: true });
    expect(ofType(events, 'state').at(-1)).toMatchObject({ playing: false });
    const count = stepsOf(events, 1).length;
    await session.handle({ type: 'step' });
    expect(stepsOf(events, 1)).toHaveLength(count);
    expect(ofType(events, 'error').at(-1)!.message).toMatch(/the run stopped after an error/);
    await session.dispose();
  });
});
