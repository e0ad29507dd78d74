import { scaled } from './config';
import type { NetOps } from './ops';

/**
 * An auxiliary classifier (section 5 of the paper): avg pool 5x5/3 valid -> 1x1 conv 128
 * -> flatten -> fc 1024 -> dropout 0.7 -> classifier. Returns logits [b, classes].
 */
export function auxHead<T>(
  ops: NetOps<T>,
  features: T,
  head: 'aux1' | 'aux2',
  width: number,
  classes: number,
): T {
  const name = head === 'aux1' ? 'loss1' : 'loss2';
  const pooled = ops.avgPool(features, 5, 3, 'valid'); // [b, 4, 4, c] (from 14x14 or 16x16)
  const reduced = ops.conv(pooled, {
    name: `${name}/conv`, kind: 'aux', head, size: 1, filters: scaled(128, width), stride: 1, padding: 'same',
  }); //                                                    [b, 4, 4, 128w]
  const flat = ops.flatten(reduced); //                     [b, 2048w]
  const fc = ops.dense(flat, { name: `${name}/fc`, kind: 'aux', head, units: scaled(1024, width), activate: true }); // [b, 1024w]
  const dropped = ops.dropout(fc, 0.7, head); //           [b, 1024w]
  return ops.dense(dropped, { name: `${name}/classifier`, kind: 'aux', head, units: classes, activate: false }); // [b, classes]
}
