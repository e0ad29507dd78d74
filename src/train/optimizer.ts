import * as tf from '@tensorflow/tfjs-core';
import { SGD_UPDATE_KERNEL } from './backends/wasmUpdates';
import { flatten, partsOf, type PerVariable } from './perVariable';

export type OptimizerName = 'sgd' | 'adam';

/**
 * SGD with momentum (the paper's, as tfjs and PyTorch define it: v <- m v + g,
 * theta <- theta - lr v) and Adam (Kingma and Ba, with bias correction, epsilon 1e-7 as
 * tfjs). Written on plain ops so that an update can be held back on the device: when the
 * step went non-finite (`ok` false) neither weights nor optimizer state change, and
 * training can resume from the last good state at a lower rate.
 */
export class Optimizer {
  /** Per variable: its SGD momentum, where wasm's one-kernel update runs per variable. */
  private readonly velocities: tf.Variable[] = [];
  /**
   * Everywhere else, the optimizer's state of every variable as vectors, in the variables'
   * order: SGD's momentum, or Adam's two moments. Kept flat, it is neither joined nor cut up
   * again at each step. A checkpoint reads SGD's momentum in the same order as from one slot
   * per variable (so checkpoints move between wasm and the other backends); Adam's state is
   * flat on every backend, its first moment, then its second.
   */
  private readonly flatState: tf.Variable[] = [];
  /**
   * The variables' values as one vector, as the last update left them, and the data each
   * variable held then: while every variable still holds that data, the next update starts
   * from this vector instead of joining the variables again (a program per few variables on
   * the GPU backends). Anything that assigns a variable in between (a checkpoint restored, a
   * state rolled back) gives it other data, and the variables are joined again.
   */
  private lastWeights: { readonly flat: tf.Tensor1D; readonly data: readonly object[] } | null = null;
  /** Per pattern of frozen variables: true for each element of a variable that is not frozen (kept). */
  private readonly notFrozen = new Map<string, tf.Tensor1D>();

  constructor(
    readonly name: OptimizerName,
    private readonly momentum = 0.9,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = 1e-7,
  ) {}

  /** Whether the active backend updates each variable with one kernel (wasm's SGD), rather than all variables at once. */
  private get perVariableKernel(): boolean {
    return this.name === 'sgd' && tf.getKernel(SGD_UPDATE_KERNEL, tf.getBackend()) !== undefined;
  }

  /** Whether apply takes, and gives, every variable's values as one flat vector (PerVariable's `flat`): where the update runs on all variables at once. */
  get updatesFlat(): boolean {
    return !this.perVariableKernel;
  }

  /**
   * Applies one update where `ok` holds and returns each variable's change (zero where it
   * does not) and its new values, per variable or flat as the update ran. `t` is the
   * 1-based number of this update (Adam's bias correction). Variables marked `frozen` (a
   * head that is off) keep their values and state, and change by exactly zero.
   * Call inside tf.tidy.
   */
  apply(vars: readonly tf.Variable[], grads: PerVariable, ok: tf.Scalar, learningRate: number, t: number, frozen: readonly boolean[] = []): { readonly delta: PerVariable; readonly weights: PerVariable } {
    this.ensureSlots(vars);
    if (this.perVariableKernel) {
      const g = partsOf(grads);
      const attrs = { learningRate, momentum: this.momentum } as unknown as tf.NamedAttrMap;
      const delta = vars.map((v, i) => {
        if (frozen[i]) return tf.zerosLike(v);
        // One kernel instead of about ten launches (backends/wasmUpdates.ts): the same numbers.
        const [next, velocity, change] = tf.engine().runKernel(SGD_UPDATE_KERNEL, { theta: v, velocity: this.velocities[i]!, grad: g[i]!, ok }, attrs) as tf.Tensor[];
        this.velocities[i]!.assign(velocity!);
        v.assign(next!);
        return change!;
      });
      return { delta: { parts: delta }, weights: { parts: vars } };
    }
    // Elsewhere every variable is updated at once: the update's handful of elementwise ops
    // run on all variables flattened into one vector (about ten launches per variable
    // otherwise, which is what a step costs on a GPU), then the new values are cut back
    // into the variables. Elementwise, so the numbers are those of a per-variable update.
    const shapes = vars.map((v) => v.shape);
    const theta = this.weightsAsLeft(vars) ?? flatten(vars);
    const g = 'flat' in grads ? grads.flat : flatten(grads.parts);
    const notFrozen = frozen.some(Boolean) ? this.notFrozenMask(vars, frozen) : null;
    const keep = notFrozen ? tf.logicalAnd(ok, notFrozen) : ok;
    const { next, state } = this.update(theta, g, this.flatState, keep, tf.scalar(learningRate), t);
    const applied = tf.where(keep, next, theta) as tf.Tensor1D;
    // Frozen variables change by exactly zero, even where a weight is not finite (x - x is NaN there).
    const change = tf.sub(applied, theta);
    const delta = (notFrozen ? tf.where(notFrozen, change, tf.zerosLike(change)) : change) as tf.Tensor1D;
    state.forEach((moment, k) => this.flatState[k]!.assign(moment));
    partsOf({ flat: applied, shapes }).forEach((part, i) => vars[i]!.assign(part));
    this.keepWeights(vars, applied);
    return { delta: { flat: delta, shapes }, weights: { flat: applied, shapes } };
  }

  /** The variables' values as the last update left them, if every variable still holds them; else null. */
  private weightsAsLeft(vars: readonly tf.Variable[]): tf.Tensor1D | null {
    const last = this.lastWeights;
    if (!last || last.data.length !== vars.length || vars.some((v, i) => v.dataId !== last.data[i])) return null;
    return last.flat;
  }

  /** Keeps `flat` (a copy that shares its data: no launch) as the values the variables now hold. */
  private keepWeights(vars: readonly tf.Variable[], flat: tf.Tensor1D): void {
    this.lastWeights?.flat.dispose();
    this.lastWeights = { flat: tf.keep(tf.clone(flat)), data: vars.map((v) => v.dataId) };
  }

  /** [elements of all variables]: true where the element's variable is not frozen; made once per pattern and kept. */
  private notFrozenMask(vars: readonly tf.Variable[], frozen: readonly boolean[]): tf.Tensor1D {
    const key = vars.map((v, i) => `${v.size}${frozen[i] ? 'f' : ''}`).join(',');
    const known = this.notFrozen.get(key);
    if (known) return known;
    const mask = new Uint8Array(vars.reduce((n, v) => n + v.size, 0));
    let at = 0;
    vars.forEach((v, i) => {
      if (!frozen[i]) mask.fill(1, at, at + v.size);
      at += v.size;
    });
    const made = tf.keep(tf.tensor1d(mask, 'bool'));
    this.notFrozen.set(key, made);
    return made;
  }

  /** One update of `theta` (any shape): the new values, and the optimizer state to keep (unchanged where `ok`, a scalar or one per element, is false). */
  private update(theta: tf.Tensor, g: tf.Tensor, slots: readonly tf.Tensor[], ok: tf.Tensor, lr: tf.Scalar, t: number): { next: tf.Tensor; state: tf.Tensor[] } {
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
    return this.flatState.length > 0 ? [...this.flatState] : [...this.velocities];
  }

  private ensureSlots(vars: readonly tf.Variable[]): void {
    if (this.velocities.length > 0 || this.flatState.length > 0) return;
    if (this.perVariableKernel) {
      for (const v of vars) this.velocities.push(tf.variable(tf.zerosLike(v), false));
      return;
    }
    const size = vars.reduce((n, v) => n + v.size, 0);
    for (let k = 0; k < (this.name === 'sgd' ? 1 : 2); k++) this.flatState.push(tf.variable(tf.zeros([size]), false));
  }

  dispose(): void {
    for (const slot of [...this.velocities, ...this.flatState]) slot.dispose();
    this.velocities.length = 0;
    this.flatState.length = 0;
    this.lastWeights?.flat.dispose();
    this.lastWeights = null;
    for (const mask of this.notFrozen.values()) mask.dispose();
    this.notFrozen.clear();
  }
}
