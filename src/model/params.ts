import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../train/rng';
import type { Architecture, LayerInfo } from './architecture';
import type { Init } from './config';

/** The variables of one weighted layer. */
export interface LayerParams {
  readonly info: LayerInfo;
  /** conv [kh, kw, in, out]; dense [in, out]. */
  readonly kernel: tf.Variable;
  /** [out]; absent when the layer has batch norm. */
  readonly bias?: tf.Variable;
  /** Batch norm scale and offset [out], trainable. */
  readonly gamma?: tf.Variable;
  readonly beta?: tf.Variable;
  /** Batch norm running statistics [out], not trainable. */
  readonly movingMean?: tf.Variable;
  readonly movingVariance?: tf.Variable;
}

/** All variables of a model. `trainable` lists, layer by layer: kernel, then bias or gamma, beta. */
export interface ModelParams {
  readonly arch: Architecture;
  readonly layers: ReadonlyMap<string, LayerParams>;
  readonly trainable: readonly tf.Variable[];
  /** For each trainable variable, the index of its layer in arch.layers. */
  readonly layerOfVariable: readonly number[];
}

function fans(info: LayerInfo): { fanIn: number; fanOut: number } {
  const k = info.kernelShape;
  if (k.length === 2) return { fanIn: k[0]!, fanOut: k[1]! };
  const receptive = k[0]! * k[1]!;
  return { fanIn: receptive * k[2]!, fanOut: receptive * k[3]! };
}

/**
 * Initial kernel values of one layer. Each layer draws from its own stream named by the
 * seed and the layer's name, so a layer's initial weights do not depend on which other
 * layers (auxiliary heads) exist: two models built from one seed share their trunk.
 */
export function initialKernel(info: LayerInfo, init: Init, seed: number): Float32Array {
  const size = info.kernelShape.reduce((a, b) => a * b, 1);
  const rng = Rng.forStream(seed, `init:${info.name}`);
  const { fanIn, fanOut } = fans(info);
  const values = new Float32Array(size);
  if (init === 'glorot-uniform') {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    for (let i = 0; i < size; i++) values[i] = rng.uniform(-limit, limit);
  } else {
    // He normal as Keras draws it: a normal truncated at two standard deviations, with the
    // spread corrected so that the variance is 2 / fanIn.
    const std = Math.sqrt(2 / fanIn) / 0.8796256610342398;
    for (let i = 0; i < size; i++) {
      let z = rng.normal();
      while (Math.abs(z) > 2) z = rng.normal();
      values[i] = z * std;
    }
  }
  return values;
}

/** Creates the variables of every layer of `arch`, initialised from `seed`. */
export function createParams(arch: Architecture, seed: number): ModelParams {
  const layers = new Map<string, LayerParams>();
  const trainable: tf.Variable[] = [];
  const layerOfVariable: number[] = [];
  arch.layers.forEach((info, index) => {
    const out = info.kernelShape[info.kernelShape.length - 1]!;
    // Variables outlive a tidy; the tensors they start from do not.
    const kernel = tf.tidy(() => tf.variable(tf.tensor(initialKernel(info, arch.config.init, seed), [...info.kernelShape]), true));
    const add = (v: tf.Variable): tf.Variable => {
      trainable.push(v);
      layerOfVariable.push(index);
      return v;
    };
    add(kernel);
    if (info.batchNorm) {
      const params: LayerParams = {
        info,
        kernel,
        gamma: add(tf.tidy(() => tf.variable(tf.ones([out]), true))),
        beta: add(tf.tidy(() => tf.variable(tf.zeros([out]), true))),
        movingMean: tf.tidy(() => tf.variable(tf.zeros([out]), false)),
        movingVariance: tf.tidy(() => tf.variable(tf.ones([out]), false)),
      };
      layers.set(info.name, params);
    } else {
      layers.set(info.name, { info, kernel, bias: add(tf.tidy(() => tf.variable(tf.zeros([out]), true))) });
    }
  });
  return { arch, layers, trainable, layerOfVariable };
}

/** Sets every layer's kernel and bias from plain arrays (tfjs layouts), e.g. from a probe file. */
export function assignWeights(params: ModelParams, weights: Readonly<Record<string, { kernel: ArrayLike<number>; bias?: ArrayLike<number> }>>): void {
  for (const [name, layer] of params.layers) {
    const given = weights[name];
    if (!given) throw new Error(`no weights given for layer ${name}`);
    tf.tidy(() => {
      layer.kernel.assign(tf.tensor(Array.from(given.kernel), layer.kernel.shape));
      if (layer.bias && given.bias) layer.bias.assign(tf.tensor(Array.from(given.bias), layer.bias.shape));
    });
  }
}

/** Every variable of the model, trainable or not. */
export function allVariables(params: ModelParams): tf.Variable[] {
  const moving = [...params.layers.values()].flatMap((l) => [l.movingMean, l.movingVariance]).filter((v): v is tf.Variable => v !== undefined);
  return [...params.trainable, ...moving];
}

export function disposeParams(params: ModelParams): void {
  for (const v of allVariables(params)) v.dispose();
}
