import * as tf from '@tensorflow/tfjs-core';
import type { ModelParams } from '../model/params';
import { HEADS, type Head } from './frame';
import { backwardPasses, disposePass, headObjective, trainingObjective, type Batch, type PassResult } from './gradients';
import { blockGradientRms, magnitudesByLayer, variablesByLayer } from './stepMetrics';

type PerHead = { main: number; aux1: number; aux2: number; total: number };

/** One batch's gradients taken apart by head, without dropout and without an update. */
export interface ProbeResult {
  /** Cross-entropy of each head before weighting (NaN for a head that is off), and the weighted total. */
  readonly losses: PerHead;
  /** Per layer: ||d (w_h CE_h) / d theta_L||_2 for each head, and of the whole loss. */
  readonly gradNorm: Readonly<Record<string, PerHead>>;
  /** Per block: RMS of d (w_h CE_h) / d (block output) for each head, and of the whole loss. */
  readonly actGradRms: Readonly<Record<string, PerHead>>;
}

/**
 * Runs one backward pass per head and one of the whole objective on `batch`, from one
 * forward pass (dropout off, batch norm on batch statistics as in training), and reads
 * every number back in one transfer.
 * A head that is off, or weighted 0, contributes exactly 0.
 */
export async function probeGradients(params: ModelParams, batch: Batch): Promise<ProbeResult> {
  const { layers, blocks } = params.arch;
  const byLayer = variablesByLayer(params);
  const config = params.arch.config;
  const objective = trainingObjective(config);
  const flat = tf.tidy(() => {
    const keys = ['total', ...HEADS.filter((head) => objective[head] !== 0)] as const;
    const each = backwardPasses(params, batch, keys.map((key) => (key === 'total' ? objective : headObjective(config, key))), null); // one forward
    const passes = new Map<Head | 'total', PassResult>(keys.map((key, k) => [key, each[k]!]));
    const total = passes.get('total')!;
    const ce = total.crossEntropy;
    const active = tf.tensor1d(HEADS.map((h) => (h === 'main' || config[h].mode !== 'off' ? 1 : 0)), 'bool');
    const weighted = tf.sum(tf.mul(tf.where(active, ce, tf.zerosLike(ce)), tf.tensor1d(HEADS.map((h) => objective[h]))));
    const parts: tf.Tensor[] = [ce, tf.reshape(weighted, [1])];
    for (const key of [...HEADS, 'total'] as const) {
      const pass = passes.get(key);
      parts.push(pass ? magnitudesByLayer(byLayer, { parts: pass.grads }, 'norm') : tf.zeros([layers.length]));
      parts.push(pass ? blockGradientRms(pass.blockGrads) : tf.zeros([blocks.length]));
    }
    const out = tf.concat(parts);
    for (const pass of passes.values()) disposePass(pass);
    return out;
  });
  const data = await flat.data();
  flat.dispose();
  let offset = 4;
  const gradNorm: Record<string, PerHead> = Object.fromEntries(layers.map((l) => [l.name, { main: 0, aux1: 0, aux2: 0, total: 0 }]));
  const actGradRms: Record<string, PerHead> = Object.fromEntries(blocks.map((b) => [b.name, { main: 0, aux1: 0, aux2: 0, total: 0 }]));
  for (const key of [...HEADS, 'total'] as const) {
    layers.forEach((l) => (gradNorm[l.name]![key] = data[offset++]!));
    blocks.forEach((b) => (actGradRms[b.name]![key] = data[offset++]!));
  }
  return { losses: { main: data[0]!, aux1: data[1]!, aux2: data[2]!, total: data[3]! }, gradNorm, actGradRms };
}
