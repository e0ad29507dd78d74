import * as tf from '@tensorflow/tfjs-core';
import type { AuxHead } from '../model/config';
import { flatten } from './perVariable';

/**
 * A trainer's whole state in one flat array: every variable of the model (weights, biases,
 * batch-norm statistics) then the optimizer's state, in a fixed order, plus the counters
 * that decide the next step (its batch, its dropout masks, Adam's bias correction). A new
 * trainer of the same configuration restored from it takes exactly the steps the old one
 * would have taken, on any backend. The page keeps the newest one so that training can
 * resume after the worker or its GPU context is lost.
 */
export interface TrainerCheckpoint {
  /** Steps taken (the next step is step + 1). */
  readonly step: number;
  /** Updates applied (steps that did not diverge): Adam's t. */
  readonly updatesApplied: number;
  /** The heads in use at the checkpoint. */
  readonly heads: { readonly aux1: AuxHead; readonly aux2: AuxHead };
  /** Every saved variable's values, flattened and concatenated in order. */
  readonly values: Float32Array;
}

/** The values of `variables`, flattened and concatenated: one read from the device. */
export async function readVariables(variables: readonly tf.Variable[]): Promise<Float32Array> {
  if (variables.length === 0) return new Float32Array(0);
  const flat = tf.tidy(() => flatten(variables));
  try {
    return new Float32Array(await flat.data());
  } finally {
    flat.dispose();
  }
}

/** Assigns `values` (as written by readVariables) back to `variables`; throws, changing nothing, if the sizes differ. */
export function assignVariables(variables: readonly tf.Variable[], values: Float32Array): void {
  const expected = variables.reduce((n, v) => n + v.size, 0);
  if (values.length !== expected) {
    throw new Error(`the checkpoint holds ${values.length} numbers but this model has ${expected}: it belongs to another model`);
  }
  let offset = 0;
  tf.tidy(() => {
    for (const v of variables) {
      v.assign(tf.tensor(values.subarray(offset, offset + v.size), v.shape, v.dtype));
      offset += v.size;
    }
  });
}

/** A trainer's state kept on the device (copies of its variables): a point to go back to without a read. */
export interface SavedState {
  readonly step: number;
  readonly updatesApplied: number;
  readonly heads: { readonly aux1: AuxHead; readonly aux2: AuxHead };
  /** One copy per saved variable, in order; freed with disposeState. */
  readonly copies: readonly tf.Tensor[];
}

/** Copies of `variables`, kept (not tidied away). */
export function copyVariables(variables: readonly tf.Variable[]): tf.Tensor[] {
  return variables.map((v) => tf.keep(tf.clone(v)));
}

/** Frees a saved state's copies. */
export function disposeState(state: SavedState): void {
  tf.dispose([...state.copies]);
}
