import { beforeAll, describe, expect, it } from 'vitest';
import type { Command } from '../../src/worker/protocol';
import { backend } from '../helpers/tfjs';
import { ofType, recordingSession, SETTINGS, spyTrainers, stepsOf, waitFor, type TrainerCall } from './harness';

/** How many steps trainer `index` had taken when call number `at` was made. */
const stepsBefore = (calls: readonly TrainerCall[], index: number, at: number): number =>
  calls.slice(0, at).filter((c) => c.trainer === index && c.call === 'trainStep').length;

describe('changing settings during a run', () => {
  beforeAll(() => backend('wasm'));

  it('setAuxHeads while paused applies from the next step and says what changed', async () => {
    const { createTrainer, calls } = spyTrainers();
    const { session, events } = recordingSession({ createTrainer });
    await session.handle({ type: 'configure', settings: SETTINGS });
    await session.handle({ type: 'step' });
    await session.handle({ type: 'setAuxHeads', model: 'A', aux1: { mode: 'off', weight: 0.3 }, aux2: { mode: 'loss', weight: 0.3 } });
    expect(ofType(events, 'settingApplied')).toEqual([{ type: 'settingApplied', runId: 1, model: 'A', step: 2, detail: 'A: aux1 off' }]);
    const at = calls.findIndex((c) => c.call === 'setHeads');
    expect(calls[at]).toEqual({ trainer: 0, call: 'setHeads', arg: { aux1: { mode: 'off', weight: 0.3 }, aux2: { mode: 'loss', weight: 0.3 } } });
    expect(stepsBefore(calls, 0, at)).toBe(1);
    await session.dispose();
  });

  it("setAuxHeads reaches the engine: B's aux1 loss is NaN while the head is off and a number from the step after it is switched on", async () => {
    const { session, events } = recordingSession();
    await session.handle({ type: 'configure', settings: SETTINGS });
    await session.handle({ type: 'step' });
    await session.handle({ type: 'setAuxHeads', model: 'B', aux1: { mode: 'loss', weight: 0.3 }, aux2: { mode: 'off', weight: 0.3 } });
    await session.handle({ type: 'step' });
    const [one, two] = stepsOf(events, 1).map((s) => s.frames.B!.data[1]!); // loss[1]: aux1's cross-entropy
    expect(one).toBeNaN();
    expect(Number.isFinite(two)).toBe(true);
    await session.dispose();
  });

  it('setAuxHeads while playing waits for the step in flight and applies from the step after it', async () => {
    const { createTrainer, calls } = spyTrainers();
    const { session, events } = recordingSession({ createTrainer });
    await session.handle({ type: 'configure', settings: SETTINGS });
    await session.handle({ type: 'play' });
    await waitFor(events, (e) => e.type === 'step');
    await session.handle({ type: 'setAuxHeads', model: 'B', aux1: { mode: 'off', weight: 0.3 }, aux2: { mode: 'loss', weight: 0.5 } });
    const applied = await waitFor(events, (e) => e.type === 'settingApplied');
    await waitFor(events, (e) => e.type === 'step' && e.frames.A!.step === (applied.type === 'settingApplied' ? applied.step : 0));
    await session.handle({ type: 'pause' });
    if (applied.type !== 'settingApplied') throw new Error('expected settingApplied');
    expect(applied).toMatchObject({ runId: 1, model: 'B', detail: 'B: aux2 loss 0.5' });
    // Step applied.step - 1 had been reported, and B had taken exactly that many steps.
    const reportedBefore = stepsOf(events.slice(0, events.indexOf(applied)), 1).at(-1)!;
    expect(reportedBefore.frames.B!.step).toBe(applied.step - 1);
    expect(stepsBefore(calls, 1, calls.findIndex((c) => c.call === 'setHeads'))).toBe(applied.step - 1);
    await session.dispose();
  });

  it('setLearningRate applies to both models from the next step', async () => {
    const { createTrainer, calls } = spyTrainers();
    const { session, events } = recordingSession({ createTrainer });
    await session.handle({ type: 'configure', settings: SETTINGS });
    await session.handle({ type: 'step' });
    await session.handle({ type: 'setLearningRate', learningRate: 0.05 });
    await session.handle({ type: 'step' });
    expect(ofType(events, 'settingApplied')).toEqual([{ type: 'settingApplied', runId: 1, model: 'both', step: 2, detail: 'learning rate 0.05' }]);
    expect(calls.filter((c) => c.call === 'trainStep').map((c) => [c.trainer, c.arg])).toEqual([[0, 0.01], [1, 0.01], [0, 0.05], [1, 0.05]]);
    await session.dispose();
  });

  it('settings that cannot apply are refused with a non-fatal error and change nothing', async () => {
    const { session, events } = recordingSession();
    await session.handle({ type: 'configure', settings: { ...SETTINGS, compare: false } });
    await session.handle({ type: 'setLearningRate', learningRate: -1 });
    await session.handle({ type: 'setAuxHeads', model: 'B', aux1: { mode: 'off', weight: 0.3 }, aux2: { mode: 'off', weight: 0.3 } });
    await session.handle({ type: 'setAuxHeads', model: 'A', aux1: { mode: 'loss', weight: 7 }, aux2: { mode: 'off', weight: 0.3 } });
    await session.handle({ type: 'warp' } as unknown as Command);
    const errors = ofType(events, 'error');
    expect(errors.map((e) => e.fatal)).toEqual([false, false, false, false]);
    expect(errors.map((e) => e.message)).toEqual([
      'the learning rate must be a positive number (got -1)',
      'cannot change the aux heads of model B: it is not part of this run',
      'cannot change the aux heads of model A: aux1.weight must be between 0 and 1',
      'unknown command "warp"',
    ]);
    expect(ofType(events, 'settingApplied')).toEqual([]);
    await session.dispose();
  });

  it('commands before any configure are refused; a configure that cannot load its data is fatal and the next one works', async () => {
    const { session, events } = recordingSession({ loadDataset: undefined });
    await session.handle({ type: 'play' });
    await session.handle({ type: 'reset' });
    await session.handle({ type: 'configure', settings: SETTINGS });
    expect(ofType(events, 'error')).toEqual([
      { type: 'error', runId: 0, message: 'cannot play: no model is ready; configure first', fatal: false },
      { type: 'error', runId: 0, message: 'cannot reset: nothing was configured yet', fatal: false },
      { type: 'error', runId: 1, message: 'tests read no data files (asked for mnist.bin)', fatal: true },
    ]);
    await session.handle({ type: 'configure', settings: { ...SETTINGS, dataset: 'shapes', compare: false } });
    expect(ofType(events, 'ready').map((r) => [r.runId, r.models.A.config.channels])).toEqual([[2, 3]]);
    await session.dispose();
  });
});
