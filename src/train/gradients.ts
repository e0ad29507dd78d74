import * as tf from '@tensorflow/tfjs-core';
import { forward, type BatchStats } from '../model/forward';
import { BLOCK_NAMES } from '../model/googlenet';
import type { ModelConfig } from '../model/config';
import type { ModelParams } from '../model/params';
import { headLossAndAccuracy } from './backends/gpuLoss';
import { gradientsOfEach } from './tape';
import { HEADS, type Head } from './frame';

/** One batch on the device: NHWC images and class indices. */
export interface Batch {
  readonly x: tf.Tensor4D; //      [b, 32, 32, c]
  readonly labels: tf.Tensor1D; // [b] int32
}

/** The weight of each head's cross-entropy in an objective; 0 leaves the head out. */
export type Objective = Readonly<Record<Head, number>>;

/**
 * Everything one backward pass yields. Tensors are kept (outside any tidy) and belong to
 * the caller, who disposes them with disposePass.
 */
export interface PassResult {
  /** d objective / d v for each trainable variable, in params.trainable order (zeros where none reaches). */
  readonly grads: tf.Tensor[];
  /** d objective / d (output of block), in BLOCK_NAMES order; null where none reaches. */
  readonly blockGrads: (tf.Tensor | null)[];
  /** [main, aux1, aux2] cross-entropy of each head, mean over the batch; NaN for a head that is off. */
  readonly crossEntropy: tf.Tensor1D;
  /** [main, aux1, aux2] fraction of the batch classified right; NaN for a head that is off. */
  readonly accuracy: tf.Tensor1D;
  /** Batch statistics of each batch-norm layer (training mode). */
  readonly batchStats: ReadonlyMap<string, BatchStats>;
}

/** The objective the model trains on: main + w1 aux1 + w2 aux2 over the heads that are on. */
export function trainingObjective(config: ModelConfig): Objective {
  const { aux1, aux2 } = config;
  return { main: 1, aux1: aux1.mode === 'off' ? 0 : aux1.weight, aux2: aux2.mode === 'off' ? 0 : aux2.weight };
}

/** The objective of head h alone, with its weight: w_h CE_h. */
export function headObjective(config: ModelConfig, head: Head): Objective {
  const full = trainingObjective(config);
  return { main: head === 'main' ? full.main : 0, aux1: head === 'aux1' ? full.aux1 : 0, aux2: head === 'aux2' ? full.aux2 : 0 };
}

/**
 * A forward and backward pass of `objective` on `batch`, in training mode (dropout from
 * `dropoutSeeds`, or none when null; batch norm on batch statistics). An identity probe
 * after every block records the gradient reaching that block's output. `config` says
 * which heads run (by default those the parameters were made for). An objective of one
 * auxiliary head alone runs only that head and the layers below it: the other heads'
 * cross-entropy and accuracy are then NaN, every other number is the same.
 */
export function backwardPass(
  params: ModelParams,
  batch: Batch,
  objective: Objective,
  dropoutSeeds: Readonly<Record<Head, number>> | null,
  config: ModelConfig = params.arch.config,
): PassResult {
  return backwardPasses(params, batch, [objective], dropoutSeeds, config)[0]!;
}

/**
 * One backward pass of each objective on `batch`, from one forward pass: each pass's
 * gradients are those `backwardPass` gives for its objective alone, to the bit (the
 * forward is the same computation, and each objective's tape is walked back as tfjs
 * walks it; tape.ts).
 * Every pass holds the forward's cross-entropy, accuracy and batch statistics (each its
 * own handle, for disposePass). Where the objectives all weigh the same auxiliary head
 * alone, only that head and the layers below it run.
 */
export function backwardPasses(
  params: ModelParams,
  batch: Batch,
  objectives: readonly Objective[],
  dropoutSeeds: Readonly<Record<Head, number>> | null,
  config: ModelConfig = params.arch.config,
): PassResult[] {
  if (objectives.length === 0) throw new Error('backwardPasses needs at least one objective');
  for (const objective of objectives) if (HEADS.every((head) => objective[head] === 0)) throw new Error('the objective has no head with a non-zero weight');
  const blockGrads = objectives.map(() => new Map<string, tf.Tensor>());
  let walking = 0; // the objective whose walk back the probes are in
  const batchStats = new Map<string, BatchStats>();
  const probes = new Map(BLOCK_NAMES.map((block) => [block, blockProbe((dy) => blockGrads[walking]!.set(block, dy))]));
  const kept: { crossEntropy?: tf.Tensor1D; accuracy?: tf.Tensor1D } = {};
  const { classes } = config;

  // One auxiliary head alone (a pass of that head's loss) reaches only the layers below it: run just those.
  const headsWeighed = new Set(objectives.flatMap((objective) => HEADS.filter((head) => objective[head] !== 0)));
  const only = headsWeighed.size === 1 && !headsWeighed.has('main') ? ([...headsWeighed][0] as 'aux1' | 'aux2') : undefined;
  const recorded = () => gradientsOfEach(() => {
    const logits = forward(params, batch.x, {
      training: true,
      dropoutSeeds,
      config,
      ...(only && { only }),
      onBlock: (x, block) => probes.get(block as (typeof BLOCK_NAMES)[number])!(x),
      onBatchStats: (layer, stats) => batchStats.set(layer, { mean: tf.keep(stats.mean), variance: tf.keep(stats.variance) }),
    });
    let oneHot: tf.Tensor2D | undefined;
    const makeOneHot = () => (oneHot ??= tf.oneHot(batch.labels, classes) as tf.Tensor2D); // [b, classes]
    const ce: tf.Scalar[] = [];
    const acc: tf.Scalar[] = [];
    const losses = new Map<Head, tf.Scalar>();
    for (const head of HEADS) {
      const headLogits = logits[head];
      if (!headLogits) {
        ce.push(tf.scalar(NaN));
        acc.push(tf.scalar(NaN));
        continue;
      }
      const [loss, accuracy] = headLossAndAccuracy(headLogits, batch.labels, makeOneHot); // the mean over the batch of each
      ce.push(loss);
      acc.push(accuracy);
      losses.set(head, loss);
    }
    kept.crossEntropy = tf.keep(tf.stack(ce) as tf.Tensor1D);
    kept.accuracy = tf.keep(tf.stack(acc) as tf.Tensor1D);
    return objectives.map((objective) => {
      const terms = HEADS.filter((head) => objective[head] !== 0).map((head) => {
        const loss = losses.get(head);
        if (!loss) throw new Error(`the objective weighs ${head}, which this configuration does not compute`);
        return objective[head] === 1 ? loss : tf.mul(loss, objective[head]);
      });
      return (terms.length === 1 ? terms[0]! : tf.addN(terms)) as tf.Scalar;
    });
  }, params.trainable, (k) => (walking = k));
  let result: ReturnType<typeof recorded>;
  try {
    result = recorded();
  } catch (error) {
    // What the forward kept for the passes goes with it.
    tf.dispose([kept.crossEntropy, kept.accuracy, ...blockGrads.flatMap((m) => [...m.values()])].filter((t) => t !== undefined));
    for (const stats of batchStats.values()) tf.dispose([stats.mean, stats.variance]);
    throw error;
  }
  const { values, grads } = result;
  tf.dispose(values);

  const stats = [...batchStats];
  return objectives.map((_, k) => ({
    grads: params.trainable.map((v, i) => grads[k]![i] ?? tf.zerosLike(v)).map((g) => tf.keep(g)),
    blockGrads: BLOCK_NAMES.map((block) => blockGrads[k]!.get(block) ?? null),
    crossEntropy: k === 0 ? kept.crossEntropy! : tf.keep(tf.clone(kept.crossEntropy!)),
    accuracy: k === 0 ? kept.accuracy! : tf.keep(tf.clone(kept.accuracy!)),
    batchStats: k === 0 ? batchStats : new Map(stats.map(([layer, s]) => [layer, { mean: tf.keep(tf.clone(s.mean)), variance: tf.keep(tf.clone(s.variance)) }])),
  }));
}

/** An identity on the block's output that hands the gradient flowing back through it to `sink`. */
function blockProbe(sink: (dy: tf.Tensor) => void): (x: tf.Tensor) => tf.Tensor {
  return tf.customGrad(((x: tf.Tensor) => ({
    value: tf.clone(x),
    gradFunc: (dy: tf.Tensor) => {
      sink(tf.keep(tf.clone(dy)));
      return tf.clone(dy);
    },
  })) as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor) => tf.Tensor;
}

/** Disposes every tensor a pass kept. */
export function disposePass(pass: PassResult): void {
  tf.dispose(pass.grads);
  tf.dispose(pass.blockGrads.filter((g): g is tf.Tensor => g !== null));
  tf.dispose([pass.crossEntropy, pass.accuracy]);
  for (const stats of pass.batchStats.values()) tf.dispose([stats.mean, stats.variance]);
}
