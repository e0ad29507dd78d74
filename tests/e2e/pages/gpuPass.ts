/**
 * A test page for the development server (tests/e2e/dev.e2e.ts): one training pass of the
 * default network (src/train/gradients.ts backwardPass, the three heads weighted as in
 * training) on WebGPU and on WebGL, each with every GradFlow kernel that selectBackend
 * installs there, and the same pass on tfjs's cpu backend: the heads' cross-entropy and
 * accuracy, the 128 weight gradients and the gradients reaching the 11 blocks. The result
 * lands in window.__gpuPass.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { describe as describeNetwork } from '../../../src/model/architecture';
import { PRESETS } from '../../../src/model/config';
import { createParams, disposeParams } from '../../../src/model/params';
import { selectBackend } from '../../../src/train/backends/select';
import { backwardPass, disposePass, trainingObjective } from '../../../src/train/gradients';

/** What one pass gave, read back. */
interface PassValues {
  readonly crossEntropy: number[];
  readonly accuracy: number[];
  readonly grads: Record<string, number[]>;
  readonly blockGrads: (number[] | null)[];
}

export type GpuPassResult = { ok: true; webgpu: PassValues; webgl: PassValues; cpu: PassValues } | { ok: false; error: string };

const BATCH = 4;

async function pass(): Promise<PassValues> {
  const config = PRESETS.relu;
  const params = createParams(describeNetwork(config), 7);
  // Made on the host, so that both backends get the same numbers (a GPU's sin of large arguments is not the host's).
  const x = tf.tensor4d(Float32Array.from({ length: BATCH * 32 * 32 }, (_, i) => Math.sin(i)), [BATCH, 32, 32, 1]);
  const labels = tf.tensor1d([3, 1, 4, 1], 'int32');
  try {
    const result = backwardPass(params, { x, labels }, trainingObjective(config), null);
    try {
      const grads: Record<string, number[]> = {};
      // By layer and place in it ("conv1 0": the kernel): variables' own names differ from one model to the next.
      for (const [i, g] of result.grads.entries()) {
        const layer = params.layerOfVariable[i]!;
        const first = params.layerOfVariable.indexOf(layer);
        grads[`${params.arch.layers[layer]!.name} ${i - first}`] = Array.from(await g.data());
      }
      return {
        crossEntropy: Array.from(await result.crossEntropy.data()),
        accuracy: Array.from(await result.accuracy.data()),
        grads,
        blockGrads: await Promise.all(result.blockGrads.map(async (g) => (g ? Array.from(await g.data()) : null))),
      };
    } finally {
      disposePass(result);
    }
  } finally {
    tf.dispose([x, labels]);
    disposeParams(params);
  }
}

async function main(): Promise<GpuPassResult> {
  const gpu: Partial<Record<'webgpu' | 'webgl', PassValues>> = {};
  for (const backend of ['webgpu', 'webgl'] as const) {
    const choice = await selectBackend([backend]);
    if (choice.active !== backend) throw new Error(`${backend} did not start here`);
    gpu[backend] = await pass();
  }
  if (!(await tf.setBackend('cpu'))) throw new Error('cpu did not start');
  return { ok: true, webgpu: gpu.webgpu!, webgl: gpu.webgl!, cpu: await pass() };
}

(window as unknown as { __gpuPass: Promise<GpuPassResult> }).__gpuPass = main().catch(
  (error: unknown): GpuPassResult => ({ ok: false, error: error instanceof Error ? `${error.message}\n${error.stack}` : String(error) }),
);
