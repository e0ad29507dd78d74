/**
 * A test page for the development server (tests/e2e/dev.e2e.ts): GradFlow's ReLU-gradient
 * and bias-gradient programs on WebGL (or WebGPU, `?backend=webgpu`;
 * src/train/backends/gpuKernels.ts) against tfjs's own ops on the same backend and against
 * sums in double precision, its tanh- and sigmoid-gradient programs against double
 * precision and tfjs's compositions, on WebGL its packed Tanh against tfjs's, over shapes of 1 to 4 axes, odd sizes among them, with NaN,
 * infinities and signed zeros in the ReLU's input and its gradient, and on WebGL with the
 * inputs both packed and unpacked; on WebGPU also the two in one program (a convolution's
 * with its ReLU fused) against the two programs; and the per-layer magnitudes there, a group
 * of zeros among them. The result lands in window.__gpuKernels.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgl';
import type { MathBackendWebGL } from '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { registerConvGradients } from '../../../src/train/backends/convGradients';
import { biasGradChunks } from '../../../src/train/backends/gpuKernels';
import { registerWebglPackedTanh } from '../../../src/train/backends/webglTanh';
import { BIAS_GRAD_KERNEL, RELU_BIAS_GRAD_KERNEL, RELU_GRAD_KERNEL, SIGMOID_GRAD_KERNEL, TANH_GRAD_KERNEL } from '../../../src/train/backends/kernelNames';
import { groupMagnitudes, groupMagnitudesOfFlats } from '../../../src/train/reductions';
import { countGpuWork, type GpuWork } from './gpuWork';

/** One case's findings: what differed from the reference, as text (empty: nothing). */
export interface CaseResult {
  readonly name: string;
  readonly relu: string[];
  readonly bias: string[];
  /** tanh's and the sigmoid's gradients: where they differ from double precision or from tfjs's compositions beyond float32 rounding. */
  readonly activations: string[];
  /** On WebGL, GradFlow's packed Tanh against tfjs's own kernel, bit for bit, and whether its output stayed packed; null on WebGPU. */
  readonly tanh: { differences: string[]; packed: boolean } | null;
  /** Whether the bias gradient added these rows in chunks (on WebGL, two programs), not in one. */
  readonly chunked: boolean;
  /** How many of the ReLU gradient's values are NaN, infinite, and 0 (the special values really came through). */
  readonly special: { nan: number; infinite: number; zero: number };
  /** On WebGPU, the two gradients in one program: where they differ from the two programs' (bit for bit) or from double precision; null elsewhere. */
  readonly fused: string[] | null;
  /** What that program ran for finite inputs: programs dispatched and buffer copies; null off WebGPU. */
  readonly fusedRan: GpuWork | null;
}

export type GpuKernelsResult = { ok: true; backend: string; cases: CaseResult[]; biasWorst: number; magnitudes: string[] } | { ok: false; error: string };

/** Among them one of more rows than WebGL's bias gradient adds in one program (80,000: it adds them in chunks, then the chunks). */
const SHAPES: readonly (readonly number[])[] = [[2, 5, 7, 3], [32, 16, 16, 8], [2, 200, 200, 2], [4, 8, 8, 16], [3, 1, 1, 5], [1, 3, 3, 1], [32, 2, 2, 40], [6, 5, 9], [7, 9], [33, 10], [11]];

/** A deterministic mix: mostly ordinary values, and in the ReLU's input NaN, infinities, 0 and -0. */
function values(n: number, seed: number, special: boolean): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = Math.sin(i * 12.9898 + seed * 78.233) * 43758.5453;
    out[i] = (u - Math.floor(u)) * 2 - 1;
    if (special) {
      const k = (i * 7 + seed) % 29;
      if (k === 0) out[i] = NaN;
      else if (k === 1) out[i] = Infinity;
      else if (k === 2) out[i] = -Infinity;
      else if (k === 3) out[i] = 0;
      else if (k === 4) out[i] = -0;
    }
  }
  return out;
}

const same = (a: number, b: number): boolean => a === b || (Number.isNaN(a) && Number.isNaN(b));

/** The rows of `dy` ([rows, c] as it lies in memory) summed in double precision, and the sums of their magnitudes. */
function columnSums(dy: Float32Array, c: number): { sum: Float64Array; magnitude: Float64Array } {
  const sum = new Float64Array(c);
  const magnitude = new Float64Array(c);
  for (let i = 0; i < dy.length; i++) {
    sum[i % c] = sum[i % c]! + dy[i]!;
    magnitude[i % c] = magnitude[i % c]! + Math.abs(dy[i]!);
  }
  return { sum, magnitude };
}

/** Bit-for-bit differences between two float32 arrays, at most five. */
function bitDifferences(what: string, got: Float32Array, want: Float32Array): string[] {
  if (got.length !== want.length) return [`${what}: ${got.length} values, not ${want.length}`];
  const a = new Uint32Array(got.buffer, got.byteOffset, got.length);
  const b = new Uint32Array(want.buffer, want.byteOffset, want.length);
  const found: string[] = [];
  for (let i = 0; i < a.length && found.length < 5; i++) if (a[i] !== b[i]) found.push(`${what}[${i}]: ${got[i]}, not ${want[i]}`);
  return found;
}

/** Counts of what the WebGPU backend runs, from the first case on; null on WebGL. */
let work: GpuWork | null = null;

/**
 * On WebGPU, the ReLU and bias gradients in one program (a convolution's with its ReLU
 * fused) against the two programs, bit for bit: with x and dy full of special values, and
 * with finite ones, whose bias gradient is also checked within 1e-6 of double precision.
 */
async function checkFused(shape: readonly number[], x: tf.Tensor, dy: tf.Tensor, seed: number): Promise<{ findings: string[]; ran: GpuWork }> {
  const n = shape.reduce((a, b) => a * b, 1);
  const c = shape[shape.length - 1]!;
  const xs = values(n, seed + 3, false);
  const dys = values(n, seed + 4, false);
  const [xFinite, dyFinite] = [tf.tensor(xs, [...shape]), tf.tensor(dys, [...shape])];
  const apart = (xt: tf.Tensor, dyt: tf.Tensor) => {
    const g = tf.engine().runKernel(RELU_GRAD_KERNEL, { x: xt, dy: dyt }) as tf.Tensor;
    return [g, tf.engine().runKernel(BIAS_GRAD_KERNEL, { dy: g }) as tf.Tensor];
  };
  const together = (xt: tf.Tensor, dyt: tf.Tensor) => tf.engine().runKernel(RELU_BIAS_GRAD_KERNEL, { x: xt, dy: dyt }) as tf.Tensor[];
  const special = tf.tidy(() => [...together(x, dy), ...apart(x, dy)]);
  tf.tidy(() => tf.add(xFinite, dyFinite)).dispose(); // both on the device, as a step's are
  work!.programs = 0;
  work!.copies = 0;
  const finite = together(xFinite, dyFinite);
  const ran = { ...work! };
  const finiteApart = tf.tidy(() => apart(xFinite, dyFinite));
  try {
    const findings: string[] = [];
    for (const [what, outs] of [['special values', special], ['finite values', [...finite, ...finiteApart]]] as const) {
      const [g, b, gApart, bApart] = outs as tf.Tensor[];
      if (g!.shape.join() !== shape.join() || b!.shape.join() !== String(c)) findings.push(`${what}: shapes [${g!.shape.join(', ')}] and [${b!.shape.join(', ')}]`);
      const [gv, bv, gav, bav] = (await Promise.all([g!, b!, gApart!, bApart!].map(async (t) => t.data()))) as Float32Array[];
      findings.push(...bitDifferences(`${what}, the ReLU gradient`, gv!, gav!), ...bitDifferences(`${what}, the bias gradient`, bv!, bav!));
      if (what === 'finite values') {
        const { sum, magnitude } = columnSums(Float32Array.from(dys, (d, i) => (xs[i]! > 0 ? d : 0)), c);
        for (let j = 0; j < c; j++) {
          if (!(Math.abs(bv![j]! - sum[j]!) <= 1e-6 * Math.max(magnitude[j]!, 1e-30))) findings.push(`${what}, channel ${j}: ${bv![j]} where the double-precision sum is ${sum[j]}`);
        }
      }
    }
    return { findings: findings.slice(0, 5), ran };
  } finally {
    tf.dispose([xFinite, dyFinite, ...special, ...finite, ...finiteApart]);
  }
}

/** Activation outputs as they come (tanh's in [-1, 1], the sigmoid's in [0, 1]), with NaN, infinities and signed zeros among them. */
function activationOutputs(n: number, seed: number, sigmoid: boolean): Float32Array {
  return Float32Array.from(values(n, seed, true), (v) => (sigmoid && Number.isFinite(v) ? Math.abs(v) : v));
}

/**
 * tanh's and the sigmoid's gradient programs on (y, dy) as `input` lays them out, against
 * (1 - y^2) dy and dy y (1 - y) in double precision from the same float32 values and against
 * tfjs's compositions on this backend: within float32 rounding of each operation (a GPU may
 * fuse a multiply and an add), non-finite exactly where double precision is.
 */
async function checkActivations(shape: readonly number[], seed: number, input: (data: Float32Array) => tf.Tensor): Promise<string[]> {
  const n = shape.reduce((a, b) => a * b, 1);
  const findings: string[] = [];
  const dys = values(n, seed + 6, true);
  const kinds = [
    { name: 'tanh', kernel: TANH_GRAD_KERNEL, sigmoid: false, exact: (y: number, g: number) => (1 - y * y) * g, tfjs: (y: tf.Tensor, g: tf.Tensor) => tf.mul(tf.sub(tf.scalar(1), tf.square(y)), g) },
    { name: 'sigmoid', kernel: SIGMOID_GRAD_KERNEL, sigmoid: true, exact: (y: number, g: number) => g * (y * (1 - y)), tfjs: (y: tf.Tensor, g: tf.Tensor) => tf.mul(g, tf.mul(y, tf.sub(tf.scalar(1), y))) },
  ];
  for (const kind of kinds) {
    const ys = activationOutputs(n, seed + 5, kind.sigmoid);
    const [y, dy] = [input(ys), input(dys)];
    const outputs = tf.tidy(() => [tf.engine().runKernel(kind.kernel, { y, dy }) as tf.Tensor, kind.tfjs(y, dy)]);
    try {
      if (outputs[0]!.shape.join() !== shape.join()) findings.push(`${kind.name}: shape [${outputs[0]!.shape.join(', ')}]`);
      const [got, composed] = (await Promise.all(outputs.map(async (t) => t.data()))) as Float32Array[];
      for (let i = 0; i < n && findings.length < 5; i++) {
        const [v, g] = [ys[i]!, dys[i]!];
        const want = kind.exact(v, g);
        // Each of the three float32 roundings, and y^2's rounding carried through 1 - y^2.
        const tolerance = 2 ** -21 * (Math.abs(want) + Math.abs(g) * v * v) + 2 ** -149;
        const near = (x: number) => (Number.isFinite(want) ? Math.abs(x - want) <= tolerance : same(x, want));
        if (!near(got![i]!)) findings.push(`${kind.name} at ${i}: ${got![i]} where double precision gives ${want} (y ${v}, dy ${g})`);
        else if (!near(composed![i]!)) findings.push(`${kind.name} at ${i}: tfjs's composition gives ${composed![i]}, double precision ${want} (y ${v}, dy ${g})`);
      }
    } finally {
      tf.dispose([y, dy, ...outputs]);
    }
  }
  return findings;
}

/** tfjs's own WebGL Tanh, kept before GradFlow's packed one replaces it (main). */
let tfjsTanh: tf.KernelConfig | undefined;

/** On WebGL, tf.tanh (GradFlow's packed program) against tfjs's kernel on the same input, special values among them. */
async function checkTanh(x: tf.Tensor): Promise<{ differences: string[]; packed: boolean }> {
  const ours = tf.tanh(x);
  const info = tfjsTanh!.kernelFunc({ inputs: { x }, backend: tf.backend(), attrs: {} }) as tf.TensorInfo;
  const theirs = tf.engine().makeTensorFromTensorInfo(info);
  try {
    const packed = (tf.backend() as MathBackendWebGL).texData.get(ours.dataId).isPacked === true;
    return { differences: bitDifferences('tanh', (await ours.data()) as Float32Array, (await theirs.data()) as Float32Array), packed };
  } finally {
    tf.dispose([ours, theirs]);
  }
}

async function checkCase(shape: readonly number[], packed: boolean, seed: number): Promise<CaseResult & { worst: number }> {
  const n = shape.reduce((a, b) => a * b, 1);
  const c = shape[shape.length - 1]!;
  const xs = values(n, seed, true);
  const dys = values(n, seed + 1, false);
  dys[n >> 1] = Infinity; // dy * 0 is NaN where x <= 0, as tfjs's composition has it
  dys[(n >> 2) + 1] = NaN;
  const finiteDy = values(n, seed + 2, false);
  // On WebGL a tensor made from data is unpacked; one out of a packed binary op (an add) is packed.
  const input = (data: Float32Array) => tf.tidy(() => {
    const t = tf.tensor(data, [...shape]);
    return packed ? tf.add(t, tf.zerosLike(t)) : t;
  });
  const [x, dy, dyFinite] = [input(xs), input(dys), input(finiteDy)];
  const outputs = tf.tidy(() => [
    tf.engine().runKernel(RELU_GRAD_KERNEL, { x, dy }) as tf.Tensor,
    tf.mul(dy, tf.cast(tf.step(x), 'float32')),
    tf.engine().runKernel(BIAS_GRAD_KERNEL, { dy: dyFinite }) as tf.Tensor,
    tf.sum(dyFinite, Array.from({ length: shape.length - 1 }, (_, i) => i)),
  ]);
  try {
    const fused = tf.getBackend() === 'webgpu' ? await checkFused(shape, x, dy, seed) : null;
    const [relu, reluReference, bias, biasTfjs] = await Promise.all(outputs.map(async (t) => t.data() as Promise<Float32Array>));
    const name = `[${shape.join(', ')}]${packed ? ', packed' : ''}`;
    const reluFindings: string[] = [];
    if (outputs[0]!.shape.join() !== shape.join()) reluFindings.push(`shape [${outputs[0]!.shape.join(', ')}]`);
    for (let i = 0; i < n && reluFindings.length < 5; i++) {
      if (!same(relu![i]!, reluReference![i]!)) reluFindings.push(`at ${i}: ${relu![i]} where tfjs's ops give ${reluReference![i]} (x ${xs[i]}, dy ${dys[i]})`);
    }
    const biasFindings: string[] = [];
    if (outputs[2]!.shape.join() !== String(c)) biasFindings.push(`shape [${outputs[2]!.shape.join(', ')}]`);
    const { sum, magnitude } = columnSums(finiteDy, c);
    let worst = 0;
    for (let j = 0; j < c; j++) {
      // float32 rounding of a sum of `rows` terms: well within 1e-6 of the magnitudes added, for either order.
      const error = Math.abs(bias![j]! - sum[j]!) / Math.max(magnitude[j]!, 1e-30);
      worst = Math.max(worst, error);
      if (!(error <= 1e-6)) biasFindings.push(`channel ${j}: ${bias![j]} where the double-precision sum is ${sum[j]} (tfjs's Sum: ${biasTfjs![j]})`);
    }
    const special = {
      nan: relu!.filter(Number.isNaN).length,
      infinite: relu!.filter((v) => v === Infinity || v === -Infinity).length,
      zero: relu!.filter((v) => v === 0).length,
    };
    const activations = await checkActivations(shape, seed, input);
    const tanh = tf.getBackend() === 'webgl' ? await checkTanh(x) : null;
    return { name, relu: reluFindings, bias: biasFindings.slice(0, 5), activations, tanh, chunked: tf.getBackend() === 'webgl' && biasGradChunks(n / c).parts > 1, special, fused: fused?.findings ?? null, fusedRan: fused?.ran ?? null, worst };
  } finally {
    tf.dispose([x, dy, dyFinite, ...outputs]);
  }
}

/** Groups for the per-layer magnitudes: zeros (a layer no gradient reaches), plain values, values whose squares would underflow or overflow float32. */
const MAGNITUDE_GROUPS: readonly (readonly number[])[] = [[0, 0, 0, 0, 0, 0, 0], [1, -2, 2], [1e-30, -2e-30], [3e30, -4e30], [-0, 0]];

/** [norm, rms, mean |g|, max |g|] of a group in double precision. */
function expectedMagnitudes(group: readonly number[]): number[] {
  const norm = Math.hypot(...group);
  return [norm, norm / Math.sqrt(group.length), group.reduce((a, v) => a + Math.abs(v), 0) / group.length, Math.max(...group.map(Math.abs))];
}

/**
 * The per-layer magnitudes (src/train/reductions.ts) on this backend, each group's four
 * numbers against double precision (within 1e-6 of it; zeros exactly 0), reduced alone
 * (groupMagnitudes) and as two vectors laid out alike (groupMagnitudesOfFlats).
 */
async function checkMagnitudes(): Promise<string[]> {
  const findings: string[] = [];
  const check = (what: string, got: Float32Array, rows: readonly number[][]) => {
    rows.forEach((want, g) => want.forEach((w, k) => {
      const v = got[g * 4 + k]!;
      if (!(w === 0 ? v === 0 : Math.abs(v - w) <= 1e-6 * Math.abs(w))) findings.push(`${what}, group ${g} [${MAGNITUDE_GROUPS[g % MAGNITUDE_GROUPS.length]!.join(', ')}], number ${k}: ${v}, not ${w}`);
    }));
  };
  const expected = MAGNITUDE_GROUPS.map(expectedMagnitudes);
  const [alone, together] = tf.tidy(() => {
    const groups = MAGNITUDE_GROUPS.map((g) => [tf.tensor1d([...g])]);
    // Two vectors laid out alike: the groups, and the groups negated (the same magnitudes).
    const flat = tf.tensor1d(MAGNITUDE_GROUPS.flat());
    const negated = tf.tensor1d(MAGNITUDE_GROUPS.flat().map((v) => -v));
    return [groupMagnitudes(groups, 'stats'), groupMagnitudesOfFlats([negated, flat], MAGNITUDE_GROUPS.map((g) => g.length), 'stats')];
  });
  try {
    check('groupMagnitudes', (await alone!.data()) as Float32Array, expected);
    const both = (await together!.data()) as Float32Array;
    check('groupMagnitudesOfFlats, the first vector', both.subarray(0, MAGNITUDE_GROUPS.length * 4), expected);
    check('groupMagnitudesOfFlats, the second vector', both.subarray(MAGNITUDE_GROUPS.length * 4), expected);
  } finally {
    tf.dispose([alone!, together!]);
  }
  return findings;
}

async function main(backend: string): Promise<GpuKernelsResult> {
  registerConvGradients();
  if (!(await tf.setBackend(backend))) throw new Error(`${backend} did not start here`);
  if (backend === 'webgl') {
    tfjsTanh = tf.getKernel('Tanh', 'webgl');
    registerWebglPackedTanh();
  }
  if (backend === 'webgpu') work = countGpuWork('webgpu', tf.backend());
  const cases: CaseResult[] = [];
  let biasWorst = 0;
  for (const [i, shape] of SHAPES.entries()) {
    for (const packed of backend === 'webgl' ? [false, true] : [false]) {
      const { worst, ...found } = await checkCase(shape, packed, i * 3 + 1);
      biasWorst = Math.max(biasWorst, worst);
      cases.push(found);
    }
  }
  return { ok: true, backend, cases, biasWorst, magnitudes: await checkMagnitudes() };
}

const BACKEND = new URLSearchParams(location.search).get('backend') === 'webgpu' ? 'webgpu' : 'webgl';
(window as unknown as { __gpuKernels: Promise<GpuKernelsResult> }).__gpuKernels = main(BACKEND).catch(
  (error: unknown): GpuKernelsResult => ({ ok: false, error: error instanceof Error ? `${error.message}\n${error.stack}` : String(error) }),
);
