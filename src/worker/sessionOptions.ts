import type { BackendPreference } from '../shared/experiment';
import type { BackendInUse } from '../shared/widths';
import type { Dataset, DatasetName, FetchBytes } from '../train/datasets';
import type { TrainerOptions } from '../train/trainer';
import type { WorkerEvent } from './protocol';
import type { SessionTrainer } from './run';

/** How the session speaks: one event and the buffers to transfer with it. */
export type Report = (event: WorkerEvent, transfer: ArrayBuffer[]) => void;

/** What the session runs on; everything that touches the platform is passed in. */
export interface SessionOptions {
  readonly report: Report;
  /** Switches tfjs to a backend for this preference (called again only when the preference changes). */
  readonly selectBackend: (preference: BackendPreference) => Promise<BackendInUse>;
  /** Reads a file of public/data (fetch in the browser, fs or a fake in Node). */
  readonly fetchBytes: FetchBytes;
  /** Builds a dataset; defaults to the datasets module's loadDataset. */
  readonly loadDataset?: (name: DatasetName, seed: number, fetchBytes: FetchBytes) => Promise<Dataset>;
  /** Builds one model's trainer; defaults to the engine's Trainer. */
  readonly createTrainer?: (options: TrainerOptions) => SessionTrainer;
  /** The least time between two checkpoints while playing (default CHECKPOINT_EVERY_MS; 0: after every step). */
  readonly checkpointEveryMs?: number;
}
