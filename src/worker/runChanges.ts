import { configProblems, type AuxHead } from '../model/config';
import type { ModelId } from '../shared/experiment';
import type { Run } from './run';
import { headsChangeDetail } from './runSetup';

/**
 * The setting changes a run takes between two steps, as pure edits of the run: each
 * returns what changed in words (marked on time axes) or throws why it cannot apply.
 */

/** Why model `id` of the run cannot take these heads, or null. */
export function headsProblem(run: Run, id: ModelId, aux1: AuxHead, aux2: AuxHead): string | null {
  const model = run.models.find((m) => m.id === id);
  if (!model) return `it is not part of this run`;
  const problems = configProblems({ ...model.description.config, aux1, aux2 });
  return problems.length > 0 ? problems.join('; ') : null;
}

/** Switches model `id`'s heads from the next step; returns e.g. "A: aux1 off". */
export function changeHeads(run: Run, id: ModelId, aux1: AuxHead, aux2: AuxHead): string {
  const model = run.models.find((m) => m.id === id)!;
  model.trainer.setHeads(aux1, aux2);
  const detail = headsChangeDetail(id, model.heads, { aux1, aux2 });
  model.heads = { aux1, aux2 };
  return detail;
}

/**
 * Sets the learning rate of every model from the next step. A model paused after
 * diverging goes back to a state from before the blow-up (rollback.ts) and trains on at
 * the new rate, on the same batches as its partner. Every model pins its state: the last
 * one trained at a proven rate. Returns e.g. "learning rate 0.01; B goes back to its
 * weights of step 25 and trains on", and whether a model was unpaused.
 */
export function changeLearningRate(run: Run, learningRate: number): { detail: string; rejoined: boolean } {
  run.learningRate = learningRate;
  const rejoining = run.models.filter((m) => m.paused).map((model) => {
    const target = model.rollback.target();
    if (target) model.trainer.loadState(target);
    model.trainer.skipTo(run.step);
    model.paused = false;
    return `; ${model.id} goes back to its weights of step ${target?.step ?? 0} and trains on`;
  });
  for (const model of run.models) model.rollback.pin(model.trainer);
  return { detail: `learning rate ${learningRate}${rejoining.join('')}`, rejoined: rejoining.length > 0 };
}
