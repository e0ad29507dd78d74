/**
 * The page's history of a training session, as a pure reducer over worker events.
 * The worker sends each step once; this module lays views over the frame (frameFromData),
 * copies them into a RunStep (stepFromFrame) and appends it to that model's Run. Messages
 * of runs other than the current one are dropped. No DOM here: unit-tested in Node.
 */
import type { FrameMessage, ModelDescription, SessionCheckpoint, WorkerEvent } from '../../worker/protocol';
import type { BackendPreference, ModelId } from '../../shared/experiment';
import { stepFromFrame, type Run, type RunEvent } from '../../shared/runFile';
import { frameFromData } from '../../train/frame';
import { appendBounded } from '../../shared/history';
import type { BackendInUse } from '../../shared/widths';

/** A message from the worker (or the page) worth showing to people. */
export interface SessionError {
  readonly runId: number | null;
  readonly message: string;
  readonly fatal: boolean;
}

/** Where a model first went non-finite. */
export interface Divergence {
  readonly model: ModelId;
  readonly step: number;
  readonly where: string;
}

/**
 * The training stopped, or the worker went silent: what the page says, with what it
 * can do about it (resume from `checkpoint` in a new worker).
 */
export interface Fault {
  /** 'stopped': a fatal error (the worker crashed, a step failed, the GPU context was lost); 'silent': no word from the worker for a while. */
  readonly kind: 'stopped' | 'silent';
  readonly message: string;
}

/** A resume asked for and not yet ready. */
export interface Resuming {
  readonly step: number;
  readonly backend: BackendPreference;
  readonly reason: string;
}

/** Everything the page knows of the training session: the current run's history, pace, backend and problems. */
export interface SessionState {
  /** The run whose messages are kept; null until its `ready` arrives. */
  readonly runId: number | null;
  /** Messages of runs numbered at or below this are stale (set when the page restarts a run). */
  readonly staleUpTo: number;
  readonly backend: BackendInUse | null;
  readonly models: { readonly A?: ModelDescription; readonly B?: ModelDescription };
  readonly runs: { readonly A: Run | null; readonly B: Run | null };
  readonly playing: boolean;
  readonly step: number;
  readonly stepsPerSecond: number | null;
  /** Newest last; at most MAX_ERRORS. */
  readonly errors: readonly SessionError[];
  readonly divergence: Divergence | null;
  /** The newest checkpoint of the current run: where a resume starts. */
  readonly checkpoint: SessionCheckpoint | null;
  readonly fault: Fault | null;
  readonly resuming: Resuming | null;
}

/** What changes the session state: worker events (batched per frame) and the page's own requests. */
export type SessionAction =
  /** A batch of worker events, in arrival order (one per animation frame). */
  | { readonly type: 'events'; readonly events: readonly WorkerEvent[] }
  /** The page asked for a new run (configure or reset): forget the current run, drop its late messages. */
  | { readonly type: 'restart' }
  /** A new worker: start over entirely. */
  | { readonly type: 'newWorker' }
  /** A problem found on the page (e.g. the worker failed to load). */
  | { readonly type: 'pageError'; readonly message: string }
  | { readonly type: 'dismissErrors' }
  /** The worker has said nothing for `seconds`. */
  | { readonly type: 'silent'; readonly seconds: number }
  /** The worker spoke again after going silent. */
  | { readonly type: 'heard' }
  /** A new worker takes the run up from the checkpoint (or step 0 without one), on `backend`. */
  | { readonly type: 'resume'; readonly backend: BackendPreference };

const MAX_ERRORS = 5;

/** The state before any worker message. */
export const INITIAL_SESSION: SessionState = {
  runId: null,
  staleUpTo: -Infinity,
  backend: null,
  models: {},
  runs: { A: null, B: null },
  playing: false,
  step: 0,
  stepsPerSecond: null,
  errors: [],
  divergence: null,
  checkpoint: null,
  fault: null,
  resuming: null,
};

/** An empty run for a model described by the worker. */
export function emptyRun(description: ModelDescription, label: string): Run {
  return { header: { ...description.header, label: description.header.label ?? label }, steps: [], events: [] };
}

/** The run with one more step read from a frame message (a diverged frame also adds an event); its history stays bounded. */
export function appendFrame(run: Run, frame: FrameMessage): Run {
  const shape = { layers: run.header.layers.length, blocks: run.header.blocks.length };
  const view = frameFromData(frame.step, frame.data, shape, { perHead: frame.perHead, evaluated: frame.evaluated, diverged: frame.diverged });
  const step = stepFromFrame(view, shape);
  // Bounded (older steps thinned, diverged ones kept): a night of training fits in a tab.
  // A repeated or older step number replaces the steps from it on, keeping the order.
  const steps = appendBounded(run.steps, step, run.header.training);
  const events = frame.diverged ? [...run.events, { step: step.step, type: 'diverged' as const, detail: frame.diverged.where }] : run.events;
  return { ...run, steps, events };
}

function withEvent(run: Run | null, event: RunEvent): Run | null {
  return run && { ...run, events: [...run.events, event] };
}

/** The run as it was after `step`: later steps and events dropped (a resume trains them again). */
export function truncateRun(run: Run | null, step: number): Run | null {
  return run && { ...run, steps: run.steps.filter((s) => s.step <= step), events: run.events.filter((e) => e.step <= step) };
}

function withError(state: SessionState, error: SessionError): SessionState {
  return { ...state, errors: [...state.errors, error].slice(-MAX_ERRORS) };
}

/** Whether a message belongs to the run being kept (or announces the next one). */
function isCurrent(state: SessionState, event: WorkerEvent): boolean {
  if (event.runId <= state.staleUpTo) return false;
  if (event.type === 'ready') return state.runId === null || event.runId >= state.runId;
  return state.runId === event.runId;
}

function applyEvent(state: SessionState, event: WorkerEvent): SessionState {
  if (event.type === 'alive') return state;
  if (event.type === 'error') {
    // Shown unless it belongs to a run the page restarted; runId -1: the worker itself (always shown).
    if (event.runId >= 0 && event.runId <= state.staleUpTo) return state;
    const stops = event.fatal && (event.runId < 0 || event.runId === state.runId || state.runId === null);
    if (stops) return { ...state, playing: false, fault: { kind: 'stopped', message: event.message } };
    return withError(state, { runId: event.runId, message: event.message, fatal: event.fatal });
  }
  if (!isCurrent(state, event)) return state;
  switch (event.type) {
    case 'ready': {
      const { A, B } = event.models;
      const base = { ...state, runId: event.runId, backend: event.backend, models: event.models, playing: false, stepsPerSecond: null, fault: null, resuming: null };
      const resumed = state.resuming;
      if (resumed && event.resumedFrom !== undefined) {
        // The history stays; the run goes on from the checkpoint, marked where it did.
        const detail = `resumed from step ${event.resumedFrom} on ${event.backend.active} after: ${resumed.reason}`;
        const mark = (run: Run | null, description: ModelDescription | undefined, label: string): Run | null =>
          description ? withEvent(truncateRun(run, event.resumedFrom!) ?? emptyRun(description, label), { step: event.resumedFrom! + 1, type: 'setting', detail }) : null;
        return { ...base, runs: { A: mark(state.runs.A, A, 'A'), B: mark(state.runs.B, B, 'B') }, step: event.resumedFrom };
      }
      return { ...base, runs: { A: emptyRun(A, 'A'), B: B ? emptyRun(B, 'B') : null }, step: 0, divergence: null, checkpoint: null };
    }
    case 'checkpoint':
      return { ...state, checkpoint: event.checkpoint };
    case 'step': {
      let { A, B } = state.runs;
      let divergence = state.divergence;
      const pairs: [ModelId, FrameMessage | undefined][] = [['A', event.frames.A], ['B', event.frames.B]];
      for (const [model, frame] of pairs) {
        const run = model === 'A' ? A : B;
        if (!frame || !run) continue;
        const next = appendFrame(run, frame);
        if (model === 'A') A = next;
        else B = next;
        if (frame.diverged && !divergence) divergence = { model, step: frame.step, where: frame.diverged.where };
      }
      const newest = Math.max(event.frames.A?.step ?? 0, event.frames.B?.step ?? 0);
      return { ...state, runs: { A, B }, divergence, step: Math.max(state.step, newest) };
    }
    case 'state': {
      // A model that trains again (the rate was lowered) has recovered: the notice goes, the chart marks stay.
      const divergence = state.divergence && event.paused[state.divergence.model] ? state.divergence : null;
      return { ...state, playing: event.playing, step: event.step, stepsPerSecond: event.stepsPerSecond, divergence };
    }
    case 'settingApplied': {
      const entry: RunEvent = { step: event.step, type: 'setting', detail: event.detail };
      const { A, B } = state.runs;
      return {
        ...state,
        runs: {
          A: event.model === 'B' ? A : withEvent(A, entry),
          B: event.model === 'A' ? B : withEvent(B, entry),
        },
      };
    }
  }
}

/** The session reducer: history in, history out, never mutated. */
export function sessionReducer(state: SessionState, action: SessionAction): SessionState {
  switch (action.type) {
    case 'events':
      return action.events.reduce(applyEvent, state);
    case 'restart':
      return {
        ...INITIAL_SESSION,
        staleUpTo: Math.max(state.staleUpTo, state.runId ?? -Infinity),
        backend: state.backend,
        errors: state.errors,
      };
    case 'newWorker':
      return { ...INITIAL_SESSION, errors: state.errors };
    case 'pageError':
      return withError(state, { runId: null, message: action.message, fatal: false });
    case 'dismissErrors':
      return { ...state, errors: [] };
    case 'silent':
      if (state.fault) return state;
      return { ...state, fault: { kind: 'silent', message: `the training worker has not answered for ${action.seconds} s: it stopped, or a step takes that long` } };
    case 'heard':
      return state.fault?.kind === 'silent' ? { ...state, fault: null } : state;
    case 'resume': {
      // The new worker numbers its runs from 1 again; the old one is gone, so nothing of it can arrive.
      const step = state.checkpoint?.step ?? 0;
      const reason = state.fault ? state.fault.message : 'a request to resume';
      return {
        ...state,
        runId: null,
        staleUpTo: -Infinity,
        runs: { A: truncateRun(state.runs.A, step), B: truncateRun(state.runs.B, step) },
        step,
        playing: false,
        stepsPerSecond: null,
        fault: null,
        resuming: { step, backend: action.backend, reason },
      };
    }
  }
}
