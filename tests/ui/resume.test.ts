import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src/shared/settings';
import { faultTexts } from '../../src/ui/FaultNotice';
import { resumeCommands } from '../../src/ui/hooks/sessionCommands';
import { INITIAL_SESSION, type SessionState } from '../../src/ui/hooks/sessionState';
import type { ModelCheckpoint, SessionCheckpoint } from '../../src/worker/protocol';

const s = DEFAULT_SETTINGS;
const model = (heads: ModelCheckpoint['heads']): ModelCheckpoint => ({ step: 40, updatesApplied: 40, heads, values: new Float32Array(3), paused: false });
const checkpoint: SessionCheckpoint = { step: 40, learningRate: s.learningRate, models: { A: model({ aux1: s.a.aux1, aux2: s.a.aux2 }), B: model({ aux1: s.b.aux1, aux2: s.b.aux2 }) } };

describe('resumeCommands', () => {
  it('without a checkpoint: a plain configure (step 0)', () => {
    expect(resumeCommands(s, null)).toStrictEqual([{ type: 'configure', settings: s }]);
  });

  it('with one: configure from it, nothing else when the settings on screen are the saved ones', () => {
    expect(resumeCommands(s, checkpoint)).toStrictEqual([{ type: 'configure', settings: s, resume: checkpoint }]);
  });

  it('then re-applies what changed after the checkpoint: heads and learning rate', () => {
    const saved: SessionCheckpoint = { ...checkpoint, learningRate: 0.5, models: { ...checkpoint.models, A: model({ aux1: { mode: 'off', weight: 0.3 }, aux2: s.a.aux2 }) } };
    expect(resumeCommands(s, saved)).toStrictEqual([
      { type: 'configure', settings: s, resume: saved },
      { type: 'setAuxHeads', model: 'A', aux1: s.a.aux1, aux2: s.a.aux2 },
      { type: 'setLearningRate', learningRate: s.learningRate },
    ]);
  });
});

describe('faultTexts', () => {
  const withSteps = (last: number): SessionState['runs'] => ({ A: { header: {} as never, steps: [{ step: last } as never], events: [] }, B: null });

  it('nothing to say without a fault', () => {
    expect(faultTexts(INITIAL_SESSION)).toBeNull();
  });

  it('says what stopped, what the charts keep and where a resume starts', () => {
    const fault = { kind: 'stopped' as const, message: 'the WebGL context was lost' };
    expect(faultTexts({ ...INITIAL_SESSION, fault, checkpoint, runs: withSteps(43) })).toStrictEqual({
      title: 'Training stopped',
      detail: 'the WebGL context was lost. The charts keep all 43 steps trained so far. Resuming goes on from step 40, the last saved state; steps 41 to 43 are trained again.',
    });
    expect(faultTexts({ ...INITIAL_SESSION, fault, checkpoint, runs: withSteps(41) })!.detail).toMatch(/step 41 is trained again\.$/);
    expect(faultTexts({ ...INITIAL_SESSION, fault, checkpoint, runs: withSteps(40) })!.detail).toMatch(/from step 40, where it stopped\.$/);
    expect(faultTexts({ ...INITIAL_SESSION, fault: { kind: 'silent', message: 'no answer' } })).toStrictEqual({
      title: 'The training worker is not answering',
      detail: 'no answer. Nothing was trained yet. Nothing was saved yet: resuming starts at step 0.',
    });
  });
});
