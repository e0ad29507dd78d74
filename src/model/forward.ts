import * as tf from '@tensorflow/tfjs-core';
import { batchNormTraining } from './batchNorm';
import type { Activation, ModelConfig } from './config';
import { auxiliaryOnly, googlenet, type HeadOutputs } from './googlenet';
import type { HeadName, NetOps } from './ops';
import type { LayerParams, ModelParams } from './params';
import { PACKED_FILTER_KERNEL, RELU_CONCAT_KERNEL } from '../train/backends/kernelNames';

/** Batch norm's epsilon (Keras's default). */
export const BN_EPSILON = 1e-3;
/** Batch norm's moving-average momentum (Keras's default). */
export const BN_MOMENTUM = 0.99;

/** Batch statistics of one batch-norm layer in a training pass, [out] each. */
export interface BatchStats {
  readonly mean: tf.Tensor1D;
  readonly variance: tf.Tensor1D;
}

export interface ForwardOptions {
  /** Training mode: dropout on (when seeded) and batch norm on batch statistics. */
  readonly training: boolean;
  /** Dropout seed per head; null turns dropout off (evaluation, probes). */
  readonly dropoutSeeds: Readonly<Record<HeadName, number>> | null;
  /** Called with each block output; returns the value to continue with (an identity probe, say). */
  readonly onBlock?: (x: tf.Tensor, block: string) => tf.Tensor;
  /** Receives the batch statistics of each batch-norm layer in training mode. */
  readonly onBatchStats?: (layer: string, stats: BatchStats) => void;
  /**
   * The configuration to run, when the heads differ from those the parameters were made
   * for (a head switched off or to probe mid-run); the network itself must be the same.
   */
  readonly config?: ModelConfig;
  /** Compute only this auxiliary head and the layers below it (googlenet.ts auxiliaryOnly); the other heads are absent. */
  readonly only?: 'aux1' | 'aux2';
}

function activate(x: tf.Tensor, activation: Activation): tf.Tensor {
  switch (activation) {
    case 'relu':
      return tf.relu(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'tanh':
      return tf.tanh(x);
  }
}

/** An identity whose gradient is zero: what a head in `probe` mode attaches through. */
const stopGradient = tf.customGrad(((x: tf.Tensor) => ({
  value: tf.clone(x),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as unknown as Parameters<typeof tf.customGrad>[0]);

/**
 * Backends whose FusedConv2D applies ReLU with their Relu kernel's own arithmetic, NaN kept:
 * cpu calls the same kernel function, webgl and webgpu compile the same shader snippet. There
 * a ReLU layer's activation runs inside its convolution's kernel: one kernel launch fewer per
 * layer, the same numbers. Not wasm: XNNPACK's fused ReLU is a clamp that turns some NaNs
 * into 0, which would hide a diverging run.
 */
const FUSED_RELU_BACKENDS: ReadonlySet<string> = new Set(['cpu', 'webgl', 'webgpu']);

/** Whether a convolution followed by `activation` runs as one kernel on `backend`. */
export function fusesActivation(backend: string, activation: Activation): boolean {
  return activation === 'relu' && FUSED_RELU_BACKENDS.has(backend);
}

/**
 * conv2d(x, kernel) + bias, then ReLU when `relu`, in one kernel (FusedConv2D): on wasm one
 * XNNPACK pass instead of a convolution and a broadcast add. Its gradient is the one
 * src/train/backends/convGradients.ts registers (backend selection does that); where none
 * is registered (tfjs has none of its own), the plain ops run instead, with the same values.
 */
function convPlusBias(x: tf.Tensor4D, kernel: tf.Tensor4D, bias: tf.Tensor1D, stride: number, padding: 'same' | 'valid', relu: boolean): tf.Tensor4D {
  if (!tf.getGradient('FusedConv2D')) {
    const y = tf.add<tf.Tensor4D>(tf.conv2d(x, kernel, stride, padding), bias); // [b, h', w', filters]
    return relu ? tf.relu(y) : y;
  }
  const attrs = { strides: [stride, stride], pad: padding, dataFormat: 'NHWC', dilations: [1, 1], activation: relu ? 'relu' : 'linear' };
  return tf.engine().runKernel('FusedConv2D', { x, filter: convFilter(kernel), bias }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D; // [b, h', w', filters]
}

/**
 * The filter as the convolution gets it: on webgl packed once (GradFlowPackedFilter,
 * registered with the convolutions' gradients), where tfjs's convolution and the gradient of
 * its input would each pack it; elsewhere the filter itself. The same values.
 */
function convFilter(kernel: tf.Tensor4D): tf.Tensor4D {
  if (kernel.dtype !== 'float32' || !tf.getKernel(PACKED_FILTER_KERNEL, tf.getBackend())) return kernel;
  return tf.engine().runKernel(PACKED_FILTER_KERNEL, { x: kernel }) as tf.Tensor4D;
}

/**
 * Whether an inception block's ReLUs run inside its concatenation on the active backend:
 * on wasm, where GradFlowReluConcat writes each branch's ReLU straight into the block's
 * output and its gradient reads each branch's share of dy in place
 * (src/train/backends/wasmReluConcat.ts), the same numbers as four Relu kernels and a
 * Concat. Not on the backends that fuse the ReLU into the convolution (fusesActivation).
 */
function reluInConcat(activation: Activation): boolean {
  return activation === 'relu' && tf.getKernel(RELU_CONCAT_KERNEL, tf.getBackend()) !== undefined;
}

function layer(params: ModelParams, name: string): LayerParams {
  const found = params.layers.get(name);
  if (!found) throw new Error(`the model has no layer ${name}`);
  return found;
}

/** The tensor implementation of the network's operations. */
function tensorOps(params: ModelParams, options: ForwardOptions): NetOps<tf.Tensor> {
  const { activation } = params.arch.config;
  // Convolutions whose activation their concatenation applies (`concatenated`, where
  // reluInConcat): their outputs before it, until concat takes them.
  const inConcat = reluInConcat(activation);
  const unactivated = new Set<tf.Tensor>();
  const leaveToConcat = (y: tf.Tensor): tf.Tensor => {
    unactivated.add(y);
    return y;
  };
  return {
    conv(x, spec) {
      const p = layer(params, spec.name);
      const later = inConcat && spec.concatenated === true;
      if (!p.gamma || !p.beta || !p.movingMean || !p.movingVariance) {
        const fused = !later && fusesActivation(tf.getBackend(), activation);
        const y = convPlusBias(x as tf.Tensor4D, p.kernel as tf.Tensor4D, p.bias as tf.Tensor1D, spec.stride, spec.padding, fused); // [b, h', w', filters]
        return later ? leaveToConcat(y) : fused ? y : activate(y, activation);
      }
      const y = tf.conv2d(x as tf.Tensor4D, p.kernel as tf.Tensor4D, spec.stride, spec.padding); // [b, h', w', filters]
      // Training: on the batch's mean and biased variance over batch, height, width ([filters]).
      const normalised = options.training
        ? batchNormTraining(y, p.gamma as tf.Tensor1D, p.beta as tf.Tensor1D, BN_EPSILON, (mean, variance) => options.onBatchStats?.(spec.name, { mean, variance }))
        : tf.batchNorm(y, p.movingMean as tf.Tensor1D, p.movingVariance as tf.Tensor1D, p.beta as tf.Tensor1D, p.gamma as tf.Tensor1D, BN_EPSILON);
      return later ? leaveToConcat(normalised) : activate(normalised, activation);
    },
    dense(x, spec) {
      const p = layer(params, spec.name);
      const y = tf.add(tf.matMul(x as tf.Tensor2D, p.kernel as tf.Tensor2D), p.bias!); // [b, units]
      return spec.activate ? activate(y, activation) : y;
    },
    maxPool: (x, size, stride, padding) => tf.maxPool(x as tf.Tensor4D, size, stride, padding),
    avgPool: (x, size, stride, padding) => tf.avgPool(x as tf.Tensor4D, size, stride, padding),
    globalAvgPool: (x) => tf.mean(x, [1, 2]),
    flatten: (x) => tf.reshape(x, [x.shape[0]!, -1]),
    concat(xs) {
      const tensors = xs as tf.Tensor[];
      if (tensors.length > 0 && tensors.every((t) => unactivated.has(t) && t.dtype === 'float32')) {
        for (const t of tensors) unactivated.delete(t);
        const sizes = tensors.map((t) => t.shape[t.rank - 1]!);
        return tf.engine().runKernel(RELU_CONCAT_KERNEL, tensors as unknown as tf.NamedTensorMap, { sizes } as unknown as tf.NamedAttrMap) as tf.Tensor; // [b, h, w, sum of sizes]
      }
      return tf.concat(tensors.map((t) => (unactivated.delete(t) ? activate(t, activation) : t)), 3);
    },
    dropout(x, rate, head) {
      if (!options.training || !options.dropoutSeeds) return x;
      return tf.dropout(x, rate, undefined, options.dropoutSeeds[head]);
    },
    blockOutput: (x, block) => (options.onBlock ? options.onBlock(x, block) : x),
    stopGradient: (x) => stopGradient(x),
  };
}

/** Runs the network on an NHWC batch; returns the logits of every computed head. */
export function forward(params: ModelParams, x: tf.Tensor4D, options: ForwardOptions & { only?: undefined }): HeadOutputs<tf.Tensor2D>;
export function forward(params: ModelParams, x: tf.Tensor4D, options: ForwardOptions): Partial<HeadOutputs<tf.Tensor2D>>;
export function forward(params: ModelParams, x: tf.Tensor4D, options: ForwardOptions): Partial<HeadOutputs<tf.Tensor2D>> {
  const ops = tensorOps(params, options);
  const config = options.config ?? params.arch.config;
  if (options.only) return { [options.only]: auxiliaryOnly(ops, x as tf.Tensor, config, options.only) as tf.Tensor2D };
  return googlenet(ops, x as tf.Tensor, config) as HeadOutputs<tf.Tensor2D>;
}
