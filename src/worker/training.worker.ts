/**
 * The training worker (a dedicated module Worker): one TrainingSession on the browser
 * backends, fed by the page's commands, reporting through postMessage. Nothing escapes:
 * an uncaught error or rejection is posted as an `error` event (runId -1).
 */
import { useBrowserBackend } from './browserBackends';
import { fetchBytes } from './dataFetch';
import type { WorkerEvent } from './protocol';
import { TrainingSession } from './session';
import { connect } from './transport';

const scope: DedicatedWorkerGlobalScope = self as DedicatedWorkerGlobalScope;

// The worker's one session, alive as long as the worker.
connect(scope, (report) => new TrainingSession({ report, selectBackend: useBrowserBackend, fetchBytes }));

function reportUncaught(what: string, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  const event: WorkerEvent = { type: 'error', runId: -1, message: `${what} in the training worker: ${message}`, fatal: true };
  scope.postMessage(event);
}

scope.addEventListener('error', (event) => {
  event.preventDefault();
  reportUncaught('uncaught error', event.error ?? event.message);
});
scope.addEventListener('unhandledrejection', (event) => {
  event.preventDefault();
  reportUncaught('unhandled rejection', event.reason);
});
scope.addEventListener('messageerror', () => {
  reportUncaught('unreadable command', 'a message from the page could not be read');
});
