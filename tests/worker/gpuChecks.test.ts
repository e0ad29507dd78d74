import { describe, expect, it } from 'vitest';
import type { BackendChoice, BackendName } from '../../src/train/backends/select';
import { backendOrder, selectWithChecks } from '../../src/worker/backendOrder';
import { softwareRasteriser, webgpuIsSoftware, webgpuProblem, type GpuEntry } from '../../src/worker/gpuChecks';

/** A WebGPU entry point that offers `adapter` (or fails with `error`). */
const offering = (adapter: unknown, error?: Error): GpuEntry => ({
  requestAdapter: async () => {
    if (error) throw error;
    return adapter;
  },
});

/** Chromium's fallback adapter (SwiftShader) as Chromium 156 describes it. */
const SWIFTSHADER = { info: { vendor: 'google', architecture: 'swiftshader', device: '', description: '', isFallbackAdapter: true } };
const HARDWARE = { info: { vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H200', isFallbackAdapter: false } };

describe('WebGPU checks', () => {
  it('no WebGPU, no adapter or a refusal: the reason, whatever the choice', async () => {
    for (const software of ['pass over', 'accept'] as const) {
      expect(await webgpuProblem(undefined, software)).toBe('this browser offers no WebGPU');
      expect(await webgpuProblem(offering(null), software)).toBe('no WebGPU adapter (GPU) is available');
      expect(await webgpuProblem(offering(null, new Error('blocked')), software)).toBe('WebGPU refused an adapter: blocked');
    }
  });

  it('a fallback adapter is passed over by automatic choice, with its name, and used when chosen', async () => {
    expect(await webgpuProblem(offering(SWIFTSHADER), 'pass over')).toBe('software WebGPU (swiftshader), no GPU: wasm is faster here');
    expect(await webgpuProblem(offering(SWIFTSHADER), 'accept')).toBeNull();
    // Where the browser has the flag on the adapter itself (before `info` held it).
    expect(await webgpuProblem(offering({ isFallbackAdapter: true }), 'pass over')).toBe('software WebGPU (a fallback adapter), no GPU: wasm is faster here');
    expect(await webgpuProblem(offering({ info: { isFallbackAdapter: true, description: 'Microsoft Basic Render Driver' } }), 'pass over'))
      .toBe('software WebGPU (Microsoft Basic Render Driver), no GPU: wasm is faster here');
  });

  it('a hardware adapter is no problem', async () => {
    expect(await webgpuProblem(offering(HARDWARE), 'pass over')).toBeNull();
    expect(await webgpuProblem(offering({}), 'pass over')).toBeNull();
  });

  it('says whether the adapter in use is drawn in software', async () => {
    expect(await webgpuIsSoftware(offering(SWIFTSHADER))).toBe(true);
    expect(await webgpuIsSoftware(offering({ isFallbackAdapter: true }))).toBe(true);
    expect(await webgpuIsSoftware(offering(HARDWARE))).toBe(false);
    expect(await webgpuIsSoftware(offering(null))).toBe(false);
    expect(await webgpuIsSoftware(undefined)).toBe(false);
    expect(await webgpuIsSoftware(offering(null, new Error('blocked')))).toBe(false);
  });

  it("with only a fallback adapter, 'auto' goes on to the next backend and lists why WebGPU was not used", async () => {
    const selectFirst = async (order: readonly BackendName[]): Promise<BackendChoice> => ({ active: order[0]!, skipped: [] });
    const choice = await selectWithChecks(backendOrder('auto'), { webgpu: () => webgpuProblem(offering(SWIFTSHADER), 'pass over') }, selectFirst);
    expect(choice).toEqual({ active: 'webgl', skipped: [{ name: 'webgpu', reason: 'software WebGPU (swiftshader), no GPU: wasm is faster here' }] });
    const chosen = await selectWithChecks(backendOrder('webgpu'), { webgpu: () => webgpuProblem(offering(SWIFTSHADER), 'accept') }, selectFirst);
    expect(chosen).toEqual({ active: 'webgpu', skipped: [] });
  });
});

describe('WebGL renderer names', () => {
  it('software rasterisers are named, GPUs are not', () => {
    expect(softwareRasteriser('ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)')).toBe('SwiftShader');
    expect(softwareRasteriser('llvmpipe (LLVM 15.0.6, 256 bits)')).toBe('llvmpipe');
    expect(softwareRasteriser('ANGLE (Microsoft, Microsoft Basic Render Driver Direct3D11 vs_5_0 ps_5_0)')).toBe('Microsoft Basic Render Driver');
    expect(softwareRasteriser('Google SwiftShader')).toBe('SwiftShader');
    expect(softwareRasteriser('ANGLE (NVIDIA, NVIDIA GeForce RTX 3080 Direct3D11 vs_5_0 ps_5_0, D3D11)')).toBeNull();
    expect(softwareRasteriser('Apple M2')).toBeNull();
    expect(softwareRasteriser('')).toBeNull();
  });
});
