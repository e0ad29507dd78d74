/**
 * The training worker (a dedicated module Worker): one TrainingSession on the browser
 * backends, fed by the page's commands, reporting through postMessage. Nothing escapes:
 * an uncaught error or rejection is posted as an `error` event (runId -1).
 */
import type { BackendPreference } from '../shared/experiment';
import type { BackendInUse } from '../shared/widths';
import { useBrowserBackend, watchWebglContext } from './browserBackends';
import { fetchBytes } from './dataFetch';
import type { WorkerEvent } from './protocol';
import { atomicsEnvironment, createPageYield, isPageBusyMessage, type PageYield } from './pageYield';
import { TrainingSession } from './session';
import { connect } from './transport';
import { callBeforeEachKernel } from '../train/backends/kernelHook';

const scope: DedicatedWorkerGlobalScope = self as DedicatedWorkerGlobalScope;

/** Set once the page hands over its redraw flag (before any command): the processor backends' kernels wait while it is up. */
let yieldToPage: PageYield | null = null;
/** The time spent waiting for the page, on the worker's global scope for diagnostics (the browser tests read it). */
Object.defineProperty(scope, 'gradflowPageYield', { get: () => ({ waitedMs: yieldToPage?.waitedMs ?? 0 }) });
scope.addEventListener('message', (event) => {
  if (!isPageBusyMessage(event.data)) return;
  yieldToPage = createPageYield(atomicsEnvironment(new Int32Array(event.data.flag)));
  event.stopImmediatePropagation();
});

/** How often the worker says it is alive: the page takes a long silence for a stopped or stuck worker. */
const ALIVE_EVERY_MS = 2000;

/** The backend for a preference; a WebGL context is watched so that its loss stops the run at once. */
async function selectBackend(preference: BackendPreference): Promise<BackendInUse> {
  const choice = await useBrowserBackend(preference);
  // GPU backends only queue work for the GPU; the processor ones compete with the page for cores.
  if (choice.active === 'wasm' || choice.active === 'cpu') callBeforeEachKernel(choice.active, () => yieldToPage?.());
  if (choice.active === 'webgl') {
    watchWebglContext(() => session.backendLost('the WebGL context was lost (the GPU was reset or the browser reclaimed it)'));
  }
  return choice;
}

// The worker's one session, alive as long as the worker.
const session = connect(scope, (report) => new TrainingSession({ report, selectBackend, fetchBytes }));

setInterval(() => {
  const alive: WorkerEvent = { type: 'alive', runId: -1 };
  scope.postMessage(alive);
}, ALIVE_EVERY_MS);

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
