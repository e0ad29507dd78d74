import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { callBeforeEachKernel } from '../../src/train/backends/kernelHook';
import { backend } from '../helpers/tfjs';

describe('callBeforeEachKernel', () => {
  beforeAll(() => backend('cpu'));

  it('calls the hook before every kernel of the backend, once each, and leaves results as they were', () => {
    const x = tf.tensor2d([[1, -2], [3, 4]]);
    const expected = Array.from(tf.relu(tf.matMul(x, x)).dataSync());
    let calls = 0;
    callBeforeEachKernel('cpu', () => void calls++);
    callBeforeEachKernel('cpu', () => void calls++); // wrapping again adds no second call
    const y = tf.relu(tf.matMul(x, x));
    expect(Array.from(y.dataSync())).toStrictEqual(expected);
    expect(calls).toBe(2); // BatchMatMul (matMul's kernel) and Relu

    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.relu(v)))(x);
    expect(Array.from(g.dataSync())).toStrictEqual([1, 0, 1, 1]);
    expect(calls).toBeGreaterThan(2);
  });
});
