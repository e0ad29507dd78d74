import * as tf from '@tensorflow/tfjs-core';
import { describe, type Architecture } from '../model/architecture';
import type { AuxHead, ModelConfig } from '../model/config';
import { BN_MOMENTUM, forward } from '../model/forward';
import { allVariables, createParams, disposeParams, type ModelParams } from '../model/params';
import type { TrainingSettings } from '../shared/runFile';
import { BatchStream } from './batches';
import { assignVariables, copyVariables, readVariables, type SavedState, type TrainerCheckpoint } from './checkpoint';
import type { Dataset } from './datasets';
import { gatherBatch, splitImages } from './datasets';
import { firstNonFinite } from './divergence';
import { frameFromData, HEADS, type FrameShape, type Head, type StepFrame } from './frame';
import { backwardPass, backwardPasses, disposePass, headObjective, trainingObjective, type Batch, type PassResult } from './gradients';
import { Optimizer } from './optimizer';
import { flatten, type PerVariable } from './perVariable';
import { streamSeed } from './rng';
import { blockGradientRms, magnitudesByLayer, magnitudesByLayerOfEach, perHeadContributions, sumPresent, variablesByLayer } from './stepMetrics';

export interface TrainerOptions {
  readonly config: ModelConfig;
  readonly training: TrainingSettings;
  readonly dataset: Dataset;
}

/** How many evaluation images go through the network at once: the wasm heap never shrinks, so its peak is what a tab keeps (500 images at once: 2.5 GB; 32: 0.2 GB). */
const EVAL_CHUNK = 32;

/** Dropout seeds of step `step`: one stream per head, so heads never shift each other's masks. */
export function dropoutSeeds(seed: number, step: number): Record<Head, number> {
  return { main: streamSeed(seed, `dropout:main:${step}`), aux1: streamSeed(seed, `dropout:aux1:${step}`), aux2: streamSeed(seed, `dropout:aux2:${step}`) };
}

/** The configuration with both auxiliary heads built (their parameters exist even while off). */
function withAllHeads(config: ModelConfig): ModelConfig {
  return { ...config, aux1: { ...config.aux1, mode: 'loss' }, aux2: { ...config.aux2, mode: 'loss' } };
}

/**
 * Trains one GoogLeNet with a custom loop and measures every number of the metrics
 * contract on every step. It knows nothing of workers or files: each step resolves to a
 * StepFrame whose numbers were reduced on the device and read back in one transfer.
 *
 * Both auxiliary heads always have parameters and a place in every frame, so that a head
 * can be switched on, off or to probe mid-run (setHeads) and two models of a comparison
 * list the same layers. A head that is off is not computed: its layers' gradients are 0,
 * its loss NaN, and its weights do not move.
 */
export class Trainer {
  /** Every layer, aux heads included, in frame order. */
  readonly arch: Architecture;
  readonly shape: FrameShape;
  private readonly params: ModelParams;
  private readonly optimizer: Optimizer;
  private readonly batches: BatchStream;
  private readonly byLayer: number[][];
  private readonly images: Float32Array;
  private readonly labels: Int32Array;
  private readonly evalSet: { x: tf.Tensor4D; labels: tf.Tensor1D };
  private stepsDone = 0;
  private updatesApplied = 0;
  private current: ModelConfig;

  constructor(private readonly options: TrainerOptions) {
    const { config, training, dataset } = options;
    if (config.channels !== dataset.channels) throw new Error(`the model takes ${config.channels} channel(s) but ${dataset.name} has ${dataset.channels}`);
    if (config.inputSize !== dataset.size) throw new Error(`the model takes ${config.inputSize}x${config.inputSize} images but ${dataset.name} has ${dataset.size}x${dataset.size}`);
    this.current = config;
    this.arch = describe(withAllHeads(config));
    this.shape = { layers: this.arch.layers.length, blocks: this.arch.blocks.length };
    this.params = createParams(this.arch, training.seed);
    this.byLayer = variablesByLayer(this.params);
    this.optimizer = new Optimizer(training.optimizer, training.momentum);
    this.batches = new BatchStream(training.seed, dataset.train.count, training.batchSize);
    const pixels = dataset.size * dataset.size * dataset.channels;
    this.images = new Float32Array(training.batchSize * pixels);
    this.labels = new Int32Array(training.batchSize);
    const evalCount = Math.min(training.evalSize, dataset.eval.count);
    this.evalSet = {
      x: tf.tensor4d(splitImages(dataset.eval, 0, evalCount), [evalCount, dataset.size, dataset.size, dataset.channels]),
      labels: tf.tensor1d(Int32Array.from(dataset.eval.labels.subarray(0, evalCount)), 'int32'),
    };
  }

  /** Steps taken so far. */
  get step(): number {
    return this.stepsDone;
  }

  /** The configuration the next step runs (heads as last set). */
  get config(): ModelConfig {
    return this.current;
  }

  /** Switches the auxiliary heads (mode and weight) from the next step on; weights are kept. */
  setHeads(aux1: AuxHead, aux2: AuxHead): void {
    this.current = { ...this.current, aux1, aux2 };
  }

  /** The model's parameters (for probes and tests; the trainer keeps ownership). */
  get modelParams(): ModelParams {
    return this.params;
  }

  /** Every variable a checkpoint saves, in its order: the model's, then the optimizer's state. */
  private savedVariables(): tf.Variable[] {
    return [...allVariables(this.params), ...this.optimizer.stateVariables(this.params.trainable)];
  }

  /** The trainer's state now (one read from the device); call between steps. */
  async checkpoint(): Promise<TrainerCheckpoint> {
    const values = await readVariables(this.savedVariables());
    const { aux1, aux2 } = this.current;
    return { step: this.stepsDone, updatesApplied: this.updatesApplied, heads: { aux1, aux2 }, values };
  }

  /** Takes up the state of a checkpoint of a trainer of the same configuration; the next step is checkpoint.step + 1. */
  restore(checkpoint: TrainerCheckpoint): void {
    assignVariables(this.savedVariables(), checkpoint.values);
    this.stepsDone = checkpoint.step;
    this.updatesApplied = checkpoint.updatesApplied;
    this.setHeads(checkpoint.heads.aux1, checkpoint.heads.aux2);
  }

  /** The trainer's state now, copied on the device (no read): free it with disposeState. */
  saveState(): SavedState {
    const { aux1, aux2 } = this.current;
    return { step: this.stepsDone, updatesApplied: this.updatesApplied, heads: { aux1, aux2 }, copies: copyVariables(this.savedVariables()) };
  }

  /** Goes back to a state saved by saveState (which stays valid); the step count is the state's. */
  loadState(state: SavedState): void {
    const variables = this.savedVariables();
    if (state.copies.length !== variables.length) throw new Error('the saved state belongs to another model');
    variables.forEach((v, i) => v.assign(state.copies[i]!));
    this.stepsDone = state.step;
    this.updatesApplied = state.updatesApplied;
    this.setHeads(state.heads.aux1, state.heads.aux2);
  }

  /**
   * Moves the step count forward without training, so that a model that sat out steps
   * (paused after diverging) takes the same batch as its partner when it goes on.
   */
  skipTo(step: number): void {
    if (!(Number.isInteger(step) && step >= this.stepsDone)) throw new Error(`cannot skip back from step ${this.stepsDone} to ${step}`);
    this.stepsDone = step;
  }

  /** Runs one training step and resolves to its frame. A diverged step changes no weight. */
  async trainStep(learningRate = this.options.training.learningRate): Promise<StepFrame> {
    const { training, dataset } = this.options;
    const step = this.stepsDone + 1;
    gatherBatch(dataset.train, this.batches.indices(step), this.images, this.labels);
    const perHead = (step - 1) % training.perHeadEvery === 0;
    const evaluated = step % training.evalEvery === 0;
    const result = tf.tidy(() => {
      const batch: Batch = {
        x: tf.tensor4d(this.images, [training.batchSize, dataset.size, dataset.size, dataset.channels]),
        labels: tf.tensor1d(this.labels, 'int32'),
      };
      return this.measuredStep(batch, step, perHead, evaluated, learningRate);
    });
    const data = new Float32Array(await result.data());
    result.dispose();
    this.stepsDone = step;
    const diverged = firstNonFinite(this.arch, this.current, data, this.shape);
    if (!diverged) this.updatesApplied += 1;
    return frameFromData(step, data, this.shape, { perHead, evaluated, diverged });
  }

  /** The body of a step, inside one tidy: passes, update, every reduction, one flat tensor. */
  private measuredStep(batch: Batch, step: number, perHead: boolean, evaluated: boolean, learningRate: number): tf.Tensor1D {
    const seeds = dropoutSeeds(this.options.training.seed, step);
    const config = this.current;
    const objective = trainingObjective(config);
    const passes = new Map<Head, PassResult>();
    if (perHead) {
      const heads = HEADS.filter((head) => objective[head] !== 0);
      const each = backwardPasses(this.params, batch, heads.map((head) => headObjective(config, head)), seeds, config); // one forward
      heads.forEach((head, k) => passes.set(head, each[k]!));
    } else {
      passes.set('main', backwardPass(this.params, batch, objective, seeds, config));
    }
    const all = [...passes.values()];
    const first = all[0]!;
    // Flat where the optimizer updates all variables at once: each pass's gradients joined
    // once, for the per-head norms, their sum, its magnitudes and the update.
    let passGrads: Map<Head, PerVariable>;
    let grads: PerVariable;
    if (this.optimizer.updatesFlat) {
      const shapes = this.params.trainable.map((v) => v.shape);
      const flat = new Map([...passes].map(([head, pass]) => [head, { flat: flatten(pass.grads), shapes }]));
      passGrads = flat;
      grads = { flat: sumPresent([...flat.values()].map((g) => g.flat)) as tf.Tensor1D, shapes };
    } else {
      passGrads = new Map([...passes].map(([head, pass]) => [head, { parts: pass.grads }]));
      grads = { parts: this.params.trainable.map((_, v) => sumPresent(all.map((p) => p.grads[v]!))!) };
    }
    const blockGrads = this.arch.blocks.map((_, b) => sumPresent(all.map((p) => p.blockGrads[b]!)));

    const weights = tf.tensor1d(HEADS.map((h) => objective[h]));
    const active = tf.tensor1d(HEADS.map((h) => (h === 'main' || config[h].mode !== 'off' ? 1 : 0)));
    const totalLoss = tf.sum(tf.mul(tf.where(tf.cast(active, 'bool'), first.crossEntropy, tf.zerosLike(first.crossEntropy)), weights)); // sum of w_h CE_h
    const gradStats = magnitudesByLayer(this.byLayer, grads, 'stats'); //                       [layers, 4]
    const blockRms = blockGradientRms(blockGrads); //                                           [blocks]
    const measured = tf.concat([tf.reshape(totalLoss, [1]), tf.reshape(gradStats, [-1]), blockRms]);
    const ok = tf.all(tf.isFinite(measured)) as tf.Scalar; // the step is applied only if every number is finite

    const frozen = this.params.layerOfVariable.map((layer) => {
      const head = this.arch.layers[layer]!.head;
      return head !== 'main' && config[head].mode === 'off';
    });
    const update = this.optimizer.apply(this.params.trainable, grads, ok, learningRate, this.updatesApplied + 1, frozen);
    this.updateMovingStatistics(first, ok);
    const [weightNorm, updateNorm] = tf.split(magnitudesByLayerOfEach(this.byLayer, [update.weights, update.delta], 'norm'), 2); // [layers] each
    const updateRatio = tf.div(updateNorm!, weightNorm!); //                                      [layers]
    const layerTable = tf.concat([gradStats, tf.stack([weightNorm!, updateRatio], 1)], 1); //     [layers, 6]

    const parts: tf.Tensor[] = [
      tf.concat([first.crossEntropy, tf.reshape(totalLoss, [1])]), //                             [4]
      first.accuracy, //                                                                          [3]
      tf.reshape(layerTable, [-1]),
      blockRms, //                                                                                [blocks]
    ];
    if (perHead) parts.push(perHeadContributions(this.byLayer, passes, this.arch.blocks.length, passGrads));
    if (evaluated) parts.push(this.evalAccuracy());
    const out = tf.concat(parts.map((p) => tf.cast(p, 'float32'))) as tf.Tensor1D;
    for (const pass of all) disposePass(pass);
    return out;
  }

  /** Batch norm's running statistics follow the batch's, unless the step diverged. */
  private updateMovingStatistics(pass: PassResult, ok: tf.Scalar): void {
    for (const [name, stats] of pass.batchStats) {
      const layer = this.params.layers.get(name)!;
      const blend = (moving: tf.Variable, batch: tf.Tensor): void => {
        moving.assign(tf.where(ok, tf.add(tf.mul(moving, BN_MOMENTUM), tf.mul(batch, 1 - BN_MOMENTUM)), moving));
      };
      blend(layer.movingMean!, stats.mean);
      blend(layer.movingVariance!, stats.variance);
    }
  }

  /** [3]: held-out accuracy of each head (NaN for a head that is off), in evaluation mode. */
  private evalAccuracy(): tf.Tensor1D {
    const { x, labels } = this.evalSet;
    const count = x.shape[0];
    const config = this.current;
    let correct: tf.Tensor1D = tf.zeros([HEADS.length]); //                                [3] images right per head
    for (let start = 0; start < count; start += EVAL_CHUNK) {
      const size = Math.min(EVAL_CHUNK, count - start);
      // Each chunk in its own tidy: only its three counts outlive it, not its activations.
      const chunk = tf.tidy(() => {
        const xs = tf.slice(x, [start, 0, 0, 0], [size, -1, -1, -1]);
        const ys = tf.slice(labels, [start], [size]);
        const logits = forward(this.params, xs, { training: false, dropoutSeeds: null, config });
        return tf.stack(HEADS.map((head) => {
          const l = logits[head];
          return l ? tf.sum(tf.cast(tf.equal(tf.argMax(l, 1), ys), 'float32')) : tf.scalar(0);
        })) as tf.Tensor1D;
      });
      correct = tf.add(correct, chunk);
    }
    const on = tf.tensor1d(HEADS.map((h) => (h === 'main' || config[h].mode !== 'off' ? 1 : 0)), 'bool');
    return tf.where(on, tf.div(correct, count), tf.fill([HEADS.length], NaN)) as tf.Tensor1D;
  }

  dispose(): void {
    disposeParams(this.params);
    this.optimizer.dispose();
    tf.dispose([this.evalSet.x, this.evalSet.labels]);
  }
}
