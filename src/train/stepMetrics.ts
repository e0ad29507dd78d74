import * as tf from '@tensorflow/tfjs-core';
import type { ModelParams } from '../model/params';
import { HEADS } from './frame';
import type { PassResult } from './gradients';
import { partsOf, sizeOf, type PerVariable } from './perVariable';
import { groupMagnitudes, groupMagnitudesOfFlats } from './reductions';
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
  return magnitudesByLayerOfEach(byLayer, [values], output);
}

/**
 * magnitudesByLayer of each of `values` (the same variables), one after the other:
 * [values x layers, 4] or [values x layers]. Flat vectors in layer order are reduced
 * together, in the launches of one (groupMagnitudesOfFlats).
 */
export function magnitudesByLayerOfEach(byLayer: readonly number[][], values: readonly PerVariable[], output: MagnitudeOutput): tf.Tensor {
  const order = byLayer.flat();
  const inOrder = (v: PerVariable): v is Extract<PerVariable, { flat: tf.Tensor1D }> => 'flat' in v && order.length === v.shapes.length && order.every((x, i) => x === i);
  if (values.every(inOrder)) {
    const shapes = values[0]!.shapes;
    return groupMagnitudesOfFlats(values.map((v) => v.flat), byLayer.map((vars) => vars.reduce((n, v) => n + sizeOf(shapes[v]!), 0)), output);
  }
  return tf.tidy(() => groupMagnitudes(values.flatMap((v) => {
    const parts = partsOf(v);
    return byLayer.map((vars) => vars.map((i) => parts[i]!));
  }), output));
}

/**
 * [blocks]: RMS of the gradient at each block output; 0 where no gradient reaches it. The
 * blocks are reduced together (groupMagnitudes: on the GPU backends a few dozen launches for
 * all of them, not eight per block; on wasm its one kernel per block, as rms).
 */
export function blockGradientRms(blockGrads: readonly (tf.Tensor | null)[]): tf.Tensor1D {
  return blockGradientRmsOfEach([blockGrads]);
}

/** blockGradientRms of each pass's block gradients, one after the other, all reduced together: [passes x blocks]. */
export function blockGradientRmsOfEach(blockGrads: readonly (readonly (tf.Tensor | null)[])[]): tf.Tensor1D {
  const all = blockGrads.flat();
  const present = all.filter((g): g is tf.Tensor => g !== null);
  if (present.length === 0) return tf.zeros([all.length]);
  return tf.tidy(() => {
    const values = groupMagnitudes(present.map((g) => [g]), 'rms') as tf.Tensor1D; //    [blocks reached]
    return spreadOverSlots(values, all.map((g) => g !== null), 1);
  });
}

/**
 * `values`, `width` numbers for each slot that is present, spread over all the slots in
 * order: a slot not present reads zeros (the zero placed after the values). `values` itself
 * where every slot is present.
 */
function spreadOverSlots(values: tf.Tensor1D, present: readonly boolean[], width: number): tf.Tensor1D {
  if (present.every(Boolean)) return values;
  let next = 0;
  const index = present.flatMap((here) => Array.from({ length: width }, () => (here ? next++ : values.size)));
  return tf.gather(tf.concat([values, tf.zeros([1])]), tf.tensor1d(index, 'int32')) as tf.Tensor1D;
}

/**
 * Per-head contributions: [head][layer] gradient norms, then [head][block] activation
 * gradient RMS, heads in HEADS order. A head without a pass (off, or weight 0)
 * contributes exactly zero. `grads`: each pass's weight gradients as the caller already
 * has them (flat, say); the pass's own, one per variable, where absent. All heads' norms
 * are reduced together, and all their blocks'.
 */
export function perHeadContributions(byLayer: readonly number[][], passes: ReadonlyMap<string, PassResult>, blocks: number, grads?: ReadonlyMap<string, PerVariable>): tf.Tensor1D {
  const heads = HEADS.filter((head) => passes.has(head));
  if (heads.length === 0) return tf.zeros([HEADS.length * (byLayer.length + blocks)]);
  return tf.tidy(() => {
    const norms = magnitudesByLayerOfEach(byLayer, heads.map((head) => grads?.get(head) ?? { parts: passes.get(head)!.grads }), 'norm'); // [heads with a pass x layers]
    const noBlocks: null[] = Array.from({ length: blocks }, () => null);
    // A head without a pass has no block gradients: zeros, as blockGradientRmsOfEach gives where none reaches.
    const acts = blockGradientRmsOfEach(HEADS.map((head) => passes.get(head)?.blockGrads ?? noBlocks)); // [3 x blocks]
    // The norms of a head without a pass are zeros.
    return tf.concat([spreadOverSlots(norms as tf.Tensor1D, HEADS.map((head) => passes.has(head)), byLayer.length), acts]) as tf.Tensor1D;
  });
}
