import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { KERNELS_WASM, KERNELS_WASM_SHARED } from './kernelsWasm';

/**
 * The SIMD kernels (assembly/kernels.ts: backward kernels, and the inception blocks' ReLU
 * and concatenation), instantiated on the wasm backend's own memory so that they work on
 * its tensors in place. One instance per backend object: a backend started again gets its
 * own.
 *
 * Where the kernels cannot run (a WebAssembly without SIMD or bulk memory, or a backend
 * whose memory cannot be found), `simdKernels()` is null and callers keep the kernels
 * they had before; `simdUnavailableReason()` says why.
 */
export interface SimdKernels {
  /** 1 when some window's maximum was not found (a NaN): the caller routes it instead. */
  maxPoolGrad(
    x: number, y: number, dy: number, dx: number,
    batch: number, inH: number, inW: number, c: number, outH: number, outW: number,
    strideH: number, strideW: number, filterH: number, filterW: number, top: number, left: number,
  ): number;
  avgPoolGrad(
    dy: number, dx: number,
    batch: number, inH: number, inW: number, c: number, outH: number, outW: number,
    strideH: number, strideW: number, filterH: number, filterW: number, top: number, left: number,
  ): void;
  columnSum(src: number, out: number, rows: number, cols: number): void;
  reluGrad(x: number, dy: number, dx: number, n: number): void;
  /** y = tanh(x), n float32 elements (assembly/tanh.ts). */
  tanh(x: number, y: number, n: number): void;
  /** dx = (1 - y * y) * dy and dx = dy * (y * (1 - y)), n float32 elements (assembly/activationGrads.ts). */
  tanhGrad(y: number, dy: number, dx: number, n: number): void;
  sigmoidGrad(y: number, dy: number, dx: number, n: number): void;
  /** `table`: per input, its data's byte offset and row width (u32 pairs). */
  reluConcat(table: number, count: number, out: number, rows: number): void;
  sliceReluGrad(y: number, dy: number, dx: number, rows: number, stride: number, begin: number, width: number): void;
  /** Concat of 32-bit words on any axis: row r of each input in turn (assembly/join.ts; `table` as reluConcat's). */
  concat(table: number, count: number, out: number, rows: number): void;
  /** One part of a cut (SplitV): words begin..begin+width-1 of each row of x [rows, stride] (assembly/join.ts). */
  sliceColumns(x: number, out: number, rows: number, stride: number, begin: number, width: number): void;
  filterGradScratch(m: number, n: number): number;
  magnitudesReset(): void;
  magnitudesAdd(at: number, n: number): void;
  magnitudesLargest(): number;
  magnitudesSumAbs(): number;
  magnitudesSumSquares(): number;
  squaresAdd(at: number, n: number): void;
  filterGrad(
    x: number, dy: number, out: number, scratch: number,
    batch: number, inH: number, inW: number, cin: number, outH: number, outW: number, cout: number,
    kh: number, kw: number, strideH: number, strideW: number, top: number, left: number,
  ): void;
}

/** Where emscripten keeps the wasm backend's memory: not part of tfjs's typed interface. */
interface WasmBackendInternals {
  wasm?: { asm?: Record<string, unknown>; wasmMemory?: unknown };
}

function decode(base64: string): Uint8Array<ArrayBuffer> {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** The backend's WebAssembly.Memory, where emscripten keeps it. */
function memoryOf(backend: WasmBackendInternals): WebAssembly.Memory | null {
  const candidates = [backend.wasm?.asm?.['memory'], backend.wasm?.wasmMemory, ...Object.values(backend.wasm?.asm ?? {})];
  return (candidates.find((m) => m instanceof WebAssembly.Memory) as WebAssembly.Memory | undefined) ?? null;
}

/** Instantiates the kernels on `memory`, ordinary or shared; throws where this WebAssembly cannot run them. */
export function instantiateKernels(memory: WebAssembly.Memory): SimdKernels {
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const module = new WebAssembly.Module(decode(shared ? KERNELS_WASM_SHARED : KERNELS_WASM));
  return new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as SimdKernels;
}

/** The kernels of each backend (null where they cannot run), found once: kernels ask on every call. */
const instances = new WeakMap<object, SimdKernels | null>();
let unavailable: string | null = null;

function start(backend: object): SimdKernels | null {
  const memory = memoryOf(backend as unknown as WasmBackendInternals);
  if (!memory) {
    unavailable = 'the wasm backend memory was not found';
    return null;
  }
  try {
    return instantiateKernels(memory);
  } catch (error) {
    unavailable = error instanceof Error ? error.message : String(error);
    return null;
  }
}

/** The kernels on a wasm backend, or null where they cannot run. */
export function simdKernels(backend: object): SimdKernels | null {
  let kernels = instances.get(backend);
  if (kernels === undefined) {
    kernels = start(backend);
    instances.set(backend, kernels);
  }
  return kernels;
}

/** The kernels when the active backend is wasm and they run there, else null. */
export function activeSimdKernels(): SimdKernels | null {
  return tf.getBackend() === 'wasm' ? simdKernels(tf.backend()) : null;
}

/** Why simdKernels() returned null last, if it did. */
export function simdUnavailableReason(): string | null {
  return unavailable;
}

/** The byte offset of a tensor's data in the wasm backend's memory. */
export function heapOffset(backend: object, info: tf.TensorInfo): number {
  const entry = (backend as Pick<BackendWasm, 'dataIdMap'>).dataIdMap.get(info.dataId);
  if (!entry) throw new Error('tensor data not found on the wasm backend');
  return entry.memoryOffset;
}
