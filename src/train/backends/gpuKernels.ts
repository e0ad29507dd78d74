import * as tf from '@tensorflow/tfjs-core';
import type { GPGPUProgram, MathBackendWebGL } from '@tensorflow/tfjs-backend-webgl';
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { BIAS_GRAD_KERNEL, PACKED_FILTER_KERNEL, RELU_BIAS_GRAD_KERNEL, RELU_GRAD_KERNEL } from './kernelNames';
import { registerGpuLoss } from './gpuLoss';
import { cutOutput } from './webgpuCopyKernels';

/**
 * The ReLU gradient and the bias gradient of a training step as one GPU program each on
 * tfjs's webgl and webgpu backends (wasm has its own: simd/register.ts). A step of the small
 * network on a GPU is bound by its launches (docs/benchmarks.md), and tfjs composes both:
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
 * Checked against tfjs's own ops on each backend in Chromium (tests/e2e/pages/gpuKernels.ts).
 *
 * On WebGPU a convolution's fused ReLU gradient and its bias gradient are one program
 * together (GradFlowReluBiasGrad): the bias gradient's workgroups, each writing the ReLU
 * gradient of its rows as it adds them. The same arithmetic in the same order as the two
 * programs, so the same numbers to the bit (also checked in tests/e2e/pages/gpuKernels.ts).
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

/** dy * step(x) on WebGL: packed inputs (what tfjs's convolutions leave), an unpacked output (what its filter gradient reads). */
function webglReluGrad(shape: readonly number[]): GPGPUProgram {
  const { type, names } = glslCoords(shape.length);
  const at = names.join(', ');
  const inner = shape.length === 1 ? 'rc' : `vec2(${names.slice(-2).join(', ')})`;
  return {
    variableNames: ['Dy', 'X'],
    outputShape: [...shape],
    packedInputs: true,
    packedOutput: false,
    userCode: `
      void main() {
        ${type} rc = getOutputCoords();
        float g = getChannel(getDy(${at}), ${inner});
        float v = getChannel(getX(${at}), ${inner});
        setOutput(g * (isnan(v) ? v : (v > 0.0 ? 1.0 : 0.0)));
      }
    `,
  };
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

const WEBGPU_THREADS = 128;

/** dy * step(x) on WebGPU, one thread per element. */
function webgpuReluGrad(shape: readonly number[]): WebGPUProgram {
  const size = tf.util.sizeFromShape([...shape]);
  return {
    variableNames: ['x', 'dy'],
    outputShape: [...shape],
    shaderKey: 'gradflow_relu_grad',
    dispatchLayout: { x: shape.map((_, i) => i) },
    dispatch: [Math.ceil(size / WEBGPU_THREADS), 1, 1],
    workgroupSize: [WEBGPU_THREADS, 1, 1],
    size: true,
    getUserCode: () => `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let v = x[index];
          let s = select(select(0.0, 1.0, v > 0.0), v, isnan(v));
          setOutputAtIndex(index, dy[index] * s);
        }
      }
    `,
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

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: object };

/** The kernel's inputs by name, each checked to be float32 (the only type the programs take). */
function float32Inputs<K extends string>(inputs: tf.NamedTensorInfoMap, ...names: K[]): Record<K, tf.TensorInfo> {
  const out = {} as Record<K, tf.TensorInfo>;
  for (const name of names) {
    const info = inputs[name]!;
    if (info.dtype !== 'float32') throw new Error(`GradFlow's GPU gradient kernels take float32, not ${info.dtype}`);
    out[name] = info;
  }
  return out;
}

/** dy [..., c] as rows of its last axis: the channels, and the rows summed into each. */
function channelRows(dy: tf.TensorInfo): { c: number; rows: number } {
  const c = dy.shape[dy.shape.length - 1]!;
  return { c, rows: tf.util.sizeFromShape(dy.shape) / c };
}

function reluGradWebgl({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { x, dy } = float32Inputs(inputs, 'x', 'dy');
  return (backend as MathBackendWebGL).runWebGLProgram(webglReluGrad(x.shape), [dy, x], 'float32');
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

function reluGradWebgpu({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { x, dy } = float32Inputs(inputs, 'x', 'dy');
  return (backend as WebGPUBackend).runWebGPUProgram(webgpuReluGrad(x.shape), [x, dy], 'float32');
}

function biasGradWebgpu({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { dy } = float32Inputs(inputs, 'dy');
  const { c, rows } = channelRows(dy);
  return (backend as WebGPUBackend).runWebGPUProgram(webgpuBiasGrad(c), [dy], 'float32', [{ type: 'int32', data: [rows] }, { type: 'int32', data: [c] }]);
}

/**
 * [dy * step(x), its rows summed] on WebGPU: one program, whose output is cut into the two
 * by buffer copies (a copy costs the host a fraction of a launch: webgpuCopyKernels.ts).
 */
function reluBiasGradWebgpu({ inputs, backend }: KernelArgs): tf.TensorInfo[] {
  const { x, dy } = float32Inputs(inputs, 'x', 'dy');
  const { c, rows } = channelRows(dy);
  const both = (backend as WebGPUBackend).runWebGPUProgram(webgpuReluBiasGrad(rows, c), [x, dy], 'float32', [{ type: 'int32', data: [rows] }, { type: 'int32', data: [c] }]);
  return cutOutput(backend, both, [[...dy.shape], [c]]);
}

let registered = false;

/** Registers both gradient kernels for webgl and webgpu, the packed filter for webgl, the two gradients in one and the loss for webgpu (once). Registering needs neither backend loaded. */
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
  ];
  for (const [kernelName, backendName, kernelFunc] of kernels) tf.registerKernel({ kernelName, backendName, kernelFunc: kernelFunc as unknown as tf.KernelFunc });
}
