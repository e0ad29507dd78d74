/**
 * A test page for the development server (tests/e2e/dev.e2e.ts): Concat and SplitV on
 * WebGPU as buffer copies where their pieces are contiguous
 * (src/train/backends/webgpuCopyKernels.ts, installed by selectBackend), against the same
 * join or cut made on the host, bit for bit (NaN, infinities and -0 among the values),
 * with how many programs and copies each case ran. Among the cases: the optimizer's cut of
 * a vector into 128 pieces, pieces of no element, inputs written by programs not yet
 * submitted, inputs disposed before the copy has run, a gradient through a concatenation,
 * and cases that must stay with tfjs's programs. The result lands in window.__webgpuCopies.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-webgpu';
import { selectBackend } from '../../../src/train/backends/select';
import { countGpuWork, type GpuWork } from './gpuWork';

/** One case: what differed from the host's values (empty: nothing), and what the backend ran for the op. */
export interface CopyCase {
  readonly name: string;
  readonly wrong: string[];
  readonly programs: number;
  readonly copies: number;
}

export type WebgpuCopiesResult = { ok: true; cases: CopyCase[]; leakedTensors: number; leakedBytes: number } | { ok: false; error: string };

/** What the backend ran, counted from the start of main. */
let work: GpuWork = { programs: 0, copies: 0 };

/** The tensors' values put in GPU buffers now, as a program's output would be (tfjs keeps a new tensor's values on the host until a program reads them). */
function onDevice(...tensors: tf.Tensor[]): void {
  const backend = tf.backend() as unknown as { uploadToGPU(dataId: tf.DataId): void };
  for (const t of tensors) backend.uploadToGPU(t.dataId);
}

/** A deterministic mix of ordinary values with NaN, infinities, 0 and -0. */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = Math.sin(i * 12.9898 + seed * 78.233) * 43758.5453;
    const k = (i * 7 + seed) % 31;
    out[i] = k === 0 ? NaN : k === 1 ? Infinity : k === 2 ? -Infinity : k === 3 ? 0 : k === 4 ? -0 : (u - Math.floor(u)) * 2 - 1;
  }
  return out;
}

/** Differences between `got` and `want`, bit for bit (a NaN's bits, -0 against 0), at most five. */
function differences(what: string, got: tf.Tensor, gotValues: tf.TypedArray, want: { shape: readonly number[]; values: Float32Array | Int32Array }): string[] {
  if (got.shape.join() !== want.shape.join()) return [`${what}: shape [${got.shape.join(', ')}], not [${want.shape.join(', ')}]`];
  if (gotValues.length !== want.values.length) return [`${what}: ${gotValues.length} values, not ${want.values.length}`];
  const a = new Uint32Array(gotValues.buffer, gotValues.byteOffset, gotValues.length);
  const b = new Uint32Array(want.values.buffer, want.values.byteOffset, want.values.length);
  const found: string[] = [];
  for (let i = 0; i < a.length && found.length < 5; i++) if (a[i] !== b[i]) found.push(`${what}[${i}]: ${gotValues[i]}, not ${want.values[i]}`);
  return found;
}

/** Runs `op`, counting what it ran, then compares each of its outputs with the host's. */
async function check(name: string, op: () => tf.Tensor | tf.Tensor[], want: { shape: readonly number[]; values: Float32Array | Int32Array }[], before?: () => void): Promise<CopyCase> {
  work.programs = 0;
  work.copies = 0;
  const result = op();
  const ran = { ...work };
  before?.();
  const outputs = Array.isArray(result) ? result : [result];
  const wrong: string[] = outputs.length === want.length ? [] : [`${outputs.length} outputs, not ${want.length}`];
  for (const [i, out] of outputs.entries()) if (want[i]) wrong.push(...differences(`output ${i}`, out, await out.data(), want[i]!));
  tf.dispose(outputs);
  return { name, wrong, ...ran };
}

/** `n` sizes of 0 to a few thousand, the optimizer's kind of cut (the network's 128 variables). */
function pieceSizes(n: number): number[] {
  return Array.from({ length: n }, (_, i) => (i % 17 === 5 ? 0 : i % 13 === 3 ? 1 : 3 + ((i * 977) % 4100)));
}

/** Elements `start` to `start + length` along `axis` of `flat` (a tensor of `shape`), in order. */
function alongAxis(flat: Float32Array, shape: readonly number[], axis: number, start: number, length: number): Float32Array {
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const out = new Float32Array(outer * length * inner);
  let k = 0;
  for (let o = 0; o < outer; o++) for (let a = start; a < start + length; a++) for (let i = 0; i < inner; i++) out[k++] = flat[(o * shape[axis]! + a) * inner + i]!;
  return out;
}

/** An NHWC tensor's values cut into groups of `channels`, each with its shape. */
function channelGroups(flat: Float32Array, shape: readonly number[], channels: readonly number[]): { shape: number[]; values: Float32Array }[] {
  let start = 0;
  return channels.map((c) => {
    const piece = { shape: [...shape.slice(0, 3), c], values: alongAxis(flat, shape, 3, start, c) };
    start += c;
    return piece;
  });
}

/** `flat` cut into consecutive pieces of `sizes`. */
function cut(flat: Float32Array, sizes: readonly number[]): Float32Array[] {
  let at = 0;
  return sizes.map((s) => flat.slice(at, (at += s)));
}

async function main(): Promise<WebgpuCopiesResult> {
  const choice = await selectBackend(['webgpu']);
  if (choice.active !== 'webgpu') throw new Error('WebGPU did not start here');
  work = countGpuWork('webgpu', tf.backend());
  const start = tf.memory();
  const cases: CopyCase[] = [];

  const sizes = pieceSizes(128);
  const total = sizes.reduce((a, b) => a + b, 0);
  const flatValues = values(total, 1);
  const flat = tf.tensor1d(flatValues);
  onDevice(flat); // as the optimizer's vector is
  const pieces = cut(flatValues, sizes);
  cases.push(await check('a vector cut into 128 pieces (some of no element)', () => tf.split(flat, sizes), pieces.map((p) => ({ shape: [p.length], values: p }))));

  const parts = tf.split(flat, sizes);
  cases.push(await check('the 128 pieces joined again', () => tf.concat(parts), [{ shape: [total], values: flatValues }]));
  tf.dispose(parts);

  const a = values(6 * 5, 2);
  const matrix = tf.tensor2d(a, [6, 5]);
  onDevice(matrix);
  cases.push(await check('a matrix cut into rows on axis 0', () => tf.split(matrix, [2, 4], 0), [{ shape: [2, 5], values: a.slice(0, 10) }, { shape: [4, 5], values: a.slice(10) }]));

  const left = values(7 * 3, 3);
  const right = values(4 * 3, 4);
  const l = tf.tensor3d(left, [1, 7, 3]);
  const r = tf.tensor3d(right, [1, 4, 3]);
  onDevice(l, r);
  const joined = new Float32Array([...left, ...right]);
  cases.push(await check('joined on axis 1 behind an axis of length 1', () => tf.concat([l, r], 1), [{ shape: [1, 11, 3], values: joined }]));
  cases.push(await check('joined on axis -2 (the same axis)', () => tf.concat([l, r], -2), [{ shape: [1, 11, 3], values: joined }]));

  const ints = tf.tensor1d([1, -2, 2147483647, -2147483648, 0], 'int32');
  const more = tf.tensor1d([7, 8, 9], 'int32');
  onDevice(ints, more);
  cases.push(await check('int32 vectors joined', () => tf.concat([ints, more]), [{ shape: [8], values: Int32Array.from([1, -2, 2147483647, -2147483648, 0, 7, 8, 9]) }]));

  // Written by programs recorded but not yet submitted: the copies must come after them.
  const x = tf.tensor1d(values(5000, 5));
  const y = tf.tensor1d(values(3000, 6));
  const one = tf.scalar(1);
  const two = tf.scalar(2);
  const three = tf.scalar(3);
  onDevice(x, y, one, two, three);
  const xv = await x.data();
  const yv = await y.data();
  const sum = Float32Array.from(xv, (v) => v + 1);
  const product = Float32Array.from(yv, (v) => v * 2);
  // Two programs' outputs joined, and disposed at once: before the copies are submitted.
  const writtenAndJoined = (): tf.Tensor => {
    const s = tf.add(x, one);
    const p = tf.mul(y, two);
    const out = tf.concat([s, p]);
    tf.dispose([s, p]);
    return out;
  };
  const joinedValues = [{ shape: [8000], values: new Float32Array([...sum, ...product]) }];
  cases.push(await check('inputs just written by programs', writtenAndJoined, joinedValues));
  // The same, their buffers then wanted again by tensors of the same size.
  cases.push(await check('inputs disposed before the copies have run, their buffers asked for again', writtenAndJoined, joinedValues, () => tf.dispose([tf.fill([5000], 9), tf.fill([3000], 9)])));

  // The output read by a program: the program must come after the copies.
  const doubledHalves = Float32Array.from(xv.slice(0, 2500), (v) => v * 3);
  cases.push(await check('an output read by a program', () => tf.tidy(() => tf.mul(tf.split(x, 2)[0]!, three)), [{ shape: [2500], values: doubledHalves }]));

  // A gradient through a concatenation is a split of dy.
  const w = values(8000, 7);
  cases.push(
    await check('the gradient through a join', () => tf.tidy(() => tf.grads((u: tf.Tensor, v: tf.Tensor) => tf.sum(tf.mul(tf.concat([u, v]), tf.tensor1d(w))))([x, y])), [
      { shape: [5000], values: w.slice(0, 5000) },
      { shape: [3000], values: w.slice(5000) },
    ]),
  );

  // Cases for tfjs's own programs: pieces that are not runs of elements, and tensors tfjs keeps on the host.
  const wide = values(2 * 6, 8);
  const m = tf.tensor2d(wide, [2, 6]);
  onDevice(m);
  cases.push(await check('a matrix cut on axis 1 (not runs of elements)', () => tf.split(m, [2, 4], 1), [
    { shape: [2, 2], values: Float32Array.from([wide[0]!, wide[1]!, wide[6]!, wide[7]!]) },
    { shape: [2, 4], values: Float32Array.from([...wide.slice(2, 6), ...wide.slice(8, 12)]) },
  ]));
  // Not runs of elements, float32: one program lays the pieces out in order, then a copy per piece.
  const nhwc = [2, 3, 5, 10];
  const grad = values(2 * 3 * 5 * 10, 9);
  const g = tf.tensor4d(grad, nhwc as [number, number, number, number]);
  onDevice(g);
  const channels = [3, 0, 4, 2, 1];
  const channelPieces = channelGroups(grad, nhwc, channels);
  cases.push(await check('an NHWC tensor cut into channel groups (an inception block\'s gradient), one of no channel', () => tf.split(g, channels, 3), channelPieces));
  const middle = values(3 * 5 * 4, 10);
  const m3 = tf.tensor3d(middle, [3, 5, 4]);
  onDevice(m3);
  cases.push(await check('a cut on the middle axis', () => tf.split(m3, [2, 3], 1), [
    { shape: [3, 2, 4], values: alongAxis(middle, [3, 5, 4], 1, 0, 2) },
    { shape: [3, 3, 4], values: alongAxis(middle, [3, 5, 4], 1, 2, 3) },
  ]));
  const intWide = tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [2, 6], 'int32');
  onDevice(intWide);
  cases.push(await check('int32 cut on axis 1', () => tf.split(intWide, [2, 4], 1), [
    { shape: [2, 2], values: Int32Array.from([1, 2, 7, 8]) },
    { shape: [2, 4], values: Int32Array.from([3, 4, 5, 6, 9, 10, 11, 12]) },
  ]));
  // The gradient through a concatenation on channels is such a cut of dy.
  const parts3 = [2, 5, 3].map((c, i) => tf.tensor4d(values(2 * 3 * 5 * c, 11 + i), [2, 3, 5, c]));
  onDevice(...parts3);
  cases.push(await check('the gradient through a join on channels', () => tf.tidy(() => tf.grads((...ts: tf.Tensor[]) => tf.sum(tf.mul(tf.concat(ts, 3), tf.tensor4d(grad, [2, 3, 5, 10]))))(parts3)), channelGroups(grad, nhwc, [2, 5, 3])));
  tf.dispose([g, m3, intWide, ...parts3]);

  cases.push(await check('small vectors still on the host', () => tf.tidy(() => tf.concat([tf.tensor1d([1, 2]), tf.tensor1d([3])])), [{ shape: [3], values: Float32Array.from([1, 2, 3]) }]));

  tf.dispose([flat, matrix, l, r, ints, more, x, y, one, two, three, m]);
  const end = tf.memory();
  return { ok: true, cases, leakedTensors: end.numTensors - start.numTensors, leakedBytes: end.numBytes - start.numBytes };
}

(window as unknown as { __webgpuCopies: Promise<WebgpuCopiesResult> }).__webgpuCopies = main().catch(
  (error: unknown): WebgpuCopiesResult => ({ ok: false, error: error instanceof Error ? `${error.message}\n${error.stack}` : String(error) }),
);
