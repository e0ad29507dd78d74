import { startTransition, useCallback, useEffect, useReducer, useRef } from 'react';
import type { ExperimentSettings } from '../../shared/experiment';
import type { Command, WorkerEvent } from '../../worker/protocol';
import { createTrainingWorker } from '../../worker/client';
import { planCommands } from './sessionCommands';
import { INITIAL_SESSION, sessionReducer, type SessionState } from './sessionState';

/** What the page can do with a training session. */
export interface TrainingSession {
  readonly state: SessionState;
  readonly play: () => void;
  readonly pause: () => void;
  readonly step: () => void;
  readonly reset: () => void;
  readonly dismissErrors: () => void;
}

type Worker = ReturnType<typeof createTrainingWorker>;

/**
 * Runs the training worker for `settings`: sends only what changed (restart, aux heads,
 * learning rate) and keeps the history of both models. Worker messages are queued and
 * applied at most once per animation frame, so charts render at most once a frame.
 * Starts playing as soon as the first run is ready (`autoplay`).
 */
export function useTrainingSession(settings: ExperimentSettings, autoplay: boolean): TrainingSession {
  const [state, dispatch] = useReducer(sessionReducer, INITIAL_SESSION);
  const workerRef = useRef<Worker | null>(null);
  const sentRef = useRef<ExperimentSettings | null>(null);
  /** What the person wants: playing or not; re-applied to each new run. */
  const wantPlayingRef = useRef(autoplay);
  /** The runId most recently seen in a `ready` message (to re-apply play). */
  const readyRunRef = useRef<number | null>(null);

  useEffect(() => {
    let queue: WorkerEvent[] = [];
    let frame = 0;
    let alive = true;
    const flush = () => {
      frame = 0;
      const events = queue;
      queue = [];
      // A transition: React renders the charts in slices and yields to input in between.
      if (alive && events.length > 0) startTransition(() => dispatch({ type: 'events', events }));
    };
    const onEvent = (event: WorkerEvent) => {
      if (!alive) return;
      if (event.type === 'ready' && event.runId !== readyRunRef.current) {
        readyRunRef.current = event.runId;
        if (wantPlayingRef.current) worker.send({ type: 'play' });
      }
      if (event.type === 'step' && (event.frames.A?.diverged || event.frames.B?.diverged)) wantPlayingRef.current = false;
      if (event.type === 'error' && event.fatal) wantPlayingRef.current = false;
      queue.push(event);
      if (frame === 0) frame = requestAnimationFrame(flush);
    };
    dispatch({ type: 'newWorker' });
    let worker: Worker;
    try {
      worker = createTrainingWorker(onEvent);
    } catch (error) {
      dispatch({ type: 'pageError', message: `The training worker could not start: ${error instanceof Error ? error.message : String(error)}` });
      return undefined;
    }
    workerRef.current = worker;
    sentRef.current = null;
    readyRunRef.current = null;
    return () => {
      alive = false;
      if (frame !== 0) cancelAnimationFrame(frame);
      worker.terminate();
      workerRef.current = null;
    };
  }, []);

  useEffect(() => {
    const worker = workerRef.current;
    if (!worker) return;
    const { commands, restart } = planCommands(sentRef.current, settings);
    if (restart) dispatch({ type: 'restart' });
    for (const command of commands) worker.send(command);
    sentRef.current = settings;
  }, [settings]);

  const send = useCallback((command: Command) => workerRef.current?.send(command), []);
  const play = useCallback(() => {
    wantPlayingRef.current = true;
    send({ type: 'play' });
  }, [send]);
  const pause = useCallback(() => {
    wantPlayingRef.current = false;
    send({ type: 'pause' });
  }, [send]);
  const step = useCallback(() => send({ type: 'step' }), [send]);
  const reset = useCallback(() => {
    dispatch({ type: 'restart' });
    send({ type: 'reset' });
  }, [send]);
  const dismissErrors = useCallback(() => dispatch({ type: 'dismissErrors' }), []);

  return { state, play, pause, step, reset, dismissErrors };
}
