import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { PRESETS, type ModelConfig } from '../../src/model/config';
import { forward } from '../../src/model/forward';
import { disposeParams } from '../../src/model/params';
import { RELU_CONCAT_KERNEL, RELU_GRAD_KERNEL, SLICE_RELU_GRAD_KERNEL } from '../../src/train/backends/kernelNames';
import { simdKernels } from '../../src/train/backends/simd/load';
import { reluGradInto } from '../../src/train/backends/simd/register';
import { reluConcatInto, sliceReluGradInto } from '../../src/train/backends/wasmReluConcat';
import { backwardPass, disposePass, trainingObjective } from '../../src/train/gradients';
import { probeSetup } from '../../src/train/probeSetup';
import { Rng } from '../../src/train/rng';
import { dropoutSeeds } from '../../src/train/trainer';
import { backend, noiseDataset } from '../helpers/tfjs';

/**
 * An inception block's ReLUs and concatenation as one wasm kernel, and its gradient as one
 * kernel per branch (src/train/backends/wasmReluConcat.ts): the same bits as tfjs's Relu
 * and Concat and as SplitV and GradFlow's ReLU gradient, for every float32 bit pattern
 * that matters (NaNs of either sign and any payload, -0, infinities, subnormals), in the
 * SIMD kernels and in their plain fallbacks (the gradient's against the fallbacks it stands
 * for); and whole training passes that equal, to the bit, the passes without the kernel.
 */

/** Float32 words of every kind: random bits, and the special values, many times each. */
function awkwardWords(n: number, rng: Rng): Int32Array {
  const special = [0x7fc00000, 0xffc00000, 0x7f800001, 0xff800001, 0x7fc12345, 0xffa00001, 0x80000000, 0, 0x80000001, 1, 0xff800000, 0x7f800000, 0xbf800000, 0x3f800000, 0x807fffff];
  return Int32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? special[(i / 3) % special.length]! : Math.floor(rng.uniform(0, 2 ** 32))) | 0);
}

const floats = (words: Int32Array): Float32Array => new Float32Array(words.buffer, words.byteOffset, words.length);
const wordsOf = (t: tf.Tensor): Int32Array => new Int32Array((t.dataSync() as Float32Array).slice().buffer);

/** Runs `f` with `kernelName` on wasm replaced by a wrapper that counts its calls; restores it after. */
function counting<T>(kernelName: string, f: (calls: () => number) => T): T {
  const original = tf.getKernel(kernelName, 'wasm')!;
  let calls = 0;
  tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({ ...original, kernelFunc: (args) => (calls++, original.kernelFunc(args)) });
  try {
    return f(() => calls);
  } finally {
    tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel(original);
  }
}

/** Runs `f` with `kernelName` not registered on wasm (the model then runs tfjs's Relu and Concat); restores it after. */
function without<T>(kernelName: string, f: () => T): T {
  const original = tf.getKernel(kernelName, 'wasm')!;
  tf.unregisterKernel(kernelName, 'wasm');
  try {
    return f();
  } finally {
    tf.registerKernel(original);
  }
}

const WIDTHS = [1, 4, 6, 13]; // under, at, between and over the 4 lanes
const LEAD = [2, 3, 5];

describe('GradFlowReluConcat and GradFlowSliceReluGrad on wasm', () => {
  beforeAll(() => backend('wasm'));
  const rng = new Rng(2718);
  const rows = LEAD.reduce((a, b) => a * b, 1);
  const inputs = WIDTHS.map((w) => awkwardWords(rows * w, rng));

  it('are registered, and the SIMD kernels, which they run, are there', () => {
    expect(tf.getKernel(RELU_CONCAT_KERNEL, 'wasm')).toBeDefined();
    expect(tf.getKernel(SLICE_RELU_GRAD_KERNEL, 'wasm')).toBeDefined();
    expect(simdKernels(tf.backend())).not.toBeNull(); // so the bit checks below are of the SIMD kernels
  });

  it("the forward kernel is tfjs's Relu then Concat, to the bit, and so is its fallback", () => {
    tf.tidy(() => {
      const xs = inputs.map((words, i) => tf.tensor(floats(words), [...LEAD, WIDTHS[i]!]));
      const expected = wordsOf(tf.concat(xs.map((x) => tf.relu(x)), 3));
      const fused = tf.engine().runKernel(RELU_CONCAT_KERNEL, xs as unknown as tf.NamedTensorMap, { sizes: WIDTHS } as unknown as tf.NamedAttrMap) as tf.Tensor;
      expect(fused.shape).toEqual([...LEAD, WIDTHS.reduce((a, b) => a + b, 0)]);
      expect(Array.from(wordsOf(fused))).toEqual(Array.from(expected));
      const plain = new Int32Array(expected.length);
      reluConcatInto(inputs, WIDTHS, plain, rows);
      expect(Array.from(plain)).toEqual(Array.from(expected));
    });
  });

  it("each input's gradient is SplitV then the ReLU gradient, to the bit, and so is its fallback", () => {
    tf.tidy(() => {
      const total = WIDTHS.reduce((a, b) => a + b, 0);
      const y = tf.concat(inputs.map((words, i) => tf.relu(tf.tensor(floats(words), [...LEAD, WIDTHS[i]!]))), 3);
      const dyWords = awkwardWords(rows * total, rng);
      const dy = tf.tensor(floats(dyWords), y.shape);
      const ys = tf.split(y, WIDTHS, 3);
      const dys = tf.split(dy, WIDTHS, 3);
      let begin = 0;
      for (const [i, size] of WIDTHS.entries()) {
        const expected = wordsOf(tf.engine().runKernel(RELU_GRAD_KERNEL, { x: ys[i]!, dy: dys[i]! }) as tf.Tensor);
        const got = tf.engine().runKernel(SLICE_RELU_GRAD_KERNEL, { y, dy }, { begin, size } as unknown as tf.NamedAttrMap) as tf.Tensor;
        expect(got.shape).toEqual([...LEAD, size]);
        expect(Array.from(wordsOf(got)), `input ${i}`).toEqual(Array.from(expected));
        // The fallback against the fallback it stands for where the SIMD kernels cannot run
        // (SplitV, then reluGradInto): JavaScript's arithmetic may keep a NaN's payload and
        // sign otherwise than wasm's, the same way in both.
        const plain = new Float32Array(rows * size);
        sliceReluGradInto(y.dataSync() as Float32Array, floats(dyWords), plain, rows, total, begin, size);
        const reference = new Float32Array(rows * size);
        reluGradInto(ys[i]!.dataSync() as Float32Array, dys[i]!.dataSync() as Float32Array, reference);
        expect(Array.from(new Int32Array(plain.buffer)), `input ${i}, fallback`).toEqual(Array.from(new Int32Array(reference.buffer)));
        begin += size;
      }
    });
  });

  it("tf.grad through the kernel equals tf.grad through tfjs's Relu and Concat, to the bit, and frees what it made", () => {
    const rngValues = new Rng(99);
    const xs = WIDTHS.map((w) => tf.tensor(Float32Array.from({ length: rows * w }, () => (rngValues.uniform(0, 1) < 0.3 ? 0 : rngValues.normal())), [...LEAD, w]));
    const weights = tf.tensor(Float32Array.from({ length: rows * 24 }, () => rngValues.normal()), [...LEAD, 24]);
    const before = tf.memory().numTensors;
    const loss = (fused: boolean) => (...parts: tf.Tensor[]) => tf.sum(tf.mul(fused
      ? tf.engine().runKernel(RELU_CONCAT_KERNEL, parts as unknown as tf.NamedTensorMap, { sizes: WIDTHS } as unknown as tf.NamedAttrMap) as tf.Tensor
      : tf.concat(parts.map((p) => tf.relu(p)), 3), weights));
    const viaKernel = tf.grads(loss(true))(xs);
    const viaTfjs = tf.grads(loss(false))(xs);
    for (const [i, g] of viaKernel.entries()) expect(Array.from(wordsOf(g)), `input ${i}`).toEqual(Array.from(wordsOf(viaTfjs[i]!)));
    tf.dispose([...viaKernel, ...viaTfjs]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([...xs, weights]);
  });

  it('refuses inputs that do not fit, with a clear message', () => {
    tf.tidy(() => {
      const a = tf.zeros([2, 3, 4]);
      const b = tf.zeros([2, 2, 4]);
      expect(() => tf.engine().runKernel(RELU_CONCAT_KERNEL, [a, b] as unknown as tf.NamedTensorMap, { sizes: [4, 4] } as unknown as tf.NamedAttrMap))
        .toThrow(`${RELU_CONCAT_KERNEL}: input 1 has shape [2, 2, 4], expected [2, 3, 4]`);
      expect(() => tf.engine().runKernel(RELU_CONCAT_KERNEL, [a, tf.zeros([2, 3, 4], 'int32')] as unknown as tf.NamedTensorMap, { sizes: [4, 4] } as unknown as tf.NamedAttrMap))
        .toThrow('takes float32 tensors, not int32');
      expect(() => tf.engine().runKernel(SLICE_RELU_GRAD_KERNEL, { y: a, dy: a }, { begin: 2, size: 3 } as unknown as tf.NamedAttrMap))
        .toThrow(`${SLICE_RELU_GRAD_KERNEL}: columns 2 to 4 are not within 4`);
    });
  });
});

describe('training passes on wasm with the kernel', () => {
  beforeAll(() => backend('wasm'));
  const dataset = noiseDataset();
  const CASES: [string, ModelConfig, number][] = [
    ['ReLU (paper)', PRESETS.relu, 9],
    ['ReLU with batch norm, dropout on', PRESETS['relu-bn'], 9],
    ['sigmoid (no ReLU: the kernel is not used)', PRESETS.sigmoid, 0],
  ];

  it.each(CASES)('%s: the same gradients, block gradients and losses as without it, to the bit', async (_, config, blocks) => {
    const setup = probeSetup(config, 5, dataset, 4);
    const seeds = dropoutSeeds(5, 2);
    const objective = trainingObjective(config);
    const before = tf.memory().numTensors;
    const fused = counting(RELU_CONCAT_KERNEL, (calls) => {
      const pass = backwardPass(setup.params, setup.batch, objective, seeds, config);
      expect(calls(), 'inception blocks run through the kernel').toBe(blocks);
      return pass;
    });
    const plain = without(RELU_CONCAT_KERNEL, () => backwardPass(setup.params, setup.batch, objective, seeds, config));
    for (const [v, variable] of setup.params.trainable.entries()) {
      expect(wordsOf(fused.grads[v]!), variable.name).toEqual(wordsOf(plain.grads[v]!));
    }
    const blockWords = (t: tf.Tensor | null): Int32Array | null => (t === null ? null : wordsOf(t));
    expect(plain.blockGrads.filter((g) => g !== null).length).toBeGreaterThan(0);
    for (const [b, grad] of plain.blockGrads.entries()) expect(blockWords(fused.blockGrads[b]!), `block ${b}`).toEqual(blockWords(grad));
    expect(wordsOf(fused.crossEntropy)).toEqual(wordsOf(plain.crossEntropy));
    disposePass(fused);
    disposePass(plain);
    expect(tf.memory().numTensors).toBe(before);
    disposeParams(setup.params);
    tf.dispose([setup.batch.x, setup.batch.labels]);
  });

  it('evaluation logits are the same as without it, to the bit', () => {
    const setup = probeSetup(PRESETS.relu, 6, dataset, 4);
    const run = (): Int32Array[] => tf.tidy(() => {
      const heads = forward(setup.params, setup.batch.x, { training: false, dropoutSeeds: null });
      return [heads.main, heads.aux1, heads.aux2].map((t) => wordsOf(t!));
    });
    const fused = counting(RELU_CONCAT_KERNEL, (calls) => {
      const logits = run();
      expect(calls()).toBe(9);
      return logits;
    });
    expect(fused).toEqual(without(RELU_CONCAT_KERNEL, run));
    disposeParams(setup.params);
    tf.dispose([setup.batch.x, setup.batch.labels]);
  });
});
