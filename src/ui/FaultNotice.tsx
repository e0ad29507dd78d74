import type { BackendPreference } from '../shared/experiment';
import type { SessionState } from './hooks/sessionState';

/** The backends a run can resume on, in the order offered after the one it was on. */
const BACKENDS: readonly Exclude<BackendPreference, 'auto'>[] = ['wasm', 'webgl', 'webgpu', 'cpu'];

/** Texts of the fault notice, kept apart from the markup (unit-tested). */
export function faultTexts(state: Pick<SessionState, 'fault' | 'checkpoint' | 'step' | 'runs'>): { title: string; detail: string } | null {
  const { fault, checkpoint } = state;
  if (!fault) return null;
  const kept = Math.max(state.runs.A?.steps.at(-1)?.step ?? 0, state.runs.B?.steps.at(-1)?.step ?? 0);
  const title = fault.kind === 'silent' ? 'The training worker is not answering' : 'Training stopped';
  const history = kept === 0 ? 'Nothing was trained yet.' : kept === 1 ? 'The charts keep the one step trained so far.' : `The charts keep all ${kept} steps trained so far.`;
  let resume: string;
  if (!checkpoint) resume = 'Nothing was saved yet: resuming starts at step 0.';
  else if (checkpoint.step >= kept) resume = `Resuming goes on from step ${checkpoint.step}, where it stopped.`;
  else {
    const again = kept === checkpoint.step + 1 ? `step ${kept} is` : `steps ${checkpoint.step + 1} to ${kept} are`;
    resume = `Resuming goes on from step ${checkpoint.step}, the last saved state; ${again} trained again.`;
  }
  return { title, detail: `${fault.message}. ${history} ${resume}` };
}

/** A stopped or silent worker: what happened, what is kept, and buttons to resume on each backend (the one in use first). */
export function FaultNotice({ state, onResume }: { state: SessionState; onResume: (backend: BackendPreference) => void }) {
  const texts = faultTexts(state);
  if (!texts) return null;
  const current = state.backend?.active;
  const order = current ? [current, ...BACKENDS.filter((b) => b !== current)] : BACKENDS;
  return (
    <div className="notice error fault" role="alert">
      <strong>{texts.title}</strong>: {texts.detail}
      <div className="fault-actions">
        {order.map((backend) => (
          <button key={backend} type="button" onClick={() => onResume(backend)}>
            Resume on {backend}{backend === current ? ' (same backend)' : ''}
          </button>
        ))}
      </div>
    </div>
  );
}
