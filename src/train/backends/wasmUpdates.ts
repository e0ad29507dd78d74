import * as tf from '@tensorflow/tfjs-core';
import { floats, wasmHeap } from './wasmHeap';

/**
 * The optimizer's update of one variable as one wasm kernel per variable.
 *
 * Composed of tfjs ops (src/train/optimizer.ts), SGD with momentum costs about ten kernel
 * launches per variable, two of them a `tf.where` that broadcasts the `ok` scalar: over a
 * hundred variables, more than a thousand launches a step. This kernel reads the variable,
 * its velocity, its gradient and `ok` once from the wasm heap and writes the new variable,
 * the new velocity and the change (no readback). Every operation is rounded to float32
 * where the op composition rounds (Math.fround), so the numbers are the same to the bit;
 * tests/train/updates.test.ts checks that, NaN, infinities and a held-back step included.
 */

export const SGD_UPDATE_KERNEL = 'GradFlowSgdUpdate';

/** SGD with momentum, as Optimizer.apply on ops: v' = m v + g; where ok: theta' = theta - lr v'; else nothing changes. */
export function sgdUpdate(
  theta: Float32Array, velocity: Float32Array, grad: Float32Array, ok: boolean, learningRate: number, momentum: number,
  out: { theta: Float32Array; velocity: Float32Array; delta: Float32Array },
): void {
  const f = Math.fround;
  const m = f(momentum);
  const lr = f(learningRate);
  for (let i = 0; i < theta.length; i++) {
    const t = theta[i]!;
    const v = f(f(velocity[i]! * m) + grad[i]!);
    const applied = ok ? f(t - f(lr * v)) : t;
    out.velocity[i] = ok ? v : velocity[i]!;
    out.theta[i] = applied;
    out.delta[i] = f(applied - t);
  }
}

let registered = false;

/** Registers the kernel on the wasm backend (once). */
export function registerWasmUpdates(): void {
  if (registered) return;
  registered = true;
  tf.registerKernel({
    kernelName: SGD_UPDATE_KERNEL,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const heap = wasmHeap(backend);
      const { theta, velocity, grad, ok } = inputs as unknown as Record<'theta' | 'velocity' | 'grad' | 'ok', tf.TensorInfo>;
      const { learningRate, momentum } = attrs as unknown as { learningRate: number; momentum: number };
      const outs = [heap.makeOutput([...theta.shape], 'float32'), heap.makeOutput([...theta.shape], 'float32'), heap.makeOutput([...theta.shape], 'float32')];
      // Views are taken after the allocations: growing the heap detaches older views.
      const view = (t: tf.TensorInfo) => floats(heap, t);
      const [nextTheta, nextVelocity, delta] = outs.map(view) as [Float32Array, Float32Array, Float32Array];
      sgdUpdate(view(theta), view(velocity), view(grad), heap.typedArrayFromHeap(ok)[0] !== 0, learningRate, momentum, { theta: nextTheta, velocity: nextVelocity, delta });
      return outs;
    },
  });
}
