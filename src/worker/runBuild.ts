import { configProblems } from '../model/config';
import type { ExperimentSettings, ModelId } from '../shared/experiment';
import type { TrainingSettings } from '../shared/runFile';
import type { BackendInUse } from '../shared/widths';
import type { Dataset } from '../train/datasets';
import type { TrainerOptions } from '../train/trainer';
import { resumeRun } from './checkpoints';
import type { ModelDescription, SessionCheckpoint } from './protocol';
import { RollbackPoints } from './rollback';
import { disposeRun, newRun, type Run, type RunModel, type SessionTrainer } from './run';
import { headerOf, modelConfigOf } from './runSetup';

/** What a run is built from. */
export interface RunInputs {
  readonly id: number;
  readonly settings: ExperimentSettings;
  readonly training: TrainingSettings;
  readonly backend: BackendInUse;
  readonly dataset: Dataset;
  readonly createTrainer: (options: TrainerOptions) => SessionTrainer;
  /** Go on from this checkpoint rather than from step 0. */
  readonly resume?: SessionCheckpoint;
}

/**
 * The run of the settings: model A (and B when comparing) built, resumed from the
 * checkpoint if one is given, each with its first rollback point pinned. Whatever fails
 * frees what was built and throws, saying which model and why.
 */
export function buildRun({ id, settings, training, backend, dataset, createTrainer, resume }: RunInputs): Run {
  const variants = settings.compare ? ([['A', settings.a], ['B', settings.b]] as const) : ([['A', settings.a]] as const);
  const models: RunModel[] = [];
  try {
    for (const [modelId, variant] of variants) {
      const config = modelConfigOf(settings, variant, backend);
      const problems = configProblems(config);
      if (problems.length > 0) throw new Error(`model ${modelId}: ${problems.join('; ')}`);
      const trainer = createTrainer({ config, training, dataset });
      const header = headerOf(modelId, settings, config, trainer.arch, training, dataset, backend.active);
      models.push({ id: modelId, trainer, description: { header, config }, heads: { aux1: config.aux1, aux2: config.aux2 }, paused: false, rollback: new RollbackPoints() });
    }
  } catch (error) {
    for (const m of models) m.trainer.dispose();
    throw error;
  }
  const run = newRun(id, models, training.learningRate);
  try {
    if (resume) resumeRun(run, resume);
    for (const model of models) model.rollback.pin(model.trainer);
  } catch (error) {
    disposeRun(run);
    throw error;
  }
  return run;
}

/** The descriptions of a run's models, as the `ready` event carries them. */
export function descriptionsOf(run: Run): { A: ModelDescription; B?: ModelDescription } {
  const byId = (id: ModelId) => run.models.find((m) => m.id === id)?.description;
  const b = byId('B');
  return { A: byId('A')!, ...(b && { B: b }) };
}
