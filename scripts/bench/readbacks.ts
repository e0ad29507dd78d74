import * as tf from '@tensorflow/tfjs-core';

/** Every way a tensor's values reach JavaScript. */
const READBACKS = ['data', 'dataSync', 'array', 'arraySync', 'buffer', 'bufferSync'] as const;

/**
 * Counts the readbacks `run` makes, by wrapping tf.Tensor.prototype's readback methods
 * (as tests/train/trainer.test.ts spies on them). Only outermost calls count: array()
 * reading through data() is one readback. The backends' own heap access is no transfer
 * and is not seen.
 */
export async function countReadbacks(run: () => Promise<unknown>): Promise<number> {
  const proto = tf.Tensor.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const originals = READBACKS.map((name) => [name, proto[name]!] as const);
  let count = 0;
  let depth = 0;
  for (const [name, original] of originals) {
    proto[name] = function (this: unknown, ...args: unknown[]): unknown {
      if (depth === 0) count += 1;
      depth += 1;
      try {
        return original.apply(this, args);
      } finally {
        depth -= 1;
      }
    };
  }
  try {
    await run();
  } finally {
    for (const [name, original] of originals) proto[name] = original;
  }
  return count;
}
