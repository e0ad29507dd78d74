import type { AuxHead, ModelConfig } from '../model/config';
import type { RunHeader } from '../shared/runFile';
import type { ExperimentSettings, ModelId } from '../shared/experiment';
import type { TrainerCheckpoint } from '../train/checkpoint';
import type { BackendInUse } from '../shared/widths';

/**
 * The messages between the page and the training worker: tagged unions with string tags.
 * Per-step numbers travel once, as transferred Float32Arrays (never copies, never
 * cumulative arrays); the page keeps its own history.
 */

/** Page -> worker. */
export type Command =
  /**
   * (Re)build both models from the settings; cancels any run in progress; step count
   * restarts at 0, or, with `resume`, at the checkpoint's step with its weights.
   */
  | { readonly type: 'configure'; readonly settings: ExperimentSettings; readonly resume?: SessionCheckpoint }
  | { readonly type: 'play' }
  | { readonly type: 'pause' }
  /** One step of every model that is not paused (also while playing: ignored then). */
  | { readonly type: 'step' }
  /** Same settings, fresh weights from the seed, step 0. */
  | { readonly type: 'reset' }
  /** Changes one model's aux heads (mode, weight); applies from the next step, weights kept. Other changes go through configure. */
  | { readonly type: 'setAuxHeads'; readonly model: ModelId; readonly aux1: AuxHead; readonly aux2: AuxHead }
  /** Changes the learning rate of both models from the next step. */
  | { readonly type: 'setLearningRate'; readonly learningRate: number };

/** One model's numbers for one step: the engine's StepFrame, flattened for transfer. */
export interface FrameMessage {
  readonly step: number;
  /** StepFrame.data: lay views over it with frameFromData(step, data, shape, parts). */
  readonly data: Float32Array;
  readonly perHead: boolean;
  readonly evaluated: boolean;
  readonly diverged: { readonly where: string } | null;
}

/** One model's state in a session checkpoint. */
export interface ModelCheckpoint extends TrainerCheckpoint {
  /** Diverged and paused at the checkpoint. */
  readonly paused: boolean;
}

/** Everything needed to go on with a run from a step, in a new worker, on any backend. */
export interface SessionCheckpoint {
  /** The run's step count (a paused model's own step may be lower). */
  readonly step: number;
  readonly learningRate: number;
  readonly models: { readonly A: ModelCheckpoint; readonly B?: ModelCheckpoint };
}

/** What the page needs to know about one model of a run. */
export interface ModelDescription {
  /** The header of this model's run file (config, layers, blocks, training, dataset, backend). */
  readonly header: RunHeader;
  readonly config: ModelConfig;
}

/** Worker -> page. Every message carries the run it belongs to; the page drops stale runs' messages. */
export type WorkerEvent =
  /** Models built and ready at step 0 (or at `resumedFrom`, from a checkpoint). `models.B` is absent when not comparing. */
  | { readonly type: 'ready'; readonly runId: number; readonly backend: BackendInUse; readonly models: { readonly A: ModelDescription; readonly B?: ModelDescription }; readonly resumedFrom?: number }
  /** One step of every model that stepped, in one message (buffers transferred). */
  | { readonly type: 'step'; readonly runId: number; readonly frames: { readonly A?: FrameMessage; readonly B?: FrameMessage } }
  /** Playing or not, the step count, the measured pace; sent on every change of state and with steps. */
  | { readonly type: 'state'; readonly runId: number; readonly playing: boolean; readonly step: number; readonly stepsPerSecond: number | null; readonly paused: { readonly A: boolean; readonly B: boolean } }
  /** A setting took effect at a step (marked on time axes). */
  | { readonly type: 'settingApplied'; readonly runId: number; readonly model: ModelId | 'both'; readonly step: number; readonly detail: string }
  /** The state of every model at a step (buffers transferred): what a new worker resumes from. Sent every few seconds while training. */
  | { readonly type: 'checkpoint'; readonly runId: number; readonly checkpoint: SessionCheckpoint }
  /** Sent every couple of seconds whatever else happens: silence means the worker is stuck or gone. runId -1: not tied to a run. */
  | { readonly type: 'alive'; readonly runId: -1 }
  /** Something went wrong; `fatal` means the run cannot continue. */
  | { readonly type: 'error'; readonly runId: number; readonly message: string; readonly fatal: boolean };

/** The buffers of an event to transfer rather than copy. */
export function transfersOf(event: WorkerEvent): ArrayBuffer[] {
  if (event.type === 'checkpoint') {
    const { A, B } = event.checkpoint.models;
    return [A, B].filter((m): m is ModelCheckpoint => m !== undefined).map((m) => m.values.buffer as ArrayBuffer);
  }
  if (event.type !== 'step') return [];
  return [event.frames.A, event.frames.B].filter((f): f is FrameMessage => f !== undefined).map((f) => f.data.buffer as ArrayBuffer);
}
