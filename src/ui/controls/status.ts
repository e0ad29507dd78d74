import type { SessionState } from '../hooks/sessionState';

/** The status line: "step 12 · 2.4 steps/s · backend wasm"; under one step a second, seconds per step ("step 6 · 8.3 s/step · backend webgl"). */
export function statusText(state: Pick<SessionState, 'step' | 'stepsPerSecond' | 'backend' | 'runId'>): string {
  const pace = paceText(state.stepsPerSecond);
  const backend = state.backend ? `backend ${state.backend.active}` : state.runId === null ? 'starting…' : 'backend –';
  return `step ${state.step} · ${pace} · ${backend}`;
}

/** Steps per second to one decimal; below one a second (a software GPU, say), seconds per step, which "0.0 steps/s" would hide. */
function paceText(sps: number | null): string {
  if (sps === null || !Number.isFinite(sps) || sps <= 0) return '– steps/s';
  if (sps >= 0.95) return `${sps.toFixed(sps < 9.95 ? 1 : 0)} steps/s`;
  const seconds = 1 / sps;
  return `${seconds.toFixed(seconds < 9.95 ? 1 : 0)} s/step`;
}

/**
 * Under the status line when a GPU backend, chosen by name, is drawn in software (no GPU
 * behind it; automatic choice passes it over: src/worker/gpuChecks.ts); null otherwise.
 */
export function softwareGpuNote(backend: SessionState['backend']): string | null {
  if (!backend?.softwareGpu) return null;
  return `${backend.active} is drawn in software here (no GPU): a step takes far longer than on wasm; Backend auto passes it over`;
}

/** Under the status line when wasm runs without GradFlow's SIMD backward kernels (several times slower); null otherwise. */
export function slowKernelsNote(backend: SessionState['backend']): string | null {
  if (!backend?.slowKernels) return null;
  return `wasm without its SIMD backward kernels (${backend.slowKernels}): training is slower`;
}
