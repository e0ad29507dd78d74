import type { Divergence, SessionError } from './hooks/sessionState';

/** Problems to show above the charts: ignored parts of the address, worker errors, a divergence. All plain text. */
export function Notices({ hashNotices, onDismissHash, errors, onDismissErrors, divergence }: {
  hashNotices: readonly string[]; onDismissHash: () => void;
  errors: readonly SessionError[]; onDismissErrors: () => void;
  divergence: Divergence | null;
}) {
  if (hashNotices.length === 0 && errors.length === 0 && !divergence) return null;
  return (
    <div className="notices">
      {hashNotices.length > 0 && (
        <div className="notice warn" role="alert">
          <strong>Some settings in the address were not understood; defaults are used for them.</strong>
          <ul>{hashNotices.map((n, i) => <li key={i}>{n}</li>)}</ul>
          <button type="button" className="link" onClick={onDismissHash}>Dismiss</button>
        </div>
      )}
      {divergence && (
        <div className="notice warn" role="alert">
          <strong>Model {divergence.model} diverged at step {divergence.step}</strong>: the first non-finite value was in {divergence.where}.
          That model stopped training (the other goes on while it can). Lower the learning rate to go on: it goes back
          to its weights from before the blow-up. Or Reset to start both again.
        </div>
      )}
      {errors.length > 0 && (
        <div className="notice error" role="alert">
          <strong>The training worker reported {errors.length === 1 ? 'a problem' : 'problems'}</strong>:
          <ul>{errors.map((e, i) => <li key={i}>{e.message}</li>)}</ul>
          <button type="button" className="link" onClick={onDismissErrors}>Dismiss</button>
        </div>
      )}
    </div>
  );
}
