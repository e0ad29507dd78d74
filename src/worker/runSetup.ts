import { PRESETS, type AuxHead, type ModelConfig } from '../model/config';
import type { RunHeader, TrainingSettings } from '../shared/runFile';
import type { ExperimentSettings, ModelId, ModelVariant } from '../shared/experiment';
import { DEFAULT_TRAINING } from '../shared/trainingDefaults';
import { resolveWidth, type BackendInUse } from '../shared/widths';
import type { Architecture } from '../model/architecture';
import { datasetChannels, type Dataset } from '../train/datasets';

/**
 * Pure translations from the person's settings to what the engine takes: a model
 * configuration per variant, one TrainingSettings shared by A and B, a run header per
 * model, and short texts for the setting changes marked on time axes.
 */

/**
 * The model configuration of one variant: the preset with the settings' width (an 'auto'
 * width resolved for the backend in use), the variant's activation and heads, the
 * dataset's channels.
 */
export function modelConfigOf(settings: ExperimentSettings, variant: ModelVariant, backend: BackendInUse): ModelConfig {
  return {
    ...PRESETS[settings.preset],
    width: resolveWidth(settings.width, backend),
    activation: variant.activation,
    aux1: variant.aux1,
    aux2: variant.aux2,
    channels: datasetChannels(settings.dataset),
  };
}

/** The training settings of both models: the defaults overridden by the experiment's. */
export function trainingOf(settings: ExperimentSettings): TrainingSettings {
  return {
    ...DEFAULT_TRAINING,
    optimizer: settings.optimizer,
    learningRate: settings.learningRate,
    batchSize: settings.batchSize,
    seed: settings.seed,
    perHeadEvery: settings.perHeadEvery,
    evalEvery: settings.evalEvery,
  };
}

/** Why these training settings cannot run (first problem), or null. */
export function trainingProblem(t: TrainingSettings): string | null {
  const positiveInteger = (n: number): boolean => Number.isInteger(n) && n >= 1;
  if (!(t.learningRate > 0 && Number.isFinite(t.learningRate))) return `the learning rate must be a positive number (got ${t.learningRate})`;
  if (!positiveInteger(t.batchSize)) return `the batch size must be an integer of at least 1 (got ${t.batchSize})`;
  if (!positiveInteger(t.perHeadEvery)) return `per-head measurements need an interval of at least 1 step (got ${t.perHeadEvery})`;
  if (!positiveInteger(t.evalEvery)) return `evaluation needs an interval of at least 1 step (got ${t.evalEvery})`;
  if (!(Number.isInteger(t.seed) && t.seed >= 0 && t.seed < 2 ** 32)) return `the seed must be an integer 0..2^32-1 (got ${t.seed})`;
  return null;
}

/** One head as people read it: "aux1 off", "aux2 loss 0.3", "aux1 probe". */
export function headText(name: 'aux1' | 'aux2', head: AuxHead): string {
  return head.mode === 'loss' ? `${name} loss ${head.weight}` : `${name} ${head.mode}`;
}

/** The model's label in comparisons, e.g. "A: aux1 loss 0.3, aux2 off, relu". */
export function modelLabel(id: ModelId, config: ModelConfig): string {
  return `${id}: ${headText('aux1', config.aux1)}, ${headText('aux2', config.aux2)}, ${config.activation}`;
}

/** What a change of heads changes, e.g. "A: aux1 off" (every head when nothing differs). */
export function headsChangeDetail(id: ModelId, before: { aux1: AuxHead; aux2: AuxHead }, after: { aux1: AuxHead; aux2: AuxHead }): string {
  const same = (a: AuxHead, b: AuxHead): boolean => a.mode === b.mode && a.weight === b.weight;
  const changed = (['aux1', 'aux2'] as const).filter((h) => !same(before[h], after[h]));
  const shown = changed.length > 0 ? changed : (['aux1', 'aux2'] as const);
  return `${id}: ${shown.map((h) => headText(h, after[h])).join(', ')}`;
}

/** The run-file header of one model, as the command line builds it (`config` as configured: `arch` lists every layer, aux heads included). */
export function headerOf(id: ModelId, settings: ExperimentSettings, config: ModelConfig, arch: Architecture, training: TrainingSettings, dataset: Dataset, backend: string): RunHeader {
  return {
    config,
    preset: settings.preset,
    training,
    dataset: { name: dataset.name, trainCount: dataset.train.count, evalCount: dataset.eval.count, normalisation: dataset.normalisation },
    backend,
    layers: arch.layers.map((l) => ({ name: l.name, kind: l.kind, head: l.head, params: l.params })),
    blocks: arch.blocks.map((b) => b.name),
    createdAt: new Date().toISOString(),
    label: modelLabel(id, config),
  };
}
