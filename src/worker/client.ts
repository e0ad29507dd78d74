import type { PageBusyMessage } from './pageYield';
import type { Command, WorkerEvent } from './protocol';
import { pageEnd } from './transport';

/** The page's handle on the training worker. */
export interface TrainingWorker {
  send(command: Command): void;
  terminate(): void;
}

/**
 * Starts the training worker (a module Worker) and passes its events to `onEvent`. A
 * worker that fails to load or throws, and a message that cannot be read, arrive as
 * `error` events with runId -1 (not tied to a run). With `pageBusy`, the worker's processor
 * backends step aside while the page raises that flag.
 */
export function createTrainingWorker(onEvent: (event: WorkerEvent) => void, pageBusy: SharedArrayBuffer | null = null): TrainingWorker {
  const worker = new Worker(new URL('./training.worker.ts', import.meta.url), { type: 'module' });
  // First of all messages: the flag the page raises while it redraws (src/worker/pageYield.ts).
  if (pageBusy) worker.postMessage({ type: 'pageBusy', flag: pageBusy } satisfies PageBusyMessage);
  const channel = pageEnd(worker, onEvent);
  worker.addEventListener('error', (event: ErrorEvent | Event) => {
    const detail = 'message' in event && event.message ? event.message : 'it could not be loaded or crashed (see the console)';
    onEvent({ type: 'error', runId: -1, message: `the training worker failed: ${detail}`, fatal: true });
  });
  worker.addEventListener('messageerror', () => {
    onEvent({ type: 'error', runId: -1, message: 'a message from the training worker could not be read', fatal: false });
  });
  return { send: channel.send, terminate: () => worker.terminate() };
}
