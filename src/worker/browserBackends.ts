/// <reference types="vite/client" />
/**
 * Every tfjs backend in the browser worker: cpu and wasm (its binaries served by Vite
 * through `?url` imports) registered when the worker starts, with tfjs-core's gradients;
 * webgl and webgpu imported only when one is tried (GPU_BACKENDS). In Node the gradients
 * come from '@tensorflow/tfjs' instead (src/train/backends/node.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import type { BackendPreference } from '../shared/experiment';
import type { BackendInUse } from '../shared/widths';
import { selectBackend, type BackendChoice, type BackendLoaders } from '../train/backends/select';
import { backendOrder, selectWithChecks } from './backendOrder';
import { softwareRasteriser, webgpuIsSoftware, webgpuProblem, type GpuEntry } from './gpuChecks';
import { wasmThreadsPayOff } from './wasmThreads';

/**
 * The GPU backends, each its own chunk, imported only when tried: a machine without a
 * usable GPU, where 'auto' passes them over on their checks and wasm trains, neither
 * downloads nor compiles them (together more than half of the worker's code).
 */
const GPU_BACKENDS: BackendLoaders = {
  webgl: () => import('@tensorflow/tfjs-backend-webgl'),
  webgpu: () => import('@tensorflow/tfjs-backend-webgpu'),
};

/** The WebGL context calls used to read the renderer's name. */
interface GlProbe {
  getExtension(name: string): { UNMASKED_RENDERER_WEBGL: number } | null;
  getParameter(name: number): unknown;
}

/** WebGL drawn by a software rasteriser: passed over by 'auto' (./gpuChecks.ts says why), a narrow width when chosen. */
async function probeWebgl(): Promise<string | null> {
  try {
    const gl = new OffscreenCanvas(1, 1).getContext('webgl2') as unknown as GlProbe | null;
    if (!gl) return null; // tfjs will report its own failure
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : '';
    const rasteriser = softwareRasteriser(renderer);
    return rasteriser ? `software WebGL (${rasteriser}), no GPU: wasm is faster here` : null;
  } catch {
    return null;
  }
}

/** probeWebgl's answer, found once per worker: the check before the choice and the width after it both read it. */
let webglProblem: Promise<string | null> | undefined;
function softwareWebglProblem(): Promise<string | null> {
  return (webglProblem ??= probeWebgl());
}

/** The browser's WebGPU entry point, if it has one, its adapter asked for once per worker (as the renderer above). */
let gpuEntry: GpuEntry | undefined | null = null; // null: not looked for yet
function gpu(): GpuEntry | undefined {
  if (gpuEntry === null) {
    const entry = (navigator as { gpu?: GpuEntry }).gpu;
    let adapter: Promise<unknown> | undefined;
    gpuEntry = entry && { requestAdapter: () => (adapter ??= entry.requestAdapter()) };
  }
  return gpuEntry;
}

/** The backend chosen, and whether its GPU is drawn in software (an 'auto' width is narrow there). */
async function withDevice(choice: BackendChoice): Promise<BackendInUse> {
  if (choice.active === 'webgl') return { ...choice, softwareGpu: (await softwareWebglProblem()) !== null };
  if (choice.active === 'webgpu') return { ...choice, softwareGpu: await webgpuIsSoftware(gpu()) };
  return choice;
}

/** Switches tfjs to the preferred backend, or the first that starts after it; says why the others were skipped. */
export async function useBrowserBackend(preference: BackendPreference): Promise<BackendInUse> {
  setWasmPaths({
    'tfjs-backend-wasm.wasm': wasmPlain,
    'tfjs-backend-wasm-simd.wasm': wasmSimd,
    'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimd,
  });
  // Before tfjs starts the wasm backend, which reads the flag then and keeps its choice.
  if (!wasmThreadsPayOff(navigator.hardwareConcurrency || 1)) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  const checks = preference === 'auto'
    ? { webgpu: () => webgpuProblem(gpu(), 'pass over'), webgl: softwareWebglProblem }
    : { webgpu: () => webgpuProblem(gpu(), 'accept') };
  return withDevice(await selectWithChecks(backendOrder(preference), checks, (order) => selectBackend(order, GPU_BACKENDS)));
}

/** The little of tfjs's WebGL backend used to watch its context. */
interface WebglBackendInternals {
  readonly gpgpu?: { readonly gl?: { readonly canvas: EventTarget } };
}

/**
 * Calls `onLost` when the WebGL context of tfjs's backend is lost (a GPU reset, the
 * browser reclaiming memory, another tab's crash): everything on that context is gone
 * and a read may never return, so the session must be told rather than wait. The context
 * is also left on the worker's global scope as `gradflowWebGL`, for diagnostics (the
 * browser tests lose it on purpose through WEBGL_lose_context).
 */
export function watchWebglContext(onLost: () => void): void {
  const gl = (tf.backend() as unknown as WebglBackendInternals).gpgpu?.gl;
  if (!gl) return;
  gl.canvas.addEventListener('webglcontextlost', () => onLost(), { once: true });
  Object.defineProperty(self, 'gradflowWebGL', { value: gl, configurable: true });
}
