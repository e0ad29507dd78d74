import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../../src/model/config';
import { forward } from '../../src/model/forward';
import type { ModelParams } from '../../src/model/params';
import { dropoutSeeds } from '../../src/train/trainer';
import { HEADS } from '../../src/train/frame';
import { backwardPass, disposePass, trainingObjective, type Batch } from '../../src/train/gradients';
import type { Optimizer } from '../../src/train/optimizer';

/** One batch on the host, as the trainer keeps it between steps. */
export interface HostBatch {
  readonly images: Float32Array; // b * 32 * 32 * c
  readonly labels: Int32Array; //   [b]
  readonly shape: readonly [number, number, number, number]; // [b, 32, 32, c]
}

function upload(batch: HostBatch): Batch {
  return { x: tf.tensor4d(batch.images, [...batch.shape]), labels: tf.tensor1d(batch.labels, 'int32') };
}

/**
 * A plain training step: the batch uploaded as the trainer does it, forward and backward
 * of the training objective (main + w1 aux1 + w2 aux2) with the engine's backwardPass, and
 * the engine's optimizer update. No metrics and no per-layer reductions. To know the step
 * has finished, the total loss (one scalar) is read back once and returned.
 *
 * What it still does beyond the bare minimum, because the engine's pieces do it:
 * backwardPass keeps an identity probe's copy of each block-output gradient and each
 * head's cross-entropy and batch accuracy ([3] each); Optimizer.apply guards the update
 * with an always-true `ok` and returns each variable's change (both elementwise, cheap).
 * Batch-norm running statistics are not updated (the default preset has no batch norm).
 */
export async function plainStep(params: ModelParams, optimizer: Optimizer, batch: HostBatch, config: ModelConfig, step: number, learningRate: number, seed: number): Promise<number> {
  const loss = tf.tidy(() => {
    const pass = backwardPass(params, upload(batch), trainingObjective(config), dropoutSeeds(seed, step), config);
    const objective = trainingObjective(config);
    const weights = tf.tensor1d(HEADS.map((h) => objective[h])); //                       [3]
    const total = tf.sum(tf.mul(tf.where(tf.isNaN(pass.crossEntropy), tf.zerosLike(pass.crossEntropy), pass.crossEntropy), weights)); // sum of w_h CE_h
    optimizer.apply(params.trainable, { parts: pass.grads }, tf.scalar(true, 'bool'), learningRate, step);
    disposePass(pass);
    return total;
  });
  const value = (await loss.data())[0]!;
  loss.dispose();
  return value;
}

/**
 * A forward pass of the batch in training mode (dropout on, as in a step), every head
 * computed. One scalar (the sum of the main logits) is read back to know it has finished.
 */
export async function forwardOnly(params: ModelParams, batch: HostBatch, config: ModelConfig, step: number, seed: number): Promise<number> {
  const probe = tf.tidy(() => {
    const logits = forward(params, upload(batch).x, { training: true, dropoutSeeds: dropoutSeeds(seed, step), config });
    return tf.sum(logits.main);
  });
  const value = (await probe.data())[0]!;
  probe.dispose();
  return value;
}
