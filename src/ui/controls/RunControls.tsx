import { useMemo } from 'react';
import { historyNote, historyResolution } from '../../shared/history';
import { slowKernelsNote, softwareGpuNote, statusText } from './status';
import type { TrainingSession } from '../hooks/useTrainingSession';

/** Play/Pause (one button), Step, Reset, and the live status line with the backend in use. */
export function RunControls({ session }: { session: TrainingSession }) {
  const { state } = session;
  // A stopped run takes no step: the fault notice offers to resume instead.
  const ready = state.runId !== null && state.fault?.kind !== 'stopped';
  const skipped = state.backend?.skipped ?? [];
  const runA = state.runs.A;
  const thinned = useMemo(() => (runA ? historyNote(historyResolution(runA.steps, runA.header.training)) : null), [runA]);
  return (
    <div className="run-controls">
      <button type="button" className="play" onClick={state.playing ? session.pause : session.play} disabled={!ready}
        aria-keyshortcuts="Space" title={state.playing ? 'Pause (Space)' : 'Play (Space)'}>
        <span aria-hidden="true" className={`play-icon ${state.playing ? 'is-pause' : ''}`} />
        {state.playing ? 'Pause' : 'Play'}
      </button>
      <button type="button" onClick={session.step} disabled={!ready || state.playing} title="Train one step">Step</button>
      <button type="button" onClick={session.reset} title="Fresh weights from the seed, step 0">Reset</button>
      <div className="status-block">
        <div role="status" aria-live="off" className="status">{statusText(state)}</div>
        {thinned && <div className="backend-note">{thinned}</div>}
        {slowKernelsNote(state.backend) && <div className="backend-note">{slowKernelsNote(state.backend)}</div>}
        {softwareGpuNote(state.backend) && <div className="backend-note">{softwareGpuNote(state.backend)}</div>}
        {skipped.length > 0 && (
          <div className="backend-note" title={skipped.map((s) => `${s.name}: ${s.reason}`).join('\n')}>
            not used: {skipped.map((s) => `${s.name} (${s.reason})`).join('; ')}
          </div>
        )}
      </div>
    </div>
  );
}
