import * as tf from '@tensorflow/tfjs-core';

/** What GradFlow's GPU kernel functions get from tfjs, and the checks their inputs share (gpuKernels.ts, webgpuGradKernels.ts, gpuLoss.ts). */
export type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: object };

/** The kernel's inputs by name, each checked to be float32 (the only type the programs take). */
export function float32Inputs<K extends string>(inputs: tf.NamedTensorInfoMap, ...names: K[]): Record<K, tf.TensorInfo> {
  const out = {} as Record<K, tf.TensorInfo>;
  for (const name of names) {
    const info = inputs[name]!;
    if (info.dtype !== 'float32') throw new Error(`GradFlow's GPU gradient kernels take float32, not ${info.dtype}`);
    out[name] = info;
  }
  return out;
}

/** dy [..., c] as rows of its last axis: the channels, and the rows summed into each. */
export function channelRows(dy: tf.TensorInfo): { c: number; rows: number } {
  const c = dy.shape[dy.shape.length - 1]!;
  return { c, rows: tf.util.sizeFromShape(dy.shape) / c };
}
