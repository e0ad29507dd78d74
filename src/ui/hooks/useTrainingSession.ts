import { startTransition, useCallback, useEffect, useReducer, useRef } from 'react';
import type { BackendPreference, ExperimentSettings } from '../../shared/experiment';
import type { Command, SessionCheckpoint } from '../../worker/protocol';
import { planCommands, resumeCommands } from './sessionCommands';
import { INITIAL_SESSION, sessionReducer, type SessionState } from './sessionState';
import { WorkerLink } from './workerLink';

/** What the page can do with a training session. */
export interface TrainingSession {
  readonly state: SessionState;
  readonly play: () => void;
  readonly pause: () => void;
  readonly step: () => void;
  readonly reset: () => void;
  readonly dismissErrors: () => void;
  /**
   * Starts a new worker on `backend` and goes on from the newest checkpoint (step 0
   * without one), keeping the history up to it; returns the settings now in use (the
   * page stores them, so the change of backend starts no new run).
   */
  readonly resume: (backend: BackendPreference) => ExperimentSettings;
}

/**
 * Runs the training worker for `settings`: sends only what changed (restart, aux heads,
 * learning rate) and keeps the history of both models. Worker messages are applied at
 * most once per animation frame (WorkerLink), in a transition, so charts render at most
 * once a frame. Starts playing as soon as the first run is ready (`autoplay`).
 */
export function useTrainingSession(settings: ExperimentSettings, autoplay: boolean): TrainingSession {
  const [state, dispatch] = useReducer(sessionReducer, INITIAL_SESSION);
  const linkRef = useRef<WorkerLink | null>(null);
  const sentRef = useRef<ExperimentSettings | null>(null);
  const settingsRef = useRef(settings);
  settingsRef.current = settings;
  const checkpointRef = useRef<SessionCheckpoint | null>(null);
  checkpointRef.current = state.checkpoint;
  /** What the person wants: playing or not; re-applied to each new run. */
  const wantPlayingRef = useRef(autoplay);
  /** The runId most recently seen in a `ready` message (to re-apply play). */
  const readyRunRef = useRef<number | null>(null);

  useEffect(() => {
    const link = new WorkerLink(
      {
        // A transition: React renders the charts in slices and yields to input in between.
        events: (events) => startTransition(() => dispatch({ type: 'events', events })),
        silent: (seconds) => dispatch({ type: 'silent', seconds }),
        heard: () => dispatch({ type: 'heard' }),
        failed: (message) => dispatch({ type: 'pageError', message }),
      },
      (event, self) => {
        if (event.type === 'ready' && event.runId !== readyRunRef.current) {
          readyRunRef.current = event.runId;
          if (wantPlayingRef.current) self.send({ type: 'play' });
        }
        if (event.type === 'step' && (event.frames.A?.diverged || event.frames.B?.diverged)) wantPlayingRef.current = false;
        if (event.type === 'error' && event.fatal) {
          wantPlayingRef.current = false;
          // The worker itself failed (not one run): whatever it still does cannot be trusted.
          if (event.runId === -1) self.end();
        }
      },
    );
    linkRef.current = link;
    dispatch({ type: 'newWorker' });
    sentRef.current = null;
    readyRunRef.current = null;
    if (link.start()) {
      const { commands } = planCommands(null, settingsRef.current);
      for (const command of commands) link.send(command);
      sentRef.current = settingsRef.current;
    }
    return () => {
      link.stop();
      linkRef.current = null;
    };
  }, []);

  /**
   * A new worker if the last one was ended (it failed as a whole): the next configure goes
   * to it. Its runs are numbered from 1 again, so the page starts over as for a new worker
   * (a restart would take them for the old worker's stale runs).
   */
  const revive = useCallback((link: WorkerLink): boolean => {
    if (link.running) return true;
    sentRef.current = null;
    readyRunRef.current = null;
    dispatch({ type: 'newWorker' });
    return link.start();
  }, []);

  useEffect(() => {
    const link = linkRef.current;
    if (!link) return;
    const { commands, restart } = planCommands(sentRef.current, settings);
    if (commands.length === 0) return;
    if (!link.running) {
      // The worker was ended after a failure: a change that starts a new run gets a new
      // worker; any other (heads, rate) waits for a resume, which applies it.
      if (!restart || !revive(link)) return;
      link.send({ type: 'configure', settings });
      sentRef.current = settings;
      return;
    }
    if (restart) dispatch({ type: 'restart' });
    for (const command of commands) link.send(command);
    sentRef.current = settings;
  }, [settings, revive]);

  const send = useCallback((command: Command) => linkRef.current?.send(command), []);
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
    const link = linkRef.current;
    if (!link) return;
    if (link.running) {
      dispatch({ type: 'restart' });
      return link.send({ type: 'reset' });
    }
    // The worker was ended after a failure: a new one, from the seed.
    if (!revive(link)) return;
    link.send({ type: 'configure', settings: settingsRef.current });
    sentRef.current = settingsRef.current;
  }, [revive]);
  const dismissErrors = useCallback(() => dispatch({ type: 'dismissErrors' }), []);
  const resume = useCallback((backend: BackendPreference): ExperimentSettings => {
    const next = { ...settingsRef.current, backend };
    const link = linkRef.current;
    if (!link) return next;
    dispatch({ type: 'resume', backend });
    readyRunRef.current = null;
    wantPlayingRef.current = true;
    if (link.start()) {
      for (const command of resumeCommands(next, checkpointRef.current)) link.send(command);
      sentRef.current = next;
    }
    return next;
  }, []);

  return { state, play, pause, step, reset, dismissErrors, resume };
}
