import * as tf from '@tensorflow/tfjs-core';
import { forward, type BatchStats } from '../model/forward';
import { BLOCK_NAMES } from '../model/googlenet';
import type { ModelConfig } from '../model/config';
import type { ModelParams } from '../model/params';
import { headLossAndAccuracy } from './backends/gpuLoss';
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
  const blockGrads = new Map<string, tf.Tensor>();
  const batchStats = new Map<string, BatchStats>();
  const probes = new Map(BLOCK_NAMES.map((block) => [block, blockProbe(block, blockGrads)]));
  const kept: { crossEntropy?: tf.Tensor1D; accuracy?: tf.Tensor1D } = {};
  const { classes } = config;

  // One auxiliary head alone (a per-head pass) reaches only the layers below it: run just those.
  const alone = objective.main === 0 ? (['aux1', 'aux2'] as const).filter((h) => objective[h] !== 0) : [];
  const only = alone.length === 1 ? alone[0] : undefined;
  const { grads } = tf.variableGrads(() => {
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
    const terms: tf.Scalar[] = [];
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
      if (objective[head] !== 0) terms.push(objective[head] === 1 ? loss : tf.mul(loss, objective[head]));
    }
    kept.crossEntropy = tf.keep(tf.stack(ce) as tf.Tensor1D);
    kept.accuracy = tf.keep(tf.stack(acc) as tf.Tensor1D);
    if (terms.length === 0) throw new Error('the objective has no head with a non-zero weight');
    return (terms.length === 1 ? terms[0]! : tf.addN(terms)) as tf.Scalar;
  }, params.trainable as tf.Variable[]);

  return {
    grads: params.trainable.map((v) => tf.keep(grads[v.name] ?? tf.zerosLike(v))),
    blockGrads: BLOCK_NAMES.map((block) => blockGrads.get(block) ?? null),
    crossEntropy: kept.crossEntropy!,
    accuracy: kept.accuracy!,
    batchStats,
  };
}

/** An identity on the block's output that stores the gradient flowing back through it. */
function blockProbe(block: string, sink: Map<string, tf.Tensor>): (x: tf.Tensor) => tf.Tensor {
  return tf.customGrad(((x: tf.Tensor) => ({
    value: tf.clone(x),
    gradFunc: (dy: tf.Tensor) => {
      sink.set(block, tf.keep(tf.clone(dy)));
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
