import { datasetChannels } from '../../src/train/datasets';
import { selectBackend } from '../../src/train/backends/select';
import type { ExperimentSettings } from '../../src/shared/experiment';
import { backendOrder } from '../../src/worker/backendOrder';
import type { StepFrame } from '../../src/train/frame';
import { Trainer, type TrainerOptions } from '../../src/train/trainer';
import type { WorkerEvent } from '../../src/worker/protocol';
import { TrainingSession, type SessionOptions, type SessionTrainer } from '../../src/worker/session';
import { noiseDataset } from '../helpers/tfjs';

/** Tiny settings for fast steps: width 1/8, batch 2, per-head and evaluation only on step 1 / never; B without aux heads. */
export const SETTINGS: ExperimentSettings = {
  preset: 'relu',
  dataset: 'mnist',
  width: 1 / 8,
  optimizer: 'sgd',
  learningRate: 0.01,
  batchSize: 2,
  seed: 3,
  perHeadEvery: 1000,
  evalEvery: 1000,
  backend: 'wasm',
  compare: true,
  a: { aux1: { mode: 'loss', weight: 0.3 }, aux2: { mode: 'loss', weight: 0.3 }, activation: 'relu' },
  b: { aux1: { mode: 'off', weight: 0.3 }, aux2: { mode: 'off', weight: 0.3 }, activation: 'relu' },
  measure: 'gradRms',
  detail: 'block',
};

/** The Node side of what the browser worker injects: the registered backends (wasm, cpu) in the app's order, noise data. */
export const NODE_OPTIONS: Omit<SessionOptions, 'report'> = {
  selectBackend: (preference) => selectBackend(backendOrder(preference)),
  fetchBytes: async (file) => {
    throw new Error(`tests read no data files (asked for ${file})`);
  },
  loadDataset: async (name) => noiseDataset(datasetChannels(name), 32, 10),
};

/** Resolves when `events` holds an event (at index >= from) for which `test` holds; rejects after `ms`. */
export async function waitFor(events: readonly WorkerEvent[], test: (e: WorkerEvent) => boolean, from = 0, ms = 60_000): Promise<WorkerEvent> {
  const end = Date.now() + ms;
  for (;;) {
    const found = events.slice(from).find(test);
    if (found) return found;
    if (Date.now() > end) throw new Error(`timed out waiting; events so far: ${events.map((e) => `${e.type}#${e.runId}`).join(' ')}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A session on the Node backends that records what it reports. */
export function recordingSession(options: Partial<Omit<SessionOptions, 'report'>> = {}): {
  session: TrainingSession;
  events: WorkerEvent[];
  transfers: ArrayBuffer[][];
} {
  const events: WorkerEvent[] = [];
  const transfers: ArrayBuffer[][] = [];
  const session = new TrainingSession({
    ...NODE_OPTIONS,
    ...options,
    report: (event, transfer) => {
      events.push(event);
      transfers.push(transfer);
    },
  });
  return { session, events, transfers };
}

/** The step events of a run, in order. */
export function stepsOf(events: readonly WorkerEvent[], runId: number): Extract<WorkerEvent, { type: 'step' }>[] {
  return events.filter((e): e is Extract<WorkerEvent, { type: 'step' }> => e.type === 'step' && e.runId === runId);
}

/** Events of one type. */
export function ofType<T extends WorkerEvent['type']>(events: readonly WorkerEvent[], type: T): Extract<WorkerEvent, { type: T }>[] {
  return events.filter((e): e is Extract<WorkerEvent, { type: T }> => e.type === type);
}

/** One call seen by spyTrainers, in order: which model (by creation order), what, and with what. */
export interface TrainerCall {
  readonly trainer: number;
  readonly call: 'trainStep' | 'setHeads' | 'checkpoint' | 'restore' | 'saveState' | 'loadState' | 'skipTo' | 'dispose';
  readonly arg?: unknown;
}

/**
 * A createTrainer that builds engine Trainers and logs every call made on them. `meddle`
 * may replace a step's result (to fake a divergence or a failure) by trainer index and step.
 */
export function spyTrainers(meddle?: (trainer: number, frame: StepFrame) => StepFrame): {
  createTrainer: (options: TrainerOptions) => SessionTrainer;
  calls: TrainerCall[];
} {
  const calls: TrainerCall[] = [];
  let created = 0;
  const createTrainer = (options: TrainerOptions): SessionTrainer => {
    const index = created++;
    const trainer = new Trainer(options);
    return {
      arch: trainer.arch,
      shape: trainer.shape,
      trainStep: async (learningRate) => {
        calls.push({ trainer: index, call: 'trainStep', arg: learningRate });
        const frame = await trainer.trainStep(learningRate);
        return meddle ? meddle(index, frame) : frame;
      },
      setHeads: (aux1, aux2) => {
        calls.push({ trainer: index, call: 'setHeads', arg: { aux1, aux2 } });
        trainer.setHeads(aux1, aux2);
      },
      checkpoint: () => {
        calls.push({ trainer: index, call: 'checkpoint' });
        return trainer.checkpoint();
      },
      restore: (checkpoint) => {
        calls.push({ trainer: index, call: 'restore', arg: checkpoint.step });
        trainer.restore(checkpoint);
      },
      saveState: () => {
        calls.push({ trainer: index, call: 'saveState' });
        return trainer.saveState();
      },
      loadState: (state) => {
        calls.push({ trainer: index, call: 'loadState', arg: state.step });
        trainer.loadState(state);
      },
      skipTo: (step) => {
        calls.push({ trainer: index, call: 'skipTo', arg: step });
        trainer.skipTo(step);
      },
      dispose: () => {
        calls.push({ trainer: index, call: 'dispose' });
        trainer.dispose();
      },
    };
  };
  return { createTrainer, calls };
}
