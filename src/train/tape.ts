import * as tf from '@tensorflow/tfjs-core';

/**
 * The gradients of several objectives from one recorded forward pass.
 *
 * `tf.variableGrads` runs its function, records what the kernels did on tfjs's tape, walks
 * the tape back once from the one scalar returned, and frees the tape. A per-head step
 * needs the gradient of each head's loss apart, and each head's loss is a function of the
 * same forward pass: run through `tf.variableGrads` once per head, the forward ran once
 * per head too (the trunk up to inception 4a three times, up to 4d twice). Here the
 * forward runs and is recorded once; the tape is then walked back once per objective,
 * each walk as `tf.variableGrads` makes it (the tape's nodes that depend on a variable and
 * lead to that objective, newest first; a gradient that reaches a tensor twice added in
 * the same order), so each objective's gradients are the same to the bit as
 * `tf.variableGrads` would give (tests/train/tape.test.ts). The recorded kernels keep
 * what their gradients need until the last walk, then it is freed.
 *
 * Recording uses tfjs-core 4.22's engine: its tape and the calls that turn it on and
 * off, private in its types (`TapeEngine`); the tests catch a change of them.
 */

/** One recorded kernel, as tfjs-core 4.22's engine records it. */
interface TapeNode {
  readonly id: number;
  readonly kernelName: string;
  readonly inputs: Readonly<Record<string, tf.Tensor>>;
  readonly outputs: readonly tf.Tensor[];
  /** d objective / d (each input), given d objective / d (each output), null for an output the objective does not depend on. */
  readonly gradient?: (dys: (tf.Tensor | null)[]) => Readonly<Record<string, () => tf.Tensor>>;
  readonly saved?: readonly tf.Tensor[];
}

/** What of tfjs's engine recording needs; `startTape` and `endTape` are private in its types. */
interface TapeEngine {
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  startTape(): void;
  endTape(): void;
}

/** Each objective's value and its gradient with respect to each of `xs` (undefined where the objective does not depend on it). */
export interface GradientsOfEach {
  readonly values: tf.Scalar[];
  readonly grads: (tf.Tensor | undefined)[][];
}

/**
 * Runs `f` once on a fresh tape and returns, for each scalar it returns, d scalar / d x for
 * every x in `xs`. `beforeWalk(k)` is called before the walk back from the k-th scalar
 * (for gradient functions that record what reaches them). Like `tf.variableGrads`, it
 * must not run inside another gradient (a `tf.grad` or `tf.variableGrads` function). The
 * tensors returned belong to the caller.
 */
export function gradientsOfEach(f: () => tf.Scalar[], xs: readonly tf.Tensor[], beforeWalk?: (k: number) => void): GradientsOfEach {
  const engine = tf.engine() as unknown as TapeEngine;
  if (engine.state.gradientDepth !== 0) throw new Error('gradientsOfEach cannot run inside another gradient computation');
  let values: tf.Scalar[];
  engine.startTape();
  try {
    values = tf.tidy(f);
  } catch (error) {
    releaseTape(engine);
    throw error;
  } finally {
    engine.endTape();
  }
  const tape = engine.state.activeTape!;
  const grads: (tf.Tensor | undefined)[][] = [];
  try {
    values.forEach((y, k) => {
      if (!(y instanceof tf.Tensor) || y.rank !== 0) throw new Error('each objective must be a scalar tensor');
      beforeWalk?.(k);
      grads.push(tf.tidy(() => walkBack(tape, xs, y)));
    });
    return { values, grads };
  } catch (error) {
    tf.dispose([...values, ...grads.flat().filter((g) => g !== undefined)]);
    throw error;
  } finally {
    releaseTape(engine);
  }
}

/** Frees what the recorded kernels kept for their gradients, and the tape. */
function releaseTape(engine: TapeEngine): void {
  for (const node of engine.state.activeTape ?? []) tf.dispose(node.saved ? [...node.saved] : []);
  engine.state.activeTape = null;
}

/** d y / d x for each x, walking back the part of the tape from `xs` to `y`. */
function walkBack(tape: readonly TapeNode[], xs: readonly tf.Tensor[], y: tf.Tensor): (tf.Tensor | undefined)[] {
  const path = nodesFromXsToY(tape, xs, y);
  const gradient = new Map<number, tf.Tensor>([[y.id, tf.ones(y.shape)]]); // tensor id -> d y / d tensor; d y / d y made on the host (an upload), as tfjs does
  for (let i = path.length - 1; i >= 0; i--) {
    const { node, inputs } = path[i]!;
    if (!node.gradient) throw new Error(`no gradient is registered for ${node.kernelName}`);
    const dys = node.outputs.map((output) => gradient.get(output.id) ?? null);
    const inputGradients = node.gradient(dys);
    for (const name of inputs) {
      const x = node.inputs[name]!;
      const take = inputGradients[name];
      if (!take) throw new Error(`the gradient of ${node.kernelName} gives nothing for its input '${name}'`);
      const dx = tf.tidy(take);
      if (dx.dtype !== 'float32') throw new Error(`the gradient of ${node.kernelName} for '${name}' is ${dx.dtype}, not float32`);
      if (!tf.util.arraysEqual(dx.shape, x.shape)) {
        throw new Error(`the gradient of ${node.kernelName} for '${name}' has shape [${dx.shape}], its input [${x.shape}]`);
      }
      const before = gradient.get(x.id);
      if (before) {
        gradient.set(x.id, tf.add(before, dx));
        before.dispose();
      } else {
        gradient.set(x.id, dx);
      }
    }
  }
  return xs.map((x) => gradient.get(x.id));
}

/**
 * The nodes that depend on some x and that y depends on, in the tape's order, each with
 * the names of its inputs that depend on some x (the only ones given a gradient).
 */
function nodesFromXsToY(tape: readonly TapeNode[], xs: readonly tf.Tensor[], y: tf.Tensor): { node: TapeNode; inputs: string[] }[] {
  const fromXs = new Set(xs.map((x) => x.id)); //  tensors that depend on some x
  const dependsOnXs = new Set<number>(); //         nodes with an input that does
  for (const node of tape) {
    if (Object.keys(node.inputs).some((name) => fromXs.has(node.inputs[name]!.id))) {
      dependsOnXs.add(node.id);
      for (const output of node.outputs) fromXs.add(output.id);
    }
  }
  const toY = new Set([y.id]); //                   tensors y depends on
  const leadsToY = new Set<number>(); //            nodes with an output that y depends on
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i]!;
    if (node.outputs.some((output) => toY.has(output.id))) {
      leadsToY.add(node.id);
      for (const name of Object.keys(node.inputs)) toY.add(node.inputs[name]!.id);
    }
  }
  return tape
    .filter((node) => dependsOnXs.has(node.id) && leadsToY.has(node.id))
    .map((node) => ({ node, inputs: Object.keys(node.inputs).filter((name) => fromXs.has(node.inputs[name]!.id)) }));
}
