/**
 * Whether the wasm backend loads its threaded build. tfjs 4.22 gives XNNPACK
 * navigator.hardwareConcurrency / 2 threads, at least 1 (1 with 2 cores, as read in the
 * worker), and its threaded build starts a pool of 8 pthread workers whatever that
 * number. With fewer than 4 logical cores XNNPACK runs on one thread, so the pool is idle:
 * 8 more workers to start (each its own JavaScript heap and a copy of the module) before
 * the first step, for nothing. There the plain SIMD build runs the same kernels on the
 * same one thread.
 */
export function wasmThreadsPayOff(logicalCores: number): boolean {
  return Math.floor(logicalCores / 2) >= 2;
}
