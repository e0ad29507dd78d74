import { describe, expect, it } from 'vitest';
import type { SavedState } from '../../src/train/checkpoint';
import { RollbackPoints } from '../../src/worker/rollback';
import type { SessionTrainer } from '../../src/worker/run';

/** A trainer whose saved states are just its step number. */
function fakeTrainer(): SessionTrainer & { at: number } {
  const trainer = {
    at: 0,
    saveState: (): SavedState => ({ step: trainer.at, updatesApplied: trainer.at, heads: { aux1: { mode: 'off', weight: 0 }, aux2: { mode: 'off', weight: 0 } }, copies: [] }),
  };
  return trainer as unknown as SessionTrainer & { at: number };
}

describe('rollback points', () => {
  it('go back to the pinned state until two periodic ones exist, then to the older periodic one', () => {
    const trainer = fakeTrainer();
    const points = new RollbackPoints(25, 2);
    expect(points.target()).toBeNull();
    points.pin(trainer);
    const stepTo = (n: number) => {
      for (; trainer.at < n;) {
        trainer.at += 1;
        points.afterStep(trainer, trainer.at);
      }
    };
    stepTo(30);
    expect(points.target()!.step).toBe(0); // one periodic point (25) is too close to a blow-up
    stepTo(60);
    expect(points.target()!.step).toBe(25);
    stepTo(120);
    expect(points.target()!.step).toBe(75);
    points.pin(trainer); // a new rate at step 120: what was trained before it is the safe state
    expect(points.target()!.step).toBe(120);
    stepTo(149);
    expect(points.target()!.step).toBe(120);
  });
});
