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
    if (this.name === 'sgd' && tf.getKernel(SGD_UPDATE_KERNEL, tf.getBackend())) {
      return vars.map((v, i) => {
        if (frozen[i]) return tf.zerosLike(v);
        // One kernel instead of about ten launches (backends/wasmUpdates.ts): the same numbers.
        const attrs = { learningRate, momentum: this.momentum } as unknown as tf.NamedAttrMap;
        const [next, velocity, delta] = tf.engine().runKernel(SGD_UPDATE_KERNEL, { theta: v, velocity: this.slots[i]![0]!, grad: grads[i]!, ok }, attrs) as tf.Tensor[];
        this.slots[i]![0]!.assign(velocity!);
        v.assign(next!);
        return delta!;
      });
    }
    // Elsewhere every variable is updated at once: the update's handful of elementwise ops
    // run on all variables flattened into one vector (about ten launches per variable
    // otherwise, which is what a step costs on a GPU), then the results are split back.
    // Elementwise, so the numbers are those of a per-variable update.
    const active = vars.map((_, i) => i).filter((i) => !frozen[i]);
    const deltas: tf.Tensor[] = vars.map((v, i) => (frozen[i] ? tf.zerosLike(v) : v));
    if (active.length === 0) return deltas;
    const join = (pick: (i: number) => tf.Tensor): tf.Tensor => (active.length === 1 ? tf.reshape(pick(active[0]!), [-1]) : tf.concat(active.map((i) => tf.reshape(pick(i), [-1]))));
    const theta = join((i) => vars[i]!);
    const slots = this.slots[0]!.map((_, k) => join((i) => this.slots[i]![k]!));
    const { next, state } = this.update(theta, join((i) => grads[i]!), slots, ok, lr, t);
    const applied = tf.where(ok, next, theta);
    const sizes = active.map((i) => vars[i]!.size);
    const split = (flat: tf.Tensor): tf.Tensor[] => (active.length === 1 ? [flat] : tf.split(flat, sizes));
    const [appliedParts, deltaParts] = [split(applied), split(tf.sub(applied, theta))];
    const stateParts = state.map(split);
    active.forEach((i, k) => {
      const shape = vars[i]!.shape;
      stateParts.forEach((parts, s) => this.slots[i]![s]!.assign(tf.reshape(parts[k]!, shape)));
      vars[i]!.assign(tf.reshape(appliedParts[k]!, shape));
      deltas[i] = tf.reshape(deltaParts[k]!, shape);
    });
    return deltas;
  }

  /** One update of `theta` (any shape): the new values, and the optimizer state to keep (unchanged where `ok` is false). */
  private update(theta: tf.Tensor, g: tf.Tensor, slots: readonly tf.Tensor[], ok: tf.Scalar, lr: tf.Scalar, t: number): { next: tf.Tensor; state: tf.Tensor[] } {
    if (this.name === 'sgd') {
      const velocity = tf.add(tf.mul(slots[0]!, this.momentum), g); //                v <- m v + g
      return { next: tf.sub(theta, tf.mul(lr, velocity)), state: [tf.where(ok, velocity, slots[0]!)] }; // theta <- theta - lr v
    }
    const m = tf.add(tf.mul(slots[0]!, this.beta1), tf.mul(g, 1 - this.beta1));
    const s = tf.add(tf.mul(slots[1]!, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
    const mHat = tf.div(m, 1 - this.beta1 ** t);
    const sHat = tf.div(s, 1 - this.beta2 ** t);
    return { next: tf.sub(theta, tf.mul(lr, tf.div(mHat, tf.add(tf.sqrt(sHat), this.epsilon)))), state: [tf.where(ok, m, slots[0]!), tf.where(ok, s, slots[1]!)] };
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
