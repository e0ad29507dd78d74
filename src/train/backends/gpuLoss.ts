import * as tf from '@tensorflow/tfjs-core';
import type { GPGPUProgram, MathBackendWebGL } from '@tensorflow/tfjs-backend-webgl';
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import type { KernelArgs } from './gpuKernelInputs';
import { SOFTMAX_CE_GRAD_KERNEL, SOFTMAX_CE_KERNEL } from './kernelNames';
import { cutOutput } from './webgpuCopyKernels';

/**
 * A head's softmax cross-entropy (mean over the batch) and accuracy as one GPU program, and
 * the cross-entropy's gradient as one more, on webgpu and webgl, where tfjs composes about
 * twenty per head (on WebGL more, with the packing between them): the log-sum-exp (a max, a
 * subtraction, an exponential, a sum, a log, an addition), the product with the one-hot
 * labels, the sums and the division, their gradients, and for the accuracy an argmax, a
 * comparison, a cast and a mean. A step of the small network on a GPU is bound by its
 * launches (docs/benchmarks.md, "Target (GPU)"), and a step computes three heads.
 *
 * The arithmetic is tfjs's (tf.losses.softmaxCrossEntropy of one-hot labels): per row,
 * lse = max + log(sum(exp(z - max))) and the loss lse - z[label], NaN where tfjs's is (a
 * row holding NaN or an infinity: its 0 x (z - lse) terms); the mean is the sum divided by
 * the batch; the gradient (dy / batch) x (exp(z - lse) - onehot), NaN for a row holding NaN
 * or +infinity (tfjs's, on a device whose exp(NaN) is not NaN, is not). The accuracy counts the
 * rows whose first largest logit is the label, the cpu backend's argmax. Sums are added in
 * another order than tfjs's reductions: the same within float32 rounding. The program leaves
 * the loss and the accuracy side by side, cut in two by buffer copies on WebGPU and by views
 * of the texture (tfjs's own slice of an unpacked texture) on WebGL. Checked against double
 * precision and tfjs's ops on both, in Chromium (tests/e2e/pages/gpuLoss.ts).
 *
 * Only the types of the backends' packages are imported: the programs go to the backend the
 * kernel runs on, so neither package is loaded before it is chosen.
 */

const LANES = 64;

/** WGSL: for row `r` of the logits ([rows, classes]), `base` its first element, `m` the largest logit, `lse` the log-sum-exp. */
const ROW_LSE = `
          let base = r * uniforms.classes;
          var m = logits[base];
          for (var j = 1; j < uniforms.classes; j = j + 1) {
            m = max(m, logits[base + j]);
          }
          var s = 0.0;
          for (var j = 0; j < uniforms.classes; j = j + 1) {
            s = s + exp(logits[base + j] - m);
          }
          let lse = m + log(s);`;

/** [mean cross-entropy, accuracy] of logits [rows, classes] against int32 labels [rows]: one workgroup, a lane per 64th row, then the lanes in a tree. */
function webgpuLossProgram(): WebGPUProgram {
  return {
    variableNames: ['logits', 'labels'],
    outputShape: [2],
    shaderKey: 'gradflow_softmax_ce',
    dispatchLayout: { x: [0] },
    dispatch: [1, 1, 1],
    workgroupSize: [LANES, 1, 1],
    uniforms: 'rows : i32, classes : i32,',
    getUserCode: () => `
      var<workgroup> losses : array<f32, ${LANES}>;
      var<workgroup> hits : array<f32, ${LANES}>;
      fn main(index : i32) {
        let lane = i32(localId.x);
        var total = 0.0;
        var correct = 0.0;
        for (var r = lane; r < uniforms.rows; r = r + ${LANES}) {
          ${ROW_LSE}
          let label = labels[r];
          var bad = false;
          var best = 0;
          for (var j = 0; j < uniforms.classes; j = j + 1) {
            // NaN or an infinity: every bit of the exponent set.
            bad = bad || (bitcast<u32>(logits[base + j] - lse) & 0x7fffffffu) >= 0x7f800000u;
            if (logits[base + j] > logits[base + best]) {
              best = j;
            }
          }
          // A label outside the classes has an all-zero one-hot row: a loss of 0, as tfjs's.
          var loss = 0.0;
          if (label >= 0 && label < uniforms.classes) {
            loss = lse - logits[base + label];
          }
          if (bad) {
            loss = uniforms.NAN;
          }
          total = total + loss;
          correct = correct + select(0.0, 1.0, best == label);
        }
        losses[lane] = total;
        hits[lane] = correct;
        workgroupBarrier();
        for (var half = ${LANES / 2}; half > 0; half = half / 2) {
          if (lane < half) {
            losses[lane] = losses[lane] + losses[lane + half];
            hits[lane] = hits[lane] + hits[lane + half];
          }
          workgroupBarrier();
        }
        if (lane == 0) {
          setOutputAtIndex(0, losses[0] / f32(uniforms.rows));
          setOutputAtIndex(1, hits[0] / f32(uniforms.rows));
        }
      }
    `,
  };
}

/** d loss / d logits [rows, classes], given dy (d / d mean cross-entropy, a scalar): a thread per row. */
function webgpuGradProgram(rows: number, classes: number): WebGPUProgram {
  return {
    variableNames: ['logits', 'labels', 'dy'],
    outputShape: [rows, classes],
    shaderKey: 'gradflow_softmax_ce_grad',
    dispatchLayout: { x: [0] },
    dispatch: [Math.ceil(rows / LANES), 1, 1],
    workgroupSize: [LANES, 1, 1],
    uniforms: 'rows : i32, classes : i32,',
    getUserCode: () => `
      fn main(index : i32) {
        let r = index;
        if (r < uniforms.rows) {
          ${ROW_LSE}
          let scale = dy[0] / f32(uniforms.rows);
          let label = labels[r];
          // A row with a NaN or +infinity has no finite log-sum-exp: all of its gradient is NaN, whatever exp(NaN) gives on the device.
          var bad = (bitcast<u32>(lse) & 0x7fffffffu) >= 0x7f800000u;
          for (var j = 0; j < uniforms.classes; j = j + 1) {
            let bits = bitcast<u32>(logits[base + j]);
            bad = bad || (bits & 0x7fffffffu) > 0x7f800000u || bits == 0x7f800000u;
          }
          for (var j = 0; j < uniforms.classes; j = j + 1) {
            let onehot = select(0.0, 1.0, j == label);
            setOutputAtIndex(base + j, select(scale * (exp(logits[base + j] - lse) - onehot), uniforms.NAN, bad));
          }
        }
      }
    `,
  };
}

/** GLSL: for row `r`, `m` its largest logit, `lse` the log-sum-exp (the logits read unpacked). */
function glslRowLse(classes: number): string {
  return `
        float m = getLogits(r, 0);
        for (int j = 1; j < ${classes}; j++) m = max(m, getLogits(r, j));
        float s = 0.0;
        for (int j = 0; j < ${classes}; j++) s += exp(getLogits(r, j) - m);
        float lse = m + log(s);`;
}

/** [mean cross-entropy, accuracy] on WebGL: each of the two outputs adds every row, in order. */
function webglLossProgram(rows: number, classes: number): GPGPUProgram {
  return {
    variableNames: ['Logits', 'Labels'],
    outputShape: [2],
    userCode: `
      void main() {
        int which = getOutputCoords();
        float total = 0.0;
        float correct = 0.0;
        for (int r = 0; r < ${rows}; r++) {
          ${glslRowLse(classes)}
          int label = int(round(getLabels(r)));
          bool bad = false;
          int best = 0;
          float bestValue = getLogits(r, 0);
          float loss = 0.0;
          for (int j = 0; j < ${classes}; j++) {
            float z = getLogits(r, j);
            float d = z - lse;
            bad = bad || isnan(d) || isinf(d);
            if (z > bestValue) {
              best = j;
              bestValue = z;
            }
            if (j == label) loss = lse - z;
          }
          total += bad ? NAN : loss;
          correct += best == label ? 1.0 : 0.0;
        }
        setOutput(which == 0 ? total / float(${rows}) : correct / float(${rows}));
      }
    `,
  };
}

/** d loss / d logits on WebGL, given dy: each element recomputes its row's log-sum-exp. */
function webglGradProgram(rows: number, classes: number): GPGPUProgram {
  return {
    variableNames: ['Logits', 'Labels', 'Dy'],
    outputShape: [rows, classes],
    userCode: `
      void main() {
        ivec2 rc = getOutputCoords();
        int r = rc.x;
        ${glslRowLse(classes)}
        bool bad = isnan(lse) || isinf(lse);
        for (int j = 0; j < ${classes}; j++) {
          float z = getLogits(r, j);
          bad = bad || isnan(z) || (isinf(z) && z > 0.0);
        }
        float onehot = rc.y == int(round(getLabels(r))) ? 1.0 : 0.0;
        float g = getDy() / float(${rows}) * (exp(getLogits(r, rc.y) - lse) - onehot);
        setOutput(bad ? NAN : g);
      }
    `,
  };
}

function shapes(logits: tf.TensorInfo): { rows: number; classes: number; uniforms: { type: 'int32'; data: number[] }[] } {
  const [rows, classes] = logits.shape as [number, number];
  return { rows, classes, uniforms: [{ type: 'int32', data: [rows] }, { type: 'int32', data: [classes] }] };
}

function lossKernelWebgpu({ inputs, backend }: KernelArgs): tf.TensorInfo[] {
  const { logits, labels } = inputs as { logits: tf.TensorInfo; labels: tf.TensorInfo };
  const { uniforms } = shapes(logits);
  const both = (backend as WebGPUBackend).runWebGPUProgram(webgpuLossProgram(), [logits, labels], 'float32', uniforms);
  return cutOutput(backend, both, [[], []]);
}

/** The loss and the accuracy on WebGL: one program, its output cut into two scalars by views of its texture (tfjs's slice of an unpacked texture runs no program). */
function lossKernelWebgl({ inputs, backend }: KernelArgs): tf.TensorInfo[] {
  const { logits, labels } = inputs as { logits: tf.TensorInfo; labels: tf.TensorInfo };
  const [rows, classes] = logits.shape as [number, number];
  const webgl = backend as MathBackendWebGL;
  const both = webgl.runWebGLProgram(webglLossProgram(rows, classes), [logits, labels], 'float32');
  const slice = tf.getKernel('Slice', 'webgl')!.kernelFunc;
  const reshape = tf.getKernel('Reshape', 'webgl')!.kernelFunc;
  try {
    return [0, 1].map((i) => {
      const piece = slice({ inputs: { x: both }, backend, attrs: { begin: [i], size: [1] } }) as tf.TensorInfo;
      try {
        return reshape({ inputs: { x: piece }, backend, attrs: { shape: [] } }) as tf.TensorInfo;
      } finally {
        webgl.disposeIntermediateTensorInfo(piece);
      }
    });
  } finally {
    webgl.disposeIntermediateTensorInfo(both);
  }
}

function gradKernelWebgl({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { logits, labels, dy } = inputs as { logits: tf.TensorInfo; labels: tf.TensorInfo; dy: tf.TensorInfo };
  const [rows, classes] = logits.shape as [number, number];
  return (backend as MathBackendWebGL).runWebGLProgram(webglGradProgram(rows, classes), [logits, labels, dy], 'float32');
}

function gradKernelWebgpu({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { logits, labels, dy } = inputs as { logits: tf.TensorInfo; labels: tf.TensorInfo; dy: tf.TensorInfo };
  const { rows, classes, uniforms } = shapes(logits);
  return (backend as WebGPUBackend).runWebGPUProgram(webgpuGradProgram(rows, classes), [logits, labels, dy], 'float32', uniforms);
}

/**
 * [mean softmax cross-entropy, accuracy] of a head's logits [b, classes] against int32
 * labels [b], as scalars: GradFlow's program where it runs (webgpu, webgl), else tfjs's ops. The
 * cross-entropy carries its gradient; the accuracy none.
 */
export function headLossAndAccuracy(logits: tf.Tensor2D, labels: tf.Tensor1D, oneHot: () => tf.Tensor2D): [tf.Scalar, tf.Scalar] {
  if (tf.getKernel(SOFTMAX_CE_KERNEL, tf.getBackend()) && logits.dtype === 'float32' && labels.dtype === 'int32' && logits.shape[0] > 0) {
    return tf.engine().runKernel(SOFTMAX_CE_KERNEL, { logits, labels }) as [tf.Scalar, tf.Scalar];
  }
  const loss = tf.losses.softmaxCrossEntropy(oneHot(), logits) as tf.Scalar; // mean over the batch
  return [loss, tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32')) as tf.Scalar];
}

let registered = false;

/** Registers both kernels for webgpu and webgl, and the cross-entropy's gradient (once). Registering needs neither backend loaded. */
export function registerGpuLoss(): void {
  if (registered) return;
  registered = true;
  const kernels: [string, string, (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[]][] = [
    [SOFTMAX_CE_KERNEL, 'webgpu', lossKernelWebgpu],
    [SOFTMAX_CE_GRAD_KERNEL, 'webgpu', gradKernelWebgpu],
    [SOFTMAX_CE_KERNEL, 'webgl', lossKernelWebgl],
    [SOFTMAX_CE_GRAD_KERNEL, 'webgl', gradKernelWebgl],
  ];
  for (const [kernelName, backendName, kernelFunc] of kernels) tf.registerKernel({ kernelName, backendName, kernelFunc: kernelFunc as unknown as tf.KernelFunc });
  tf.registerGradient({
    kernelName: SOFTMAX_CE_KERNEL,
    inputsToSave: ['logits', 'labels'],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [logits, labels] = saved as [tf.Tensor, tf.Tensor];
      // dy: [d / d cross-entropy, d / d accuracy]; the accuracy has no gradient.
      const dLoss = (dy as (tf.Tensor | null)[])[0];
      return {
        logits: () => (dLoss ? (tf.engine().runKernel(SOFTMAX_CE_GRAD_KERNEL, { logits, labels, dy: dLoss }) as tf.Tensor) : tf.zerosLike(logits)),
        labels: () => tf.zerosLike(labels),
      };
    },
  });
}
