import * as tf from '@tensorflow/tfjs-core';
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { channelRows, float32Inputs, type KernelArgs } from './gpuKernelInputs';
import { cutOutput } from './webgpuCopyKernels';

/**
 * The WebGPU programs of GradFlow's ReLU and bias gradients (registered in gpuKernels.ts,
 * which says why they are programs of their own): the ReLU gradient, the bias gradient, and
 * on a convolution with a fused ReLU the two in one program; and tanh's and the sigmoid's
 * gradients. Only the webgpu package's types are imported.
 */

const WEBGPU_THREADS = 128;

/** A WebGPU program of one thread per element of `shape`: `body` (WGSL) sets the output at `index` from the inputs there. */
function webgpuPerElement(shape: readonly number[], variableNames: string[], shaderKey: string, body: string): WebGPUProgram {
  const size = tf.util.sizeFromShape([...shape]);
  return {
    variableNames,
    outputShape: [...shape],
    shaderKey,
    dispatchLayout: { x: shape.map((_, i) => i) },
    dispatch: [Math.ceil(size / WEBGPU_THREADS), 1, 1],
    workgroupSize: [WEBGPU_THREADS, 1, 1],
    size: true,
    getUserCode: () => `
      fn main(index : i32) {
        if (index < uniforms.size) {
          ${body}
        }
      }
    `,
  };
}

/** dy * step(x) on WebGPU, one thread per element. */
function webgpuReluGrad(shape: readonly number[]): WebGPUProgram {
  return webgpuPerElement(shape, ['x', 'dy'], 'gradflow_relu_grad', `
          let v = x[index];
          let s = select(select(0.0, 1.0, v > 0.0), v, isnan(v));
          setOutputAtIndex(index, dy[index] * s);`);
}

/** What tanh's and the sigmoid's gradients compute from `v` (the activation's output) and `g` (dy): tfjs's compositions, in the same order. */
export const ACTIVATION_GRADS = {
  tanh: '(1.0 - v * v) * g',
  sigmoid: 'g * (v * (1.0 - v))',
} as const;
export type ActivationGradKind = keyof typeof ACTIVATION_GRADS;

/** An activation's gradient from its output y and dy on WebGPU, one thread per element. */
function webgpuActivationGrad(shape: readonly number[], kind: ActivationGradKind): WebGPUProgram {
  return webgpuPerElement(shape, ['y', 'dy'], `gradflow_${kind}_grad`, `
          let v = y[index];
          let g = dy[index];
          setOutputAtIndex(index, ${ACTIVATION_GRADS[kind]});`);
}

/** tanh's or the sigmoid's gradient kernel on WebGPU. */
export function activationGradWebgpu(kind: ActivationGradKind): (args: KernelArgs) => tf.TensorInfo {
  return ({ inputs, backend }) => {
    const { y, dy } = float32Inputs(inputs, 'y', 'dy');
    return (backend as WebGPUBackend).runWebGPUProgram(webgpuActivationGrad(y.shape, kind), [y, dy], 'float32');
  };
}

const WEBGPU_LANES = 64;

/**
 * A WebGPU program of a workgroup per channel (the last axis of `outputShape`): each of 64
 * lanes adds `term` (WGSL that sets `term` from element `i`, of row `r` and this channel) over
 * every 64th row, then the lanes are added in a tree and the first lane writes the sum at
 * output index `sumAt`.
 */
function webgpuChannelSums(variableNames: string[], outputShape: number[], shaderKey: string, term: string, sumAt: string): WebGPUProgram {
  return {
    variableNames,
    outputShape,
    shaderKey,
    dispatchLayout: { x: [0] },
    dispatch: [outputShape[outputShape.length - 1]!, 1, 1],
    workgroupSize: [WEBGPU_LANES, 1, 1],
    uniforms: 'rows : i32, channels : i32,',
    getUserCode: () => `
      var<workgroup> lanes : array<f32, ${WEBGPU_LANES}>;
      fn main(index : i32) {
        let channel = i32(workgroupId.x);
        let lane = i32(localId.x);
        var s = 0.0;
        for (var r = lane; r < uniforms.rows; r = r + ${WEBGPU_LANES}) {
          let i = r * uniforms.channels + channel;
          ${term}
          s = s + term;
        }
        lanes[lane] = s;
        workgroupBarrier();
        for (var half = ${WEBGPU_LANES / 2}; half > 0; half = half / 2) {
          if (lane < half) {
            lanes[lane] = lanes[lane] + lanes[lane + half];
          }
          workgroupBarrier();
        }
        if (lane == 0) {
          setOutputAtIndex(${sumAt}, lanes[0]);
        }
      }
    `,
  };
}

/** dy's rows summed on WebGPU: a workgroup per channel, each lane adding every 64th row, then the lanes in a tree. */
function webgpuBiasGrad(c: number): WebGPUProgram {
  return webgpuChannelSums(['dy'], [c], 'gradflow_bias_grad', 'let term = dy[i];', 'channel');
}

/**
 * The ReLU gradient and the bias gradient of a convolution with a fused ReLU in one WebGPU
 * program: the bias gradient's workgroups, each lane writing g = dy * step(x) of its rows as
 * webgpuReluGrad does and adding it to its sum. Its output is [rows + 1, c]: the rows of g,
 * then the sums.
 */
function webgpuReluBiasGrad(rows: number, c: number): WebGPUProgram {
  const term = `
          let v = x[i];
          let term = dy[i] * select(select(0.0, 1.0, v > 0.0), v, isnan(v));
          setOutputAtIndex(i, term);`;
  return webgpuChannelSums(['x', 'dy'], [rows + 1, c], 'gradflow_relu_bias_grad', term, 'uniforms.rows * uniforms.channels + channel');
}

export function reluGradWebgpu({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { x, dy } = float32Inputs(inputs, 'x', 'dy');
  return (backend as WebGPUBackend).runWebGPUProgram(webgpuReluGrad(x.shape), [x, dy], 'float32');
}

export function biasGradWebgpu({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { dy } = float32Inputs(inputs, 'dy');
  const { c, rows } = channelRows(dy);
  return (backend as WebGPUBackend).runWebGPUProgram(webgpuBiasGrad(c), [dy], 'float32', rowsAndChannels(rows, c));
}

/**
 * [dy * step(x), its rows summed] on WebGPU: one program, whose output is cut into the two
 * by buffer copies (a copy costs the host a fraction of a launch: webgpuCopyKernels.ts).
 */
export function reluBiasGradWebgpu({ inputs, backend }: KernelArgs): tf.TensorInfo[] {
  const { x, dy } = float32Inputs(inputs, 'x', 'dy');
  const { c, rows } = channelRows(dy);
  const both = (backend as WebGPUBackend).runWebGPUProgram(webgpuReluBiasGrad(rows, c), [x, dy], 'float32', rowsAndChannels(rows, c));
  return cutOutput(backend, both, [[...dy.shape], [c]]);
}

/** The uniforms of the channel sums: rows, channels. */
function rowsAndChannels(rows: number, c: number): { type: 'int32'; data: number[] }[] {
  return [{ type: 'int32', data: [rows] }, { type: 'int32', data: [c] }];
}
