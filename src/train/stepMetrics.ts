import * as tf from '@tensorflow/tfjs-core';
import type { ModelParams } from '../model/params';
import { HEADS } from './frame';
import type { PassResult } from './gradients';
import { partsOf, sizeOf, type PerVariable } from './perVariable';
import { groupMagnitudes, groupMagnitudesOfFlat } from './reductions';
import type { MagnitudeOutput } from './backends/wasmReductions';

/** The variables (indices into params.trainable) of each layer, in layer order. */
export function variablesByLayer(params: ModelParams): number[][] {
  const out: number[][] = params.arch.layers.map(() => []);
  params.layerOfVariable.forEach((layer, v) => out[layer]!.push(v));
  return out;
}

/** Elementwise sum of the tensors that are present; null when none is. */
export function sumPresent(tensors: readonly (tf.Tensor | null)[]): tf.Tensor | null {
  const present = tensors.filter((t): t is tf.Tensor => t !== null);
  if (present.length === 0) return null;
  return present.length === 1 ? present[0]! : tf.addN(present);
}

/**
 * groupMagnitudes of each layer's variables, from values given per variable or flat: with
 * 'stats' [layers, 4] (of gradients: gradNorm, gradRms, gradMeanAbs, gradMaxAbs), with
 * 'norm' [layers]. A flat vector is reduced as it is when each layer's variables lie
 * together in it, in layer order (as params.trainable lists them); otherwise it is cut
 * into its variables first.
 */
export function magnitudesByLayer(byLayer: readonly number[][], values: PerVariable, output: MagnitudeOutput): tf.Tensor {
  const order = byLayer.flat();
  if ('flat' in values && order.length === values.shapes.length && order.every((v, i) => v === i)) {
    return groupMagnitudesOfFlat(values.flat, byLayer.map((vars) => vars.reduce((n, v) => n + sizeOf(values.shapes[v]!), 0)), output);
  }
  return tf.tidy(() => {
    const parts = partsOf(values);
    return groupMagnitudes(byLayer.map((vars) => vars.map((v) => parts[v]!)), output);
  });
}

/**
 * [blocks]: RMS of the gradient at each block output; 0 where no gradient reaches it. The
 * blocks are reduced together (groupMagnitudes: on the GPU backends a few dozen launches for
 * all of them, not eight per block; on wasm its one kernel per block, as rms).
 */
export function blockGradientRms(blockGrads: readonly (tf.Tensor | null)[]): tf.Tensor1D {
  const present = blockGrads.filter((g): g is tf.Tensor => g !== null);
  if (present.length === 0) return tf.zeros([blockGrads.length]);
  return tf.tidy(() => {
    const values = groupMagnitudes(present.map((g) => [g]), 'rms') as tf.Tensor1D; //    [blocks reached]
    if (present.length === blockGrads.length) return values;
    // A block no gradient reaches reads the zero after the others.
    let next = 0;
    const index = blockGrads.map((g) => (g ? next++ : present.length));
    return tf.gather(tf.concat([values, tf.zeros([1])]), tf.tensor1d(index, 'int32')) as tf.Tensor1D;
  });
}

/**
 * Per-head contributions: [head][layer] gradient norms, then [head][block] activation
 * gradient RMS, heads in HEADS order. A head without a pass (off, or weight 0)
 * contributes exactly zero. `grads`: each pass's weight gradients as the caller already
 * has them (flat, say); the pass's own, one per variable, where absent.
 */
export function perHeadContributions(byLayer: readonly number[][], passes: ReadonlyMap<string, PassResult>, blocks: number, grads?: ReadonlyMap<string, PerVariable>): tf.Tensor1D {
  const norms: tf.Tensor[] = [];
  const acts: tf.Tensor[] = [];
  for (const head of HEADS) {
    const pass = passes.get(head);
    if (!pass) {
      norms.push(tf.zeros([byLayer.length]));
      acts.push(tf.zeros([blocks]));
      continue;
    }
    norms.push(magnitudesByLayer(byLayer, grads?.get(head) ?? { parts: pass.grads }, 'norm'));
    acts.push(blockGradientRms(pass.blockGrads));
  }
  return tf.concat([...norms, ...acts]) as tf.Tensor1D;
}
