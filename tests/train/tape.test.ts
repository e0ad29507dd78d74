import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/train/rng';
import { gradientsOfEach } from '../../src/train/tape';
import { backend } from '../helpers/tfjs';

/**
 * gradientsOfEach records one forward pass and walks it back once per objective. Each
 * objective's gradients must be those tf.variableGrads gives for it alone, to the bit,
 * and the tape must be freed whatever happens.
 */

interface TapeState { activeTape: unknown[] | null; gradientDepth: number }
const engineState = () => (tf.engine() as unknown as { state: TapeState }).state;

const rng = new Rng(2024);
const random = (shape: number[]) => tf.tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()), shape);

/** What the probe recorded, in the order its gradient function ran. */
const probed: string[] = [];
/** An identity whose gradient doubles what reaches it and records that it ran. */
const doublingProbe = tf.customGrad(((x: tf.Tensor) => ({
  value: tf.clone(x),
  gradFunc: (dy: tf.Tensor) => {
    probed.push('probe');
    return tf.mul(dy, 2);
  },
})) as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor) => tf.Tensor;

/**
 * Three objectives of a small graph with what a network's tape holds: a tensor used by
 * several kernels (its gradients added), a kernel of two outputs one objective uses only one
 * of, a custom gradient, a kernel with an input that depends on no variable, and one
 * objective that does not depend on `c` at all.
 */
function objectives(a: tf.Variable, b: tf.Variable, c: tf.Variable, x: tf.Tensor): tf.Scalar[] {
  const h = tf.relu(tf.add(tf.matMul(x, a), b)); //            [4, 6], used four times below
  const [left, right] = tf.split(h, 2, 1); //                  [4, 3] each
  const probedH = doublingProbe(h);
  const y1 = tf.sum(tf.mul(h, h));
  const y2 = tf.mul(tf.sum(tf.tanh(left!)), 0.3); //          right unused
  const y3 = tf.add(tf.mean(tf.mul(probedH, tf.sum(c))), tf.sum(tf.sigmoid(tf.add(right!, h.slice([0, 0], [4, 3])))));
  return [y1 as tf.Scalar, y2 as tf.Scalar, y3 as tf.Scalar];
}

describe('gradientsOfEach', () => {
  beforeAll(() => backend('cpu'));
  afterEach(() => expect(engineState().gradientDepth).toBe(0));

  it("gives each objective the gradients tf.variableGrads gives it alone, to the bit, from one forward pass", async () => {
    const a = tf.variable(random([5, 6]), true, 'tape-a');
    const b = tf.variable(random([6]), true, 'tape-b');
    const c = tf.variable(random([2]), true, 'tape-c');
    const x = random([4, 5]);
    const vars = [a, b, c];
    const before = tf.memory().numTensors;

    let forwards = 0;
    const walks: number[] = [];
    probed.length = 0;
    const { values, grads } = gradientsOfEach(() => {
      forwards += 1;
      return objectives(a, b, c, x);
    }, vars, (k) => {
      walks.push(k);
      probed.push(`walk ${k}`);
    });
    expect(forwards).toBe(1);
    expect(walks).toEqual([0, 1, 2]);
    // Only the third objective goes through the probe, and its gradient ran in that walk.
    expect(probed).toEqual(['walk 0', 'walk 1', 'walk 2', 'probe']);

    for (let k = 0; k < 3; k++) {
      const alone = tf.variableGrads(() => objectives(a, b, c, x)[k]!, vars);
      expect(await values[k]!.data()).toEqual(await alone.value.data());
      for (const [i, v] of vars.entries()) {
        const expected = alone.grads[v.name];
        if (!expected) {
          expect(grads[k]![i], `${k} ${v.name}`).toBeUndefined();
          continue;
        }
        expect(Array.from(await grads[k]![i]!.data()), `${k} ${v.name}`).toEqual(Array.from(await expected.data()));
      }
      tf.dispose([alone.value, ...Object.values(alone.grads)]);
    }
    expect(grads[1]![2]).toBeUndefined(); // y2 does not depend on c
    expect(grads[2]![2]).toBeDefined();

    tf.dispose(values);
    tf.dispose(grads.flat().filter((g): g is tf.Tensor => g !== undefined));
    expect(tf.memory().numTensors).toBe(before); // the tape's kept tensors freed
    expect(engineState().activeTape).toBeNull();
    tf.dispose([a, b, c, x]);
  });

  it('frees the tape and passes the error on when the forward pass throws', () => {
    const a = tf.variable(random([3]), true, 'tape-throw');
    const before = tf.memory().numTensors;
    expect(() => gradientsOfEach(() => {
      tf.sum(tf.mul(tf.exp(a), a)); // recorded, then abandoned
      throw new Error('forward failed');
    }, [a])).toThrow('forward failed');
    expect(tf.memory().numTensors).toBe(before);
    expect(engineState().activeTape).toBeNull();
    // tfjs's own gradients still work after it.
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(a, a)), [a]);
    expect(grads['tape-throw']).toBeDefined();
    tf.dispose([a, ...Object.values(grads)]);
  });

  it('refuses an objective that is not a scalar, and frees everything, the walks already made too', () => {
    const a = tf.variable(random([3]), true, 'tape-vector');
    const before = tf.memory().numTensors;
    expect(() => gradientsOfEach(() => [tf.mul(a, 2) as unknown as tf.Scalar], [a])).toThrow('each objective must be a scalar tensor');
    expect(tf.memory().numTensors).toBe(before);
    expect(() => gradientsOfEach(() => [tf.sum(tf.square(a)), tf.mul(a, 2) as unknown as tf.Scalar], [a])).toThrow('each objective must be a scalar tensor');
    expect(tf.memory().numTensors).toBe(before);
    expect(engineState().activeTape).toBeNull();
    a.dispose();
  });

  it('refuses to run inside another gradient computation', () => {
    const a = tf.variable(random([3]), true, 'tape-nested');
    expect(() => tf.grad((y: tf.Tensor) => {
      gradientsOfEach(() => [tf.sum(tf.mul(a, y))], [a]);
      return tf.sum(y);
    })(tf.ones([3]))).toThrow('cannot run inside another gradient computation');
    a.dispose();
  });
});
