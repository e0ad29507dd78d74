/**
 * A test page for the development server (tests/e2e/dev.e2e.ts): MaxPoolGrad on WebGPU (or
 * WebGL, `?backend=webgl`) as one program (src/train/backends/gpuMaxPoolGrad.ts, installed by
 * selectBackend) against the wasm kernel's routing run on the host (maxPoolGradInto of
 * src/train/backends/wasmMaxPoolGrad.ts), bit for bit, over window sizes, strides and
 * paddings, odd shapes, inputs full of ties (as ReLU leaves them: many zeros) and NaN and
 * infinities; with how many programs it and tfjs's own kernel ran, and whether tfjs's gave
 * the same numbers; and a gradient through tf.maxPool, as training takes it. On WebGL x and dy are packed, as the network's are. The result lands
 * in window.__gpuMaxPoolGrad.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { selectBackend } from '../../../src/train/backends/select';
import { maxPoolGradInto } from '../../../src/train/backends/wasmMaxPoolGrad';
import { countGpuWork, type GpuWork } from './gpuWork';

/** One case: where GradFlow's dx differs from the reference (empty: nowhere), the programs it and tfjs's kernel ran, and whether tfjs's dx is the reference's. */
export interface PoolCase {
  readonly name: string;
  readonly wrong: string[];
  readonly programs: { readonly ours: number; readonly tfjs: number };
  readonly tfjsSame: boolean;
  /** How many of dx's values are not 0: the gradient really went somewhere. */
  readonly nonZero: number;
}

export type GpuMaxPoolGradResult =
  | { ok: true; backend: string; cases: PoolCase[]; throughMaxPool: string[]; leakedTensors: number }
  | { ok: false; error: string };

interface Setting {
  readonly shape: [number, number, number, number];
  readonly size: number | [number, number];
  readonly stride: number | [number, number];
  readonly pad: 'same' | 'valid' | number;
  /** 'ties': values from {0, 0, 0, 1, 2} as a ReLU leaves them; 'special': NaN, infinities, -0 among ordinary values. */
  readonly values: 'ties' | 'special' | 'plain';
}

/** The network's pools (3x3 stride 2 and stride 1 'same') and others: even windows, uneven strides, explicit padding, odd shapes. */
const SETTINGS: readonly Setting[] = [
  { shape: [2, 16, 16, 8], size: 3, stride: 2, pad: 'same', values: 'ties' },
  { shape: [2, 8, 8, 12], size: 3, stride: 1, pad: 'same', values: 'ties' },
  { shape: [3, 7, 9, 5], size: 3, stride: 2, pad: 'valid', values: 'plain' },
  { shape: [1, 9, 7, 3], size: 2, stride: 2, pad: 'same', values: 'special' },
  { shape: [2, 5, 6, 4], size: [2, 3], stride: [1, 2], pad: 'valid', values: 'ties' },
  { shape: [2, 6, 6, 2], size: 3, stride: 3, pad: 1, values: 'special' },
  { shape: [4, 4, 4, 1], size: 4, stride: 1, pad: 'same', values: 'plain' },
  { shape: [1, 1, 1, 7], size: 3, stride: 1, pad: 'same', values: 'special' },
];

function values(n: number, seed: number, kind: Setting['values']): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = Math.sin(i * 12.9898 + seed * 78.233) * 43758.5453;
    const r = u - Math.floor(u);
    if (kind === 'ties') out[i] = [0, 0, 0, 1, 2][Math.floor(r * 5)]!;
    else out[i] = r * 2 - 1;
    if (kind === 'special') {
      const k = (i * 7 + seed) % 23;
      if (k === 0) out[i] = NaN;
      else if (k === 1) out[i] = Infinity;
      else if (k === 2) out[i] = -Infinity;
      else if (k === 3) out[i] = -0;
    }
  }
  return out;
}

/** Bit-for-bit differences, at most five. */
function differences(got: Float32Array, want: Float32Array): string[] {
  if (got.length !== want.length) return [`${got.length} values, not ${want.length}`];
  const a = new Uint32Array(got.buffer, got.byteOffset, got.length);
  const b = new Uint32Array(want.buffer, want.byteOffset, want.length);
  const found: string[] = [];
  for (let i = 0; i < a.length && found.length < 5; i++) if (a[i] !== b[i]) found.push(`dx[${i}]: ${got[i]}, not ${want[i]}`);
  return found;
}

/** dx as the wasm kernel routes it, computed on the host. */
function reference(x: Float32Array, dy: Float32Array, s: Setting): Float32Array {
  const info = tf.backend_util.computePool2DInfo(s.shape, s.size, s.stride, 1, s.pad);
  const dx = new Float32Array(x.length);
  maxPoolGradInto(x, dy, dx, info);
  return dx;
}

/** The backend under test: `?backend=webgl`, or webgpu. */
const BACKEND = new URLSearchParams(location.search).get('backend') === 'webgl' ? 'webgl' : 'webgpu';

/**
 * `t` as a step's tensors are: on WebGPU in a GPU buffer; on WebGL packed, as the
 * convolutions leave them (out of a packed binary op). The same values; `t` is disposed.
 */
function onDevice(t: tf.Tensor4D): tf.Tensor4D {
  if (BACKEND === 'webgpu') {
    (tf.backend() as unknown as { uploadToGPU(dataId: tf.DataId): void }).uploadToGPU(t.dataId);
    return t;
  }
  const packed = tf.tidy(() => tf.add<tf.Tensor4D>(t, tf.zerosLike(t)));
  t.dispose();
  return packed;
}

async function main(): Promise<GpuMaxPoolGradResult> {
  // tfjs's kernel, kept before GradFlow's takes its place.
  if (!(await tf.setBackend(BACKEND))) throw new Error(`${BACKEND} did not start here`);
  const theirs = tf.getKernel('MaxPoolGrad', BACKEND)!;
  const choice = await selectBackend([BACKEND]);
  if (choice.active !== BACKEND) throw new Error(`${BACKEND} did not start here`);
  if (tf.getKernel('MaxPoolGrad', BACKEND)!.kernelFunc === theirs.kernelFunc) throw new Error('selectBackend did not install GradFlow\'s MaxPoolGrad');
  const work: GpuWork = countGpuWork(BACKEND, tf.backend());
  const start = tf.memory().numTensors;
  const cases: PoolCase[] = [];
  for (const [i, s] of SETTINGS.entries()) {
    const xs = values(s.shape.reduce((a, b) => a * b, 1), i * 2 + 1, s.values);
    const x = onDevice(tf.tensor4d(xs, s.shape));
    const y = tf.maxPool(x, s.size, s.stride, s.pad);
    const dys = values(y.size, i * 2 + 2, s.values === 'special' ? 'special' : 'plain');
    const dy = onDevice(tf.tensor4d(dys, y.shape));
    const attrs = { filterSize: s.size, strides: s.stride, pad: s.pad } as unknown as tf.NamedAttrMap;
    const inputs = { dy, input: x, output: y };
    work.programs = 0;
    const ours = tf.engine().runKernel('MaxPoolGrad', inputs, attrs) as tf.Tensor;
    const oursPrograms = work.programs;
    work.programs = 0;
    const info = theirs.kernelFunc({ inputs, attrs, backend: tf.backend() }) as tf.TensorInfo;
    const tfjsPrograms = work.programs;
    const tfjsDx = tf.engine().makeTensorFromTensorInfo(info);
    const [got, tfjsGot] = (await Promise.all([ours.data(), tfjsDx.data()])) as Float32Array[];
    const want = reference(xs, dys, s);
    const name = `[${s.shape.join(', ')}], window ${String(s.size)}, stride ${String(s.stride)}, padding ${String(s.pad)}, ${s.values}`;
    cases.push({ name, wrong: differences(got!, want), programs: { ours: oursPrograms, tfjs: tfjsPrograms }, tfjsSame: differences(tfjsGot!, want).length === 0, nonZero: got!.filter((v) => v !== 0).length });
    tf.dispose([x, y, dy, ours, tfjsDx]);
  }
  // Through tf.maxPool's gradient, as training reaches it: dy = 1.
  const xs = values(2 * 8 * 8 * 4, 99, 'ties');
  const x = tf.tensor4d(xs, [2, 8, 8, 4]);
  const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.maxPool(t as tf.Tensor4D, 3, 2, 'same')))(x);
  const setting: Setting = { shape: [2, 8, 8, 4], size: 3, stride: 2, pad: 'same', values: 'ties' };
  const throughMaxPool = differences((await dx.data()) as Float32Array, reference(xs, new Float32Array(2 * 4 * 4 * 4).fill(1), setting));
  tf.dispose([x, dx]);
  return { ok: true, backend: BACKEND, cases, throughMaxPool, leakedTensors: tf.memory().numTensors - start };
}

(window as unknown as { __gpuMaxPoolGrad: Promise<GpuMaxPoolGradResult> }).__gpuMaxPoolGrad = main().catch(
  (error: unknown): GpuMaxPoolGradResult => ({ ok: false, error: error instanceof Error ? `${error.message}\n${error.stack}` : String(error) }),
);
