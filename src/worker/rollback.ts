import { disposeState, type SavedState } from '../train/checkpoint';
import type { SessionTrainer } from './run';

/** Steps between two rollback points while training goes well. */
export const ROLLBACK_EVERY = 25;

/**
 * Where a model that diverged goes back to when its learning rate is lowered. The update
 * of a diverged step is held back, but the steps before it had already blown the weights
 * up (finite, yet huge): at a lower rate from there the model diverges again at once. So
 * each model keeps states on the device: one pinned where the learning rate last changed
 * (or the run began), the last state trained at a rate already proven, and one taken every
 * ROLLBACK_EVERY good steps since. Going back picks the older of the periodic ones (25 to
 * 50 steps before the blow-up) or, if the rate changed more recently, the pinned one.
 */
export class RollbackPoints {
  private pinned: SavedState | null = null;
  private recent: SavedState[] = [];

  constructor(private readonly every = ROLLBACK_EVERY, private readonly keep = 2) {}

  /** At the start of a run and right before a new learning rate applies. */
  pin(trainer: SessionTrainer): void {
    this.dispose();
    this.pinned = trainer.saveState();
  }

  /** After a step that did not diverge. */
  afterStep(trainer: SessionTrainer, step: number): void {
    if (step % this.every !== 0) return;
    this.recent.push(trainer.saveState());
    while (this.recent.length > this.keep) disposeState(this.recent.shift()!);
  }

  /** The state to go back to (the trainer's start if nothing was pinned). */
  target(): SavedState | null {
    return this.recent.length === this.keep ? this.recent[0]! : this.pinned;
  }

  dispose(): void {
    if (this.pinned) disposeState(this.pinned);
    for (const state of this.recent) disposeState(state);
    this.pinned = null;
    this.recent = [];
  }
}
