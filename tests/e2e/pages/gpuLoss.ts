/**
 * A test page for the development server (tests/e2e/dev.e2e.ts): a head's softmax
 * cross-entropy, accuracy and gradient on WebGPU (or WebGL, `?backend=webgl`) as GradFlow's
 * programs (src/train/backends/gpuLoss.ts, through headLossAndAccuracy as a training pass
 * calls it) against the same computed in double precision on the host, and against tfjs's
 * ops on the same backend (the gradient where the double-precision one is a number), among
 * them rows holding NaN or an infinity and a label outside the classes; with how many
 * programs each ran. The result lands in window.__gpuLoss.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { selectBackend } from '../../../src/train/backends/select';
import { headLossAndAccuracy } from '../../../src/train/backends/gpuLoss';
import { countGpuWork, type GpuWork } from './gpuWork';

export interface LossCase {
  readonly name: string;
  /** What differed from the references (empty: nothing). */
  readonly wrong: string[];
  /** Programs (and buffer copies) the loss and accuracy ran, and the programs its gradient ran. */
  readonly ran: { readonly programs: number; readonly copies: number; readonly gradientPrograms: number };
  readonly loss: number;
  readonly accuracy: number;
}

export type GpuLossResult = { ok: true; backend: string; cases: LossCase[]; leakedTensors: number } | { ok: false; error: string };

interface Setting {
  readonly name: string;
  readonly rows: number;
  readonly classes: number;
  /** Changes to the logits ([row, class, value]) and labels ([row, label]) after the random ones. */
  readonly logits?: readonly [number, number, number][];
  readonly labels?: readonly [number, number][];
}

const SETTINGS: readonly Setting[] = [
  { name: 'a batch of 32, 10 classes', rows: 32, classes: 10 },
  { name: '130 rows (more than the 64 lanes, not a multiple), 7 classes', rows: 130, classes: 7 },
  { name: 'one row, 3 classes', rows: 1, classes: 3 },
  { name: 'two classes', rows: 5, classes: 2 },
  { name: 'large logits (exp would overflow without the max)', rows: 8, classes: 10, logits: [[0, 3, 200], [1, 0, -300], [2, 9, 88.8]] },
  { name: 'a NaN logit', rows: 6, classes: 4, logits: [[2, 1, NaN]] },
  { name: 'an infinite logit', rows: 6, classes: 4, logits: [[1, 0, Infinity]] },
  { name: 'a logit of -infinity off the label', rows: 6, classes: 4, logits: [[3, 2, -Infinity]], labels: [[3, 0]] },
  { name: 'a label outside the classes', rows: 6, classes: 4, labels: [[4, 4]] },
];

function random(seed: number): () => number {
  let s = seed;
  return () => {
    const u = Math.sin(s++ * 12.9898 + seed * 78.233) * 43758.5453;
    return u - Math.floor(u);
  };
}

/** Loss, accuracy and gradient (for d loss = 1) in double precision: tfjs's formulas, the first largest logit for the argmax. */
function reference(z: Float32Array, labels: Int32Array, rows: number, classes: number): { loss: number; accuracy: number; grad: Float64Array } {
  let total = 0;
  let correct = 0;
  const grad = new Float64Array(rows * classes);
  for (let r = 0; r < rows; r++) {
    const row = Array.from(z.subarray(r * classes, (r + 1) * classes));
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
    // tfjs's -sum(onehot * (z - lse)): NaN where a z - lse is NaN or infinite, 0 for a label outside the classes.
    const terms = row.map((v, j) => (j === labels[r] ? 1 : 0) * (v - lse));
    total += -terms.reduce((a, v) => a + v, 0);
    let best = 0;
    row.forEach((v, j) => { if (v > row[best]!) best = j; });
    if (best === labels[r]) correct++;
    row.forEach((v, j) => { grad[r * classes + j] = (Math.exp(v - lse) - (j === labels[r] ? 1 : 0)) / rows; });
  }
  return { loss: total / rows, accuracy: correct / rows, grad };
}

const close = (a: number, b: number, scale: number): boolean => (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= 1e-6 * scale;

async function checkCase(s: Setting, seed: number, work: GpuWork): Promise<LossCase> {
  const next = random(seed);
  const z = Float32Array.from({ length: s.rows * s.classes }, () => (next() * 2 - 1) * 6);
  const labels = Int32Array.from({ length: s.rows }, () => Math.floor(next() * s.classes));
  for (const [r, c, v] of s.logits ?? []) z[r * s.classes + c] = v;
  for (const [r, l] of s.labels ?? []) labels[r] = l;
  const logits = tf.tensor2d(z, [s.rows, s.classes]);
  const ys = tf.tensor1d(labels, 'int32');
  // Both on the device, as a head's logits and a batch's labels are (tfjs keeps a new tensor's values on the host until a program reads them; WebGL's upload is a program).
  for (const t of [logits, ys]) (tf.backend() as unknown as { uploadToGPU(dataId: tf.DataId): void }).uploadToGPU(t.dataId);
  const oneHot = () => tf.oneHot(ys, s.classes) as tf.Tensor2D;
  work.programs = 0;
  work.copies = 0;
  const [loss, accuracy] = headLossAndAccuracy(logits, ys, oneHot);
  const ran = { programs: work.programs, copies: work.copies };
  const dy = tf.scalar(1);
  work.programs = 0;
  const { value, grads } = tf.valueAndGrads((t: tf.Tensor) => headLossAndAccuracy(t as tf.Tensor2D, ys, oneHot)[0])([logits], dy);
  const gradientPrograms = work.programs - 1; // less the loss's own program, run again by valueAndGrads
  // tfjs's ops on the same backend, for the special values.
  const [tfjsLoss, tfjsGrad] = tf.tidy(() => {
    const f = (t: tf.Tensor) => tf.losses.softmaxCrossEntropy(oneHot(), t as tf.Tensor2D) as tf.Scalar;
    return [f(logits), tf.grad(f)(logits)];
  });
  const want = reference(z, labels, s.rows, s.classes);
  try {
    const [l, a, v, g, tl, tg] = (await Promise.all([loss!, accuracy!, value, grads[0]!, tfjsLoss!, tfjsGrad!].map(async (t) => t.data()))) as Float32Array[];
    const wrong: string[] = [];
    if (loss!.rank !== 0 || accuracy!.rank !== 0) wrong.push(`shapes [${loss!.shape.join(', ')}] and [${accuracy!.shape.join(', ')}], not scalars`);
    const rowScale = Math.max(1, ...Array.from(z).filter(Number.isFinite).map(Math.abs)) * 2;
    if (!close(l![0]!, want.loss, rowScale)) wrong.push(`loss ${l![0]}, not ${want.loss}`);
    if (!close(l![0]!, tl![0]!, rowScale)) wrong.push(`loss ${l![0]}, where tfjs's ops give ${tl![0]}`);
    if (!(v![0] === l![0] || (Number.isNaN(v![0]!) && Number.isNaN(l![0]!)))) wrong.push(`the loss with its gradient ${v![0]}, alone ${l![0]}`);
    if (Math.round(a![0]! * s.rows) !== Math.round(want.accuracy * s.rows) || !close(a![0]!, want.accuracy, 1)) wrong.push(`accuracy ${a![0]}, not ${want.accuracy}`);
    for (let i = 0; i < g!.length && wrong.length < 6; i++) {
      if (!close(g![i]!, want.grad[i]!, 1 / s.rows)) wrong.push(`gradient[${i}] ${g![i]}, not ${want.grad[i]}`);
      // Where a row holds NaN or +infinity, tfjs's gradient is what the device's exp makes of NaN (SwiftShader's: infinity), so it is compared where the reference is a number.
      if (Number.isFinite(want.grad[i]!) && !close(g![i]!, tg![i]!, 1 / s.rows)) wrong.push(`gradient[${i}] ${g![i]}, where tfjs's ops give ${tg![i]}`);
    }
    return { name: s.name, wrong, ran: { ...ran, gradientPrograms }, loss: l![0]!, accuracy: a![0]! };
  } finally {
    tf.dispose([logits, ys, loss!, accuracy!, dy, value, ...grads, tfjsLoss!, tfjsGrad!]);
  }
}

/** The backend under test: `?backend=webgl`, or webgpu. */
const BACKEND = new URLSearchParams(location.search).get('backend') === 'webgl' ? 'webgl' : 'webgpu';

async function main(): Promise<GpuLossResult> {
  const choice = await selectBackend([BACKEND]);
  if (choice.active !== BACKEND) throw new Error(`${BACKEND} did not start here`);
  const work = countGpuWork(BACKEND, tf.backend());
  const start = tf.memory().numTensors;
  const cases: LossCase[] = [];
  for (const [i, s] of SETTINGS.entries()) cases.push(await checkCase(s, i + 1, work));
  return { ok: true, backend: BACKEND, cases, leakedTensors: tf.memory().numTensors - start };
}

(window as unknown as { __gpuLoss: Promise<GpuLossResult> }).__gpuLoss = main().catch(
  (error: unknown): GpuLossResult => ({ ok: false, error: error instanceof Error ? `${error.message}\n${error.stack}` : String(error) }),
);
