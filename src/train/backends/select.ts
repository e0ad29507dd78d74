import * as tf from '@tensorflow/tfjs-core';
import { registerConvGradients } from './convGradients';
import { registerGpuMaxPoolGrad } from './gpuMaxPoolGrad';
import { registerWasmCopyKernels } from './wasmCopyKernels';
import { registerWasmMaxPoolGrad } from './wasmMaxPoolGrad';
import { registerWasmReluConcat } from './wasmReluConcat';
import { registerWasmReductions } from './wasmReductions';
import { registerWebgpuCopyKernels } from './webgpuCopyKernels';
import { simdKernels, simdUnavailableReason } from './simd/load';
import { registerSimdKernels } from './simd/register';
import { registerWasmUpdates } from './wasmUpdates';
import { registerWebglPackedTanh } from './webglTanh';

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
/** Fastest first, on a machine with a GPU; the order GradFlow tries them in. */
export const BACKEND_ORDER: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

/** The backend in use and why each one tried before it was not used. */
export interface BackendChoice {
  readonly active: BackendName;
  readonly skipped: readonly { readonly name: BackendName; readonly reason: string }[];
  /** On wasm, why its SIMD backward kernels cannot run (training is then several times slower). */
  readonly slowKernels?: string;
}

/** Imports a backend's module, which registers it with tfjs: for backends loaded only when tried. */
export type BackendLoaders = Partial<Record<BackendName, () => Promise<unknown>>>;

/**
 * Switches tfjs to the first of `preferred` that starts here. A backend's module must have
 * been imported, which registers it, or be imported by its entry in `load` just before it
 * is tried. Each refusal is kept with its reason, for people to see.
 */
export async function selectBackend(preferred: readonly BackendName[], load: BackendLoaders = {}): Promise<BackendChoice> {
  registerConvGradients();
  if (tf.findBackendFactory('wasm')) {
    registerWasmMaxPoolGrad();
    registerWasmCopyKernels();
    registerWasmReductions();
    registerWasmUpdates();
    registerSimdKernels();
    registerWasmReluConcat();
  }
  const skipped: { name: BackendName; reason: string }[] = [];
  for (const name of preferred) {
    const loader = load[name];
    if (loader && !tf.findBackendFactory(name)) {
      try {
        await loader();
      } catch (error) {
        skipped.push({ name, reason: `its code did not load: ${error instanceof Error ? error.message : String(error)}` });
        continue;
      }
    }
    if (!tf.findBackendFactory(name)) {
      skipped.push({ name, reason: 'not available in this build' });
      continue;
    }
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        if (name === 'webgpu') registerWebgpuCopyKernels();
        if (name === 'webgpu' || name === 'webgl') registerGpuMaxPoolGrad(name);
        if (name === 'webgl') registerWebglPackedTanh();
        if (name === 'wasm' && !simdKernels(tf.backend())) return { active: name, skipped, slowKernels: simdUnavailableReason() ?? 'unknown reason' };
        return { active: name, skipped };
      }
      skipped.push({ name, reason: 'failed to start (see the console for details)' });
    } catch (error) {
      skipped.push({ name, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  throw new Error(`no backend could start: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
}
