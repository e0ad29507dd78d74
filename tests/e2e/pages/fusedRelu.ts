/**
 * A test page for the development server (tests/e2e/dev.e2e.ts): the default network's
 * gradients on WebGL (or WebGPU, `?backend=webgpu`), where each convolution runs with its
 * ReLU in one kernel (src/model/forward.ts fusesActivation), against the same backend with
 * the ReLUs apart (its kernels under another name, which the model does not fuse on), and a
 * NaN through one fused layer against the separate ReLU; on WebGL also against the same step
 * with the filters not packed first. The result lands in window.__fusedRelu.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { describe as describeNetwork } from '../../../src/model/architecture';
import { PRESETS } from '../../../src/model/config';
import { forward, fusesActivation } from '../../../src/model/forward';
import { createParams, disposeParams } from '../../../src/model/params';
import { registerConvGradients } from '../../../src/train/backends/convGradients';
import { PACKED_FILTER_KERNEL } from '../../../src/train/backends/kernelNames';

interface Gradients { readonly grads: Record<string, Float32Array>; readonly kernels: Record<string, number> }

/** Every weight's gradient of a fixed weighting of the three heads' logits, and the kernels the step ran. */
async function modelGradients(backend: string): Promise<Gradients> {
  await tf.setBackend(backend);
  const params = createParams(describeNetwork(PRESETS.relu), 7);
  const kept: Record<string, tf.Tensor> = {};
  try {
    const profile = await tf.profile(() => {
      const x = tf.tidy(() => tf.sin(tf.reshape(tf.range(0, 2 * 32 * 32), [2, 32, 32, 1]))) as tf.Tensor4D;
      const result = tf.variableGrads(() => {
        const heads = forward(params, x, { training: false, dropoutSeeds: null });
        return tf.addN([heads.main, tf.mul(heads.aux1!, 0.3), tf.mul(heads.aux2!, 0.3)].map((logits, i) => tf.sum(tf.mul(logits, tf.cos(tf.reshape(tf.range(i, i + 10), [1, 10])))))) as tf.Scalar;
      });
      // By layer and weight ("conv1/kernel"): variables' own names differ from one model to the next.
      for (const [layer, weights] of params.layers) {
        for (const [kind, variable] of Object.entries({ kernel: weights.kernel, bias: weights.bias })) {
          const g = variable && result.grads[variable.name];
          if (g) kept[`${layer}/${kind}`] = g;
        }
      }
      tf.dispose([x, result.value, ...Object.values(result.grads).filter((g) => !Object.values(kept).includes(g))]);
    });
    const kernels: Record<string, number> = {};
    for (const k of profile.kernels) kernels[k.name] = (kernels[k.name] ?? 0) + 1;
    // Read back after the step: a GPU backend's buffers are read asynchronously.
    const grads: Record<string, Float32Array> = {};
    for (const [name, g] of Object.entries(kept)) grads[name] = (await g.data()) as Float32Array;
    return { grads, kernels };
  } finally {
    tf.dispose(Object.values(kept));
    disposeParams(params);
  }
}

/** One fused conv + bias + ReLU against the three separate ops, a NaN in its input: where the NaNs are, output and gradients. */
async function nanThroughOneLayer(): Promise<{ fused: boolean[][]; plain: boolean[][] }> {
  const [fused, plain] = tf.tidy(() => {
    const xs = Array.from({ length: 2 * 5 * 5 * 3 }, (_, i) => Math.sin(i));
    xs[40] = NaN;
    const x = tf.tensor4d(xs, [2, 5, 5, 3]);
    const k = tf.tensor4d(Array.from({ length: 3 * 3 * 3 * 4 }, (_, i) => Math.cos(i)), [3, 3, 3, 4]);
    const b = tf.tensor1d([0.1, -0.2, 0.3, -0.4]);
    const attrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1], activation: 'relu' } as unknown as tf.NamedAttrMap;
    const fusedLayer = (xt: tf.Tensor, kt: tf.Tensor, bt: tf.Tensor) => tf.engine().runKernel('FusedConv2D', { x: xt, filter: kt, bias: bt }, attrs) as tf.Tensor;
    const plainLayer = (xt: tf.Tensor, kt: tf.Tensor, bt: tf.Tensor) => tf.relu(tf.add(tf.conv2d(xt as tf.Tensor4D, kt as tf.Tensor4D, 1, 'same'), bt));
    const run = (layer: typeof fusedLayer) => [layer(x, k, b), ...tf.grads((xt: tf.Tensor, kt: tf.Tensor, bt: tf.Tensor) => tf.sum(layer(xt, kt, bt)))([x, k, b])];
    return [run(fusedLayer), run(plainLayer)];
  });
  const nan = async (ts: tf.Tensor[]): Promise<boolean[][]> => Promise.all(ts.map(async (t) => Array.from(await t.data(), Number.isNaN)));
  try {
    return { fused: await nan(fused), plain: await nan(plain) };
  } finally {
    tf.dispose([...fused, ...plain]);
  }
}

/** The backend under test: `?backend=webgpu`, or webgl. */
const BACKEND = new URLSearchParams(location.search).get('backend') === 'webgpu' ? 'webgpu' : 'webgl';
/** The same backend's kernels under another name, on a device of its own: the model keeps its ReLUs apart there. */
const APART = `${BACKEND}-relu-apart`;

async function main() {
  registerConvGradients();
  const factory = tf.findBackendFactory(BACKEND);
  if (!factory) throw new Error(`no ${BACKEND} backend in this page`);
  tf.registerBackend(APART, factory);
  for (const kernel of tf.getKernelsForBackend(BACKEND)) tf.registerKernel({ ...kernel, backendName: APART });
  const fused = await modelGradients(BACKEND);
  if (tf.getBackend() !== BACKEND) throw new Error(`${BACKEND} did not start here`);
  const nan = await nanThroughOneLayer();
  const apart = await modelGradients(APART);
  // On WebGL each filter is packed once for its convolution and the convolution's input gradient: the same step with the filters given unpacked.
  let unpackedFilters: Gradients | null = null;
  const pack = tf.getKernel(PACKED_FILTER_KERNEL, BACKEND);
  if (pack) {
    tf.unregisterKernel(PACKED_FILTER_KERNEL, BACKEND);
    try {
      unpackedFilters = await modelGradients(BACKEND);
    } finally {
      tf.registerKernel(pack);
    }
  }
  return { backend: BACKEND, fuses: [fusesActivation(BACKEND, 'relu'), fusesActivation(APART, 'relu')], fused, apart, unpackedFilters, nan };
}

(window as unknown as { __fusedRelu: Promise<unknown> }).__fusedRelu = main().then(
  (result) => ({
    ok: true,
    ...result,
    fused: { ...result.fused, grads: plain(result.fused.grads) },
    apart: { ...result.apart, grads: plain(result.apart.grads) },
    unpackedFilters: result.unpackedFilters && { ...result.unpackedFilters, grads: plain(result.unpackedFilters.grads) },
  }),
  (error: unknown) => ({ ok: false, error: error instanceof Error ? `${error.message}\n${error.stack}` : String(error) }),
);

/** Typed arrays as plain arrays, to come back through page.evaluate. */
function plain(grads: Record<string, Float32Array>): Record<string, number[]> {
  return Object.fromEntries(Object.entries(grads).map(([name, g]) => [name, Array.from(g)]));
}
