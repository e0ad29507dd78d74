import type { ModelConfig } from './config';
import { scaled } from './config';
import { auxHead } from './auxHead';
import { inception } from './inception';
import type { NetOps } from './ops';

/** Logits of each head that is computed ([batch, classes]); absent heads are `off`. */
export interface HeadOutputs<T> {
  readonly main: T;
  readonly aux1?: T;
  readonly aux2?: T;
}

/** The blocks whose outputs are measured, in order of depth. */
export const BLOCK_NAMES = [
  'conv1', 'conv2',
  'inception_3a', 'inception_3b',
  'inception_4a', 'inception_4b', 'inception_4c', 'inception_4d', 'inception_4e',
  'inception_5a', 'inception_5b',
] as const;
export type BlockName = (typeof BLOCK_NAMES)[number];

/** Where each auxiliary head attaches. */
export const AUX_ATTACHMENT = { aux1: 'inception_4a', aux2: 'inception_4d' } as const;

/** The stem: conv1 and conv2 blocks, ending with the pool before inception 3a. */
function stem<T>(ops: NetOps<T>, x: T, config: ModelConfig): T {
  const w = config.width;
  const conv = (input: T, name: string, size: number, filters: number, stride: number): T =>
    ops.conv(input, { name, kind: 'stem', head: 'main', size, filters, stride, padding: 'same' });
  if (config.stem === 'paper') {
    const c1 = ops.blockOutput(conv(x, 'conv1/7x7_s2', 7, scaled(64, w), 2), 'conv1'); // [b, 112, 112, 64w]
    const p1 = ops.maxPool(c1, 3, 2, 'same'); //                                          [b, 56, 56, 64w]
    const c2r = conv(p1, 'conv2/3x3_reduce', 1, scaled(64, w), 1); //                     [b, 56, 56, 64w]
    const c2 = ops.blockOutput(conv(c2r, 'conv2/3x3', 3, scaled(192, w), 1), 'conv2'); // [b, 56, 56, 192w]
    return ops.maxPool(c2, 3, 2, 'same'); //                                              [b, 28, 28, 192w]
  }
  const c1 = ops.blockOutput(conv(x, 'conv1/3x3', 3, scaled(64, w), 1), 'conv1'); //      [b, 32, 32, 64w]
  const c2r = conv(c1, 'conv2/3x3_reduce', 1, scaled(64, w), 1); //                       [b, 32, 32, 64w]
  return ops.blockOutput(conv(c2r, 'conv2/3x3', 3, scaled(192, w), 1), 'conv2'); //       [b, 32, 32, 192w]
}

/**
 * GoogLeNet (Inception v1) with its two auxiliary classifiers, as pinned by the model
 * contract. `x` is the NHWC input batch.
 */
export function googlenet<T>(ops: NetOps<T>, x: T, config: ModelConfig): HeadOutputs<T> {
  return network(ops, x, config, null) as HeadOutputs<T>;
}

/**
 * The logits of one auxiliary head alone: only the layers below its attachment and the
 * head itself run, the rest of the network not at all. A pass whose objective is that
 * head alone (the per-head decomposition) needs no more: no gradient of it reaches any
 * other layer, so skipping them changes no number and saves their forward pass.
 */
export function auxiliaryOnly<T>(ops: NetOps<T>, x: T, config: ModelConfig, head: 'aux1' | 'aux2'): T {
  const out = network(ops, x, config, head)[head];
  if (out === undefined) throw new Error(`${head} is off: there is nothing of it to compute`);
  return out;
}

/** The network, whole (`stopAt` null) or up to one auxiliary head; the layers always in the same order. */
function network<T>(ops: NetOps<T>, x: T, config: ModelConfig, stopAt: 'aux1' | 'aux2' | null): Partial<HeadOutputs<T>> {
  const w = config.width;
  const attach = (features: T, mode: 'loss' | 'probe'): T => (mode === 'probe' ? ops.stopGradient(features) : features);
  const head = (name: 'aux1' | 'aux2', features: T): T | undefined =>
    config[name].mode === 'off' ? undefined : auxHead(ops, attach(features, config[name].mode as 'loss' | 'probe'), name, w, config.classes);
  const s = stem(ops, x, config); //                          paper [b, 28, 28, 192w]; small [b, 32, 32, 192w]
  const i3a = inception(ops, s, '3a', w); //                  [b, 28|32, 28|32, 256w]
  const i3b = inception(ops, i3a, '3b', w); //                [b, 28|32, 28|32, 480w]
  const p3 = ops.maxPool(i3b, 3, 2, 'same'); //               [b, 14|16, 14|16, 480w]
  const i4a = inception(ops, p3, '4a', w); //                 [b, 14|16, 14|16, 512w]
  if (stopAt === 'aux1') return { aux1: head('aux1', i4a) };
  const i4b = inception(ops, i4a, '4b', w);
  const i4c = inception(ops, i4b, '4c', w);
  const i4d = inception(ops, i4c, '4d', w); //                [b, 14|16, 14|16, 528w]
  if (stopAt === 'aux2') return { aux2: head('aux2', i4d) };
  const i4e = inception(ops, i4d, '4e', w); //                [b, 14|16, 14|16, 832w]
  const p4 = ops.maxPool(i4e, 3, 2, 'same'); //               [b, 7|8, 7|8, 832w]
  const i5a = inception(ops, p4, '5a', w);
  const i5b = inception(ops, i5a, '5b', w); //                [b, 7|8, 7|8, 1024w]
  const pooled = ops.globalAvgPool(i5b); //                   [b, 1024w]
  const dropped = ops.dropout(pooled, 0.4, 'main');
  const main = ops.dense(dropped, { name: 'loss3/classifier', kind: 'classifier', head: 'main', units: config.classes, activate: false }); // [b, classes]

  // The heads come last, so the layer order (parameters, frames, run files) stays the contract's.
  const aux1 = head('aux1', i4a);
  const aux2 = head('aux2', i4d);
  return { main, ...(aux1 ? { aux1 } : {}), ...(aux2 ? { aux2 } : {}) };
}
