import { scaled } from './config';
import type { NetOps } from './ops';

/** Table 1 of Szegedy et al. 2014: #1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj. */
export const INCEPTION_TABLE = {
  '3a': [64, 96, 128, 16, 32, 32],
  '3b': [128, 128, 192, 32, 96, 64],
  '4a': [192, 96, 208, 16, 48, 64],
  '4b': [160, 112, 224, 24, 64, 64],
  '4c': [128, 128, 256, 24, 64, 64],
  '4d': [112, 144, 288, 32, 64, 64],
  '4e': [256, 160, 320, 32, 128, 128],
  '5a': [256, 160, 320, 32, 128, 128],
  '5b': [384, 192, 384, 48, 128, 128],
} as const satisfies Record<string, readonly number[]>;

export type InceptionId = keyof typeof INCEPTION_TABLE;

/** One inception module: four branches concatenated on channels (1x1, 3x3, 5x5, pool). */
export function inception<T>(ops: NetOps<T>, x: T, id: InceptionId, width: number): T {
  const [c1, c3r, c3, c5r, c5, cp] = INCEPTION_TABLE[id].map((c) => scaled(c, width)) as [
    number, number, number, number, number, number,
  ];
  const name = `inception_${id}`;
  // A branch's last convolution (`last`) goes only into the concatenation below.
  const conv = (input: T, branch: string, size: number, filters: number, last = true): T =>
    ops.conv(input, { name: `${name}/${branch}`, kind: 'inception', head: 'main', size, filters, stride: 1, padding: 'same', concatenated: last });
  const b1 = conv(x, '1x1', 1, c1); //                                    [b, h, w, c1]
  const b3 = conv(conv(x, '3x3_reduce', 1, c3r, false), '3x3', 3, c3); // [b, h, w, c3]
  const b5 = conv(conv(x, '5x5_reduce', 1, c5r, false), '5x5', 5, c5); // [b, h, w, c5]
  const bp = conv(ops.maxPool(x, 3, 1, 'same'), 'pool_proj', 1, cp); //   [b, h, w, cp]
  return ops.blockOutput(ops.concat([b1, b3, b5, bp]), name); //          [b, h, w, c1+c3+c5+cp]
}
