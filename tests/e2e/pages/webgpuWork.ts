/** What the webgpu backend ran since the counter was last set to zero: programs dispatched and buffer copies recorded. */
export interface WebgpuWork {
  programs: number;
  copies: number;
}

/**
 * Starts counting, for a test page, the dispatches of the active webgpu backend (its
 * `recordAndSubmit`, which every program goes through) and every `copyBufferToBuffer`
 * recorded in the page. Returns the live counts; set them to 0 before the op counted.
 */
export function countWebgpuWork(backend: object): WebgpuWork {
  const work: WebgpuWork = { programs: 0, copies: 0 };
  const dispatching = backend as { recordAndSubmit(...args: unknown[]): void };
  const record = dispatching.recordAndSubmit.bind(dispatching);
  dispatching.recordAndSubmit = (...args: unknown[]) => {
    work.programs++;
    record(...args);
  };
  const encoder = (globalThis as unknown as { GPUCommandEncoder: { prototype: { copyBufferToBuffer(...args: unknown[]): void } } }).GPUCommandEncoder.prototype;
  const copy = encoder.copyBufferToBuffer;
  encoder.copyBufferToBuffer = function (this: unknown, ...args: unknown[]) {
    work.copies++;
    copy.apply(this, args);
  };
  return work;
}
