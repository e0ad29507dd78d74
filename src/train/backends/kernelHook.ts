import * as tf from '@tensorflow/tfjs-core';

/** The kernel functions that already call the hook, so that wrapping twice does nothing. */
const wrapped = new WeakSet<tf.KernelFunc>();
let hook: () => void = () => undefined;

/**
 * Makes every kernel registered for `backendName` call `before()` first (the worker uses it
 * to step aside while the page redraws, src/worker/pageYield.ts). Kernels registered later
 * (a backend set up again re-registers GradFlow's own) are wrapped by calling this again;
 * kernels already wrapped are left as they are. One hook for all backends: the latest given.
 */
export function callBeforeEachKernel(backendName: string, before: () => void): void {
  hook = before;
  for (const config of tf.getKernelsForBackend(backendName)) {
    if (wrapped.has(config.kernelFunc)) continue;
    const inner = config.kernelFunc;
    const outer: tf.KernelFunc = (args) => {
      hook();
      return inner(args);
    };
    wrapped.add(outer);
    tf.unregisterKernel(config.kernelName, backendName);
    tf.registerKernel({ ...config, kernelFunc: outer });
  }
}
