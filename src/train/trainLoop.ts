import type { StepFrame } from './frame';
import type { Trainer } from './trainer';

export interface TrainLoopOptions {
  /** How many steps to take at most. */
  readonly steps: number;
  /** Receives each step's frame as soon as it is read back. */
  readonly onFrame: (frame: StepFrame) => void;
  /** Stops the loop between steps. */
  readonly signal?: AbortSignal;
  /** Learning rate per step (it may change mid-run); the training settings' by default. */
  readonly learningRate?: () => number;
}

/** Why a loop ended. */
export type LoopEnd = 'done' | 'diverged' | 'aborted';

/**
 * Trains step after step and streams every frame through `onFrame`: the trainer knows
 * nothing of who listens (a worker posting messages, the command line writing a file).
 * Stops after `steps`, at the first diverged step, or when `signal` aborts.
 */
export async function trainLoop(trainer: Trainer, options: TrainLoopOptions): Promise<LoopEnd> {
  for (let i = 0; i < options.steps; i++) {
    if (options.signal?.aborted) return 'aborted';
    const frame = await trainer.trainStep(options.learningRate?.());
    options.onFrame(frame);
    if (frame.diverged) return 'diverged';
  }
  return 'done';
}
