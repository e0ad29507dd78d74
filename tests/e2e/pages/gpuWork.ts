/** What a GPU backend ran since the counter was last set to zero: programs launched, and on webgpu the buffer copies recorded (0 on webgl). */
export interface GpuWork {
  programs: number;
  copies: number;
}

/**
 * Starts counting, for a test page, the programs the active backend launches (webgl's
 * `runWebGLProgram`, webgpu's `recordAndSubmit`, which every program goes through) and on
 * webgpu every `copyBufferToBuffer` recorded in the page. Returns the live counts; set them
 * to 0 before the op counted.
 */
export function countGpuWork(name: 'webgl' | 'webgpu', backend: object): GpuWork {
  const work: GpuWork = { programs: 0, copies: 0 };
  const launching = backend as Record<string, (...args: unknown[]) => unknown>;
  const method = name === 'webgl' ? 'runWebGLProgram' : 'recordAndSubmit';
  const launch = launching[method]!.bind(backend);
  launching[method] = (...args: unknown[]) => {
    work.programs++;
    return launch(...args);
  };
  if (name === 'webgpu') {
    const encoder = (globalThis as unknown as { GPUCommandEncoder: { prototype: { copyBufferToBuffer(...args: unknown[]): void } } }).GPUCommandEncoder.prototype;
    const copy = encoder.copyBufferToBuffer;
    encoder.copyBufferToBuffer = function (this: unknown, ...args: unknown[]) {
      work.copies++;
      copy.apply(this, args);
    };
  }
  return work;
}
