import * as tf from '@tensorflow/tfjs-core';
import type { GPGPUProgram, MathBackendWebGL } from '@tensorflow/tfjs-backend-webgl';
import { BIAS_GRAD_KERNEL, PACKED_FILTER_KERNEL, RELU_BIAS_GRAD_KERNEL, RELU_GRAD_KERNEL, SIGMOID_GRAD_KERNEL, TANH_GRAD_KERNEL } from './kernelNames';
import { channelRows, float32Inputs, type KernelArgs } from './gpuKernelInputs';
import { registerGpuLoss } from './gpuLoss';
import { ACTIVATION_GRADS, activationGradWebgpu, biasGradWebgpu, reluBiasGradWebgpu, reluGradWebgpu, type ActivationGradKind } from './webgpuGradKernels';

/**
 * The ReLU gradient and the bias gradient of a training step (and tanh's and the sigmoid's
 * gradients) as one GPU program each on tfjs's webgl and webgpu backends (wasm has its
 * own: simd/register.ts). A step of the small network on a GPU is bound by its launches
 * (docs/benchmarks.md), and tfjs composes each:
 * - the ReLU gradient, dy * step(x), is a Step and a Multiply: on WebGL also an unpack
 *   before the Step (it reads unpacked textures) and a pack before the Multiply; here it is
 *   one program, the same arithmetic (1 where x > 0, x where x is NaN, else 0; times dy), so
 *   the same numbers to the bit;
 * - the bias gradient, dy summed over every axis but the last, is a Sum over outer axes:
 *   a transpose, then on WebGL a reshape, an unpack and a reduction in several passes
 *   (about 5 programs), on WebGPU one reduction (2 programs). Here: on WebGPU one program, a
 *   workgroup per channel adding the rows in a tree; on WebGL one program, a channel's rows
 *   added in order by one fragment (a launch costs more than tens of thousands of additions
 *   in a loop), or, beyond 65,536 rows, one that adds them in chunks of about the square
 *   root of their number and one that adds the chunks. Not the Sum's order of addition:
 *   the same sum within float32 rounding.
 * - tanh's and the sigmoid's gradients, (1 - y^2) dy and dy y (1 - y) from the activation's
 *   output y, are three programs each in tfjs (Square, Sub, Multiply; Sub and two
 *   Multiply), on WebGL with a pack or an unpack where their inputs' layouts differ; here
 *   one program each, reading y and dy packed where both are, else unpacked. The same
 *   operations in the same order, but a GPU compiler may fuse a multiply and an add into
 *   one rounding: the same numbers within float32 rounding, not to the bit.
 * Checked against tfjs's own ops on each backend in Chromium (tests/e2e/pages/gpuKernels.ts).
 *
 * On WebGPU a convolution's fused ReLU gradient and its bias gradient are one program
 * together (GradFlowReluBiasGrad): the bias gradient's workgroups, each writing the ReLU
 * gradient of its rows as it adds them: the same arithmetic in the same order as the two
 * programs, so the same numbers to the bit (also checked in tests/e2e/pages/gpuKernels.ts).
 * The WebGPU programs are in webgpuGradKernels.ts.
 *
 * And on WebGL a convolution's filter packed once per use (GradFlowPackedFilter, tfjs's own
 * pack program): tfjs's convolution packs the filter it is given, and the gradient of its
 * input packs it again. Given a packed filter, neither packs, one pack instead of two
 * (tests/e2e/pages/fusedRelu.ts checks the network's gradients the same to the bit).
 *
 * Only the types of the backends' packages are imported: the programs go to the backend the
 * kernel runs on, so neither package is loaded before it is chosen.
 */

/** Output coordinates as GLSL names, for a rank of 1 to 4. */
function glslCoords(rank: number): { type: string; names: string[] } {
  if (rank === 1) return { type: 'int', names: ['rc'] };
  return { type: `ivec${rank}`, names: ['rc.x', 'rc.y', 'rc.z', 'rc.w'].slice(0, rank) };
}

/** The ranks the WebGL programs are written for (tfjs's own go to 6; the network's tensors have 2 or 4 axes). */
export const GPU_KERNEL_RANKS: readonly number[] = [1, 2, 3, 4];

/**
 * A WebGL program of one value per element of `shape`, its output unpacked (what tfjs's
 * filter gradient reads): each input read at the output's coordinates into the float
 * named beside it (from packed textures where `packed`, else unpacked), then `result`
 * (GLSL) set.
 */
function webglPerElement(shape: readonly number[], inputs: readonly (readonly [variable: string, local: string])[], packed: boolean, result: string): GPGPUProgram {
  const { type, names } = glslCoords(shape.length);
  const at = names.join(', ');
  const inner = shape.length === 1 ? 'rc' : `vec2(${names.slice(-2).join(', ')})`;
  const read = (name: string) => (packed ? `getChannel(get${name}(${at}), ${inner})` : `get${name}(${at})`);
  return {
    variableNames: inputs.map(([variable]) => variable),
    outputShape: [...shape],
    packedInputs: packed,
    packedOutput: false,
    userCode: `
      void main() {
        ${type} rc = getOutputCoords();
        ${inputs.map(([variable, local]) => `float ${local} = ${read(variable)};`).join('\n        ')}
        setOutput(${result});
      }
    `,
  };
}

/** dy * step(x) on WebGL, from packed inputs (what tfjs's convolutions leave). */
function webglReluGrad(shape: readonly number[]): GPGPUProgram {
  return webglPerElement(shape, [['Dy', 'g'], ['X', 'v']], true, 'g * (isnan(v) ? v : (v > 0.0 ? 1.0 : 0.0))');
}

/** An activation's gradient from its output Y and Dy on WebGL: inputs packed or unpacked (as they lie). */
function webglActivationGrad(shape: readonly number[], kind: ActivationGradKind, packed: boolean): GPGPUProgram {
  return webglPerElement(shape, [['Y', 'v'], ['Dy', 'g']], packed, ACTIVATION_GRADS[kind]);
}

/** Rows the WebGL bias gradient adds in one program (the network's most, conv1's, are 8,192 at batch 32). */
const ONE_PASS_ROWS = 65_536;

/** How the WebGL bias gradient splits its rows: `chunk` rows per partial sum, `parts` partial sums (1: one program). */
export function biasGradChunks(rows: number): { chunk: number; parts: number } {
  if (rows <= ONE_PASS_ROWS) return { chunk: rows, parts: 1 };
  const chunk = Math.ceil(Math.sqrt(rows));
  return { chunk, parts: Math.ceil(rows / chunk) };
}

/** GLSL that sets `i0 ... i(n-1)`, the leading coordinates of row `r` of a tensor of `shape` ([..., c]). */
function rowCoords(shape: readonly number[]): string {
  const lead = shape.slice(0, -1);
  const lines = ['int t = r;'];
  for (let d = lead.length - 1; d > 0; d--) lines.push(`int i${d} = t - (t / ${lead[d]}) * ${lead[d]}; t = t / ${lead[d]};`);
  lines.push('int i0 = t;');
  return lines.join('\n          ');
}

/** Partial sums of dy's rows on WebGL: output [parts, c] (or [c] when parts is 1), `chunk` rows each, in order. */
function webglBiasPartials(shape: readonly number[], chunk: number, parts: number): GPGPUProgram {
  const rows = tf.util.sizeFromShape(shape.slice(0, -1));
  const c = shape[shape.length - 1]!;
  const at = [...shape.slice(0, -1).map((_, d) => `i${d}`), 'channel'].join(', ');
  return {
    variableNames: ['Dy'],
    outputShape: parts === 1 ? [c] : [parts, c],
    userCode: `
      void main() {
        ${parts === 1 ? 'int part = 0; int channel = getOutputCoords();' : 'ivec2 pc = getOutputCoords(); int part = pc.x; int channel = pc.y;'}
        float s = 0.0;
        for (int k = 0; k < ${chunk}; k++) {
          int r = part * ${chunk} + k;
          if (r >= ${rows}) break;
          ${rowCoords(shape)}
          s += getDy(${at});
        }
        setOutput(s);
      }
    `,
  };
}

/** The partial sums [parts, c] added in order on WebGL: output [c]. */
function webglBiasTotal(parts: number, c: number): GPGPUProgram {
  return {
    variableNames: ['Partials'],
    outputShape: [c],
    userCode: `
      void main() {
        int channel = getOutputCoords();
        float s = 0.0;
        for (int k = 0; k < ${parts}; k++) s += getPartials(k, channel);
        setOutput(s);
      }
    `,
  };
}

function reluGradWebgl({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { x, dy } = float32Inputs(inputs, 'x', 'dy');
  return (backend as MathBackendWebGL).runWebGLProgram(webglReluGrad(x.shape), [dy, x], 'float32');
}

/** tanh's or the sigmoid's gradient kernel on WebGL: packed inputs where both y and dy are packed, so that neither is converted. */
function activationGradWebgl(kind: ActivationGradKind): (args: KernelArgs) => tf.TensorInfo {
  return ({ inputs, backend }) => {
    const { y, dy } = float32Inputs(inputs, 'y', 'dy');
    const webgl = backend as MathBackendWebGL;
    const packed = webgl.texData.get(y.dataId).isPacked === true && webgl.texData.get(dy.dataId).isPacked === true;
    return webgl.runWebGLProgram(webglActivationGrad(y.shape, kind, packed), [y, dy], 'float32');
  };
}

function biasGradWebgl({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { dy } = float32Inputs(inputs, 'dy');
  const webgl = backend as MathBackendWebGL;
  const { c, rows } = channelRows(dy);
  const { chunk, parts } = biasGradChunks(rows);
  const partials = webgl.runWebGLProgram(webglBiasPartials(dy.shape, chunk, parts), [dy], 'float32');
  if (parts === 1) return partials;
  try {
    return webgl.runWebGLProgram(webglBiasTotal(parts, c), [partials], 'float32');
  } finally {
    webgl.disposeIntermediateTensorInfo(partials);
  }
}

/** x as WebGL's packed texture: tfjs's pack program, or x itself (a reference more) where it is packed already. */
function packedWebgl({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { x } = float32Inputs(inputs, 'x');
  const webgl = backend as MathBackendWebGL;
  if (webgl.texData.get(x.dataId).isPacked) {
    webgl.incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  }
  return webgl.packTensor(x);
}

let registered = false;

/** Registers the gradient kernels for webgl and webgpu (ReLU's, the bias's, tanh's and the sigmoid's), the packed filter for webgl, the two gradients in one and the loss for webgpu (once). Registering needs neither backend loaded. */
export function registerGpuKernels(): void {
  if (registered) return;
  registered = true;
  registerGpuLoss();
  const kernels: [string, string, (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[]][] = [
    [RELU_GRAD_KERNEL, 'webgl', reluGradWebgl],
    [BIAS_GRAD_KERNEL, 'webgl', biasGradWebgl],
    [PACKED_FILTER_KERNEL, 'webgl', packedWebgl],
    [RELU_GRAD_KERNEL, 'webgpu', reluGradWebgpu],
    [BIAS_GRAD_KERNEL, 'webgpu', biasGradWebgpu],
    [RELU_BIAS_GRAD_KERNEL, 'webgpu', reluBiasGradWebgpu],
    [TANH_GRAD_KERNEL, 'webgl', activationGradWebgl('tanh')],
    [SIGMOID_GRAD_KERNEL, 'webgl', activationGradWebgl('sigmoid')],
    [TANH_GRAD_KERNEL, 'webgpu', activationGradWebgpu('tanh')],
    [SIGMOID_GRAD_KERNEL, 'webgpu', activationGradWebgpu('sigmoid')],
  ];
  for (const [kernelName, backendName, kernelFunc] of kernels) tf.registerKernel({ kernelName, backendName, kernelFunc: kernelFunc as unknown as tf.KernelFunc });
}
