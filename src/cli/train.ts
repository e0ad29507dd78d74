import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DEFAULT_TRAINING } from '../shared/trainingDefaults';
import { serializeRun, stepFromFrame, type Run, type RunEvent, type RunStep, type TrainingSettings } from '../shared/runFile';
import { loadDataset } from '../train/datasets';
import { nodeFetchBytes } from '../train/datasets/nodeFiles';
import { Trainer } from '../train/trainer';
import { trainLoop } from '../train/trainLoop';
import { configOf, datasetOf, integer, presetOf, real, UsageError, type Flags } from './args';
import { Progress } from './progress';
import { gradientReport } from './report';

/** Exit code of a run that diverged (its run file is still written). */
export const EXIT_DIVERGED = 3;

/** `train`: trains headless with a progress bar on stderr and writes a run file. */
export async function train(flags: Flags, backend: string): Promise<{ message: string; code: number }> {
  const preset = presetOf(flags);
  if (preset === 'paper') throw new UsageError('the paper preset (224x224, 1000 classes) is too big to train here and has no dataset; use relu, sigmoid, tanh or relu-bn');
  const datasetName = datasetOf(flags);
  const config = configOf(flags, preset, datasetName);
  const optimizer = flags.optimizer ?? DEFAULT_TRAINING.optimizer;
  if (optimizer !== 'sgd' && optimizer !== 'adam') throw new UsageError(`--optimizer must be sgd or adam (got "${optimizer}")`);
  const training: TrainingSettings = {
    ...DEFAULT_TRAINING,
    optimizer,
    learningRate: real('lr', flags.lr, optimizer === 'adam' ? 0.001 : DEFAULT_TRAINING.learningRate, 0, 10, true),
    batchSize: integer('batch', flags.batch, DEFAULT_TRAINING.batchSize, 1, 1024),
    seed: integer('seed', flags.seed, DEFAULT_TRAINING.seed, 0, 2 ** 32 - 1),
    perHeadEvery: integer('per-head-every', flags['per-head-every'], DEFAULT_TRAINING.perHeadEvery, 1, 1_000_000),
    evalEvery: integer('eval-every', flags['eval-every'], DEFAULT_TRAINING.evalEvery, 1, 1_000_000),
  };
  const steps = integer('steps', flags.steps, 100, 1, 1_000_000);
  const out = flags.out ?? `runs/${preset}-${datasetName}-seed${training.seed}-aux1-${config.aux1.mode}-aux2-${config.aux2.mode}.json`;

  const dataset = await loadDataset(datasetName, training.seed, nodeFetchBytes());
  const trainer = new Trainer({ config, training, dataset });
  const runSteps: RunStep[] = [];
  const events: RunEvent[] = [];
  const progress = new Progress(steps);
  try {
    await trainLoop(trainer, {
      steps,
      onFrame: (frame) => {
        runSteps.push(stepFromFrame(frame, trainer.shape));
        progress.update(frame.step, `loss ${frame.loss[3]!.toFixed(3)}`);
        if (frame.diverged) events.push({ step: frame.step, type: 'diverged', detail: `first non-finite: ${frame.diverged.where}` });
      },
    });
  } finally {
    progress.finish();
  }
  const run: Run = {
    header: {
      config,
      preset,
      training,
      dataset: { name: dataset.name, trainCount: dataset.train.count, evalCount: dataset.eval.count, normalisation: dataset.normalisation },
      backend,
      layers: trainer.arch.layers.map((l) => ({ name: l.name, kind: l.kind, head: l.head, params: l.params })),
      blocks: trainer.arch.blocks.map((b) => b.name),
      createdAt: new Date().toISOString(),
    },
    steps: runSteps,
    events,
  };
  trainer.dispose();
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, serializeRun(run));
  const diverged = events.find((e) => e.type === 'diverged');
  const lines = [gradientReport(run), `wrote ${out} (${runSteps.length} steps)`];
  if (diverged) lines.unshift(`diverged at step ${diverged.step}: ${diverged.detail}; training stopped (lower --lr)`);
  return { message: lines.join('\n'), code: diverged ? EXIT_DIVERGED : 0 };
}
