import * as tf from '@tensorflow/tfjs-core';
import { SGD_UPDATE_KERNEL } from './backends/wasmUpdates';

export type OptimizerName = 'sgd' | 'adam';

/**
 * SGD with momentum (the paper's, as tfjs and PyTorch define it: v <- m v + g,
 * theta <- theta - lr v) and Adam (Kingma and Ba, with bias correction, epsilon 1e-7 as
 * tfjs). Written on plain ops so that an update can be held back on the device: when the
 * step went non-finite (`ok` false) neither weights nor optimizer state change, and
 * training can resume from the last good state at a lower rate.
 */
export class Optimizer {
  private readonly slots: tf.Variable[][] = [];

  constructor(
    readonly name: OptimizerName,
    private readonly momentum = 0.9,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = 1e-7,
  ) {}

  /**
   * Applies one update where `ok` holds and returns each variable's change (zeros where
   * it does not). `t` is the 1-based number of this update (Adam's bias correction).
   * Variables marked `frozen` (a head that is off) keep their values and state.
   * Call inside tf.tidy.
   */
  apply(vars: readonly tf.Variable[], grads: readonly tf.Tensor[], ok: tf.Scalar, learningRate: number, t: number, frozen: readonly boolean[] = []): tf.Tensor[] {
    this.ensureSlots(vars);
    const lr = tf.scalar(learningRate);
    return vars.map((v, i) => {
      if (frozen[i]) return tf.zerosLike(v);
      const g = grads[i]!;
      const slots = this.slots[i]!;
      let next: tf.Tensor;
      if (this.name === 'sgd' && tf.getKernel(SGD_UPDATE_KERNEL, tf.getBackend())) {
        // One kernel instead of about ten launches (backends/wasmUpdates.ts): the same numbers.
        const attrs = { learningRate, momentum: this.momentum } as unknown as tf.NamedAttrMap;
        const [next, velocity, delta] = tf.engine().runKernel(SGD_UPDATE_KERNEL, { theta: v, velocity: slots[0]!, grad: g, ok }, attrs) as tf.Tensor[];
        slots[0]!.assign(velocity!);
        v.assign(next!);
        return delta!;
      }
      if (this.name === 'sgd') {
        const velocity = tf.add(tf.mul(slots[0]!, this.momentum), g); //           v <- m v + g
        slots[0]!.assign(tf.where(ok, velocity, slots[0]!));
        next = tf.sub(v, tf.mul(lr, velocity)); //                                    theta <- theta - lr v
      } else {
        const m = tf.add(tf.mul(slots[0]!, this.beta1), tf.mul(g, 1 - this.beta1));
        const s = tf.add(tf.mul(slots[1]!, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        slots[0]!.assign(tf.where(ok, m, slots[0]!));
        slots[1]!.assign(tf.where(ok, s, slots[1]!));
        const mHat = tf.div(m, 1 - this.beta1 ** t);
        const sHat = tf.div(s, 1 - this.beta2 ** t);
        next = tf.sub(v, tf.mul(lr, tf.div(mHat, tf.add(tf.sqrt(sHat), this.epsilon))));
      }
      const applied = tf.where(ok, next, v);
      const delta = tf.sub(applied, v);
      v.assign(applied);
      return delta;
    });
  }

  /** The optimizer's state for `vars` (momentum; Adam's two moments), created at zero if no update ran yet: what a checkpoint saves. */
  stateVariables(vars: readonly tf.Variable[]): tf.Variable[] {
    this.ensureSlots(vars);
    return this.slots.flat();
  }

  private ensureSlots(vars: readonly tf.Variable[]): void {
    if (this.slots.length > 0) return;
    const count = this.name === 'sgd' ? 1 : 2;
    for (const v of vars) this.slots.push(Array.from({ length: count }, () => tf.variable(tf.zerosLike(v), false)));
  }

  dispose(): void {
    for (const slot of this.slots.flat()) slot.dispose();
    this.slots.length = 0;
  }
}
