import type { Architecture } from '../model/architecture';
import type { AuxHead } from '../model/config';
import type { ModelId } from '../shared/experiment';
import type { SavedState, TrainerCheckpoint } from '../train/checkpoint';
import type { FrameShape, StepFrame } from '../train/frame';
import type { FrameMessage, ModelDescription } from './protocol';
import type { RollbackPoints } from './rollback';

/**
 * The state of one run of the training session: its models (A, and B when comparing),
 * the shared step count and learning rate, and what waits for the step in flight.
 */

/** What the session needs of a model's trainer (the engine's Trainer, or a test's stand-in). */
export interface SessionTrainer {
  readonly arch: Architecture;
  readonly shape: FrameShape;
  trainStep(learningRate: number): Promise<StepFrame>;
  setHeads(aux1: AuxHead, aux2: AuxHead): void;
  checkpoint(): Promise<TrainerCheckpoint>;
  restore(checkpoint: TrainerCheckpoint): void;
  saveState(): SavedState;
  loadState(state: SavedState): void;
  /** Moves the step count on without training (a paused model rejoining its partner). */
  skipTo(step: number): void;
  dispose(): void;
}

/** One model of a run. */
export interface RunModel {
  readonly id: ModelId;
  readonly trainer: SessionTrainer;
  readonly description: ModelDescription;
  /** The heads in use now (the description keeps the ones it started with). */
  heads: { aux1: AuxHead; aux2: AuxHead };
  /** Diverged: stops stepping while the other model goes on. */
  paused: boolean;
  /** Where it goes back to if it diverges and the learning rate is lowered. */
  readonly rollback: RollbackPoints;
}

/** One run: from a configure (or reset) to the next. */
export interface Run {
  readonly id: number;
  /** Aborted when the run is replaced: a step in flight then finishes unseen. */
  readonly abort: AbortController;
  readonly models: readonly RunModel[];
  /** Iterations completed (every model that is not paused is at this step). */
  step: number;
  learningRate: number;
  /** The iteration being computed, if any. */
  inFlight: Promise<void> | null;
  /** Setting changes waiting for the iteration in flight to end. */
  readonly atBoundary: (() => void)[];
  /** A step threw: the run cannot go on. */
  failed: boolean;
  disposed: boolean;
}

/** A run at step 0. */
export function newRun(id: number, models: readonly RunModel[], learningRate: number): Run {
  return { id, abort: new AbortController(), models, step: 0, learningRate, inFlight: null, atBoundary: [], failed: false, disposed: false };
}

/** Frees the run's models, once. */
export function disposeRun(run: Run): void {
  if (run.disposed) return;
  run.disposed = true;
  for (const m of run.models) {
    m.rollback.dispose();
    m.trainer.dispose();
  }
}

/** Whether model `id` of the run is paused (false for a model the run does not have). */
export function isPaused(run: Run, id: ModelId): boolean {
  return run.models.find((m) => m.id === id)?.paused ?? false;
}

/** One step's frame as a message; its buffer is the frame's own, to be transferred. */
export function frameMessage(frame: StepFrame): FrameMessage {
  const whole = frame.data.byteOffset === 0 && frame.data.byteLength === frame.data.buffer.byteLength;
  const data = whole ? frame.data : frame.data.slice();
  return { step: frame.step, data, perHead: frame.perHead !== null, evaluated: frame.evalAccuracy !== null, diverged: frame.diverged };
}

/** Steps per second over the last `window` iterations while playing. */
export class Pace {
  private times: number[] = [];

  constructor(private readonly window = 10) {}

  /** Playing starts (now): earlier iterations no longer count. */
  start(): void {
    this.times = [performance.now()];
  }

  /** An iteration ended (now). */
  tick(): void {
    this.times = [...this.times, performance.now()].slice(-(this.window + 1));
  }

  /** Iterations per second since start or over the window, or null before the first. */
  perSecond(): number | null {
    const span = this.times.length >= 2 ? this.times[this.times.length - 1]! - this.times[0]! : 0;
    return span > 0 ? ((this.times.length - 1) * 1000) / span : null;
  }
}
