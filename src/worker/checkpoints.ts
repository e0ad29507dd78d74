import type { ModelId } from '../shared/experiment';
import type { ModelCheckpoint, SessionCheckpoint } from './protocol';
import type { Run } from './run';

/**
 * Checkpoints of a whole run (every model's trainer state, the run's step and learning
 * rate) and the way back from one. The page keeps the newest, so that a run can go on in
 * a new worker, on the same or another backend, after the old one crashed, was stopped or
 * lost its GPU context.
 */

/** How often a playing session sends a checkpoint: each costs one read of every weight. */
export const CHECKPOINT_EVERY_MS = 10_000;

/** The run's state now; call between iterations. */
export async function checkpointOf(run: Run): Promise<SessionCheckpoint> {
  const models: Partial<Record<ModelId, ModelCheckpoint>> = {};
  for (const model of run.models) models[model.id] = { ...(await model.trainer.checkpoint()), paused: model.paused };
  return { step: run.step, learningRate: run.learningRate, models: { A: models.A!, ...(models.B && { B: models.B }) } };
}

/** Why `checkpoint` cannot resume `run` (a run of the same settings, just built), or null. */
export function resumeProblem(run: Run, checkpoint: SessionCheckpoint): string | null {
  if (!(Number.isInteger(checkpoint.step) && checkpoint.step >= 0)) return `its step (${checkpoint.step}) is not a step count`;
  if (!(checkpoint.learningRate > 0 && Number.isFinite(checkpoint.learningRate))) return `its learning rate (${checkpoint.learningRate}) is not a positive number`;
  const ids = (['A', 'B'] as const).filter((id) => checkpoint.models[id] !== undefined);
  const wanted = run.models.map((m) => m.id);
  if (ids.join() !== wanted.join()) return `it holds model(s) ${ids.join(', ')} but these settings train ${wanted.join(', ')}`;
  for (const id of ids) {
    const step = checkpoint.models[id]!.step;
    if (!(Number.isInteger(step) && step >= 0 && step <= checkpoint.step)) return `model ${id}'s step (${step}) does not fit the run's (${checkpoint.step})`;
  }
  return null;
}

/** Puts every model of a freshly built `run` in the checkpoint's state; throws, saying why, if it does not fit. */
export function resumeRun(run: Run, checkpoint: SessionCheckpoint): void {
  const problem = resumeProblem(run, checkpoint);
  if (problem) throw new Error(`cannot resume from this checkpoint: ${problem}`);
  for (const model of run.models) {
    const saved = checkpoint.models[model.id]!;
    try {
      model.trainer.restore(saved);
    } catch (error) {
      throw new Error(`cannot resume model ${model.id}: ${error instanceof Error ? error.message : String(error)}`);
    }
    model.heads = { aux1: saved.heads.aux1, aux2: saved.heads.aux2 };
    model.paused = saved.paused;
  }
  run.step = checkpoint.step;
  run.learningRate = checkpoint.learningRate;
}
