import type { SessionState } from '../hooks/sessionState';

/** The status line: "step 12 · 2.4 steps/s · backend wasm". */
export function statusText(state: Pick<SessionState, 'step' | 'stepsPerSecond' | 'backend' | 'runId'>): string {
  const sps = state.stepsPerSecond;
  const pace = sps === null || !Number.isFinite(sps) ? '– steps/s' : `${sps.toFixed(sps < 10 ? 1 : 0)} steps/s`;
  const backend = state.backend ? `backend ${state.backend.active}` : state.runId === null ? 'starting…' : 'backend –';
  return `step ${state.step} · ${pace} · ${backend}`;
}

/** Under the status line when wasm runs without GradFlow's SIMD backward kernels (several times slower); null otherwise. */
export function slowKernelsNote(backend: SessionState['backend']): string | null {
  if (!backend?.slowKernels) return null;
  return `wasm without its SIMD backward kernels (${backend.slowKernels}): training is slower`;
}
