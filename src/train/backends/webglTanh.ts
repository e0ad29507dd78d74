import * as tf from '@tensorflow/tfjs-core';
import type { GPGPUProgram, MathBackendWebGL } from '@tensorflow/tfjs-backend-webgl';

/**
 * tfjs's Tanh on WebGL with packed textures. tfjs 4.22's WebGL Tanh has no packed program
 * (its Sigmoid has one): given what a convolution leaves, a packed texture, it runs an
 * unpack first, and leaves an unpacked output, which the convolution or concatenation
 * after it packs again. A step of the tanh preset ran 122 programs for its 61 Tanh where
 * the sigmoid preset runs 61 for its Sigmoid (scripts/bench/launches.ts --preset). Here
 * the same arithmetic as tfjs's, e^(-2|x|) and sign(x) (1 - e) / (1 + e), on the four
 * values of a packed texel at once, so each value is computed as tfjs computes it
 * (tests/e2e/pages/gpuKernels.ts compares the two). Where tfjs is told not to pack unary
 * operations (WEBGL_PACK_UNARY_OPERATIONS), and for other dtypes, tfjs's own kernel.
 */

function packedTanh(shape: readonly number[]): GPGPUProgram {
  return {
    variableNames: ['A'],
    outputShape: [...shape],
    packedInputs: true,
    packedOutput: true,
    userCode: `
      void main() {
        vec4 x = getAAtOutCoords();
        vec4 e2x = exp(-2.0 * abs(x));
        setOutput(sign(x) * (1.0 - e2x) / (1.0 + e2x));
      }
    `,
  };
}

let installed = false;

/** Installs it in place of tfjs's WebGL Tanh; once, after the webgl backend's module has loaded. */
export function registerWebglPackedTanh(): void {
  if (installed) return;
  const original = tf.getKernel('Tanh', 'webgl');
  if (!original) return;
  installed = true;
  tf.unregisterKernel('Tanh', 'webgl');
  tf.registerKernel({
    ...original,
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      if (x.dtype !== 'float32' || !tf.env().getBool('WEBGL_PACK_UNARY_OPERATIONS')) return original.kernelFunc(args);
      return (args.backend as MathBackendWebGL).runWebGLProgram(packedTanh(x.shape), [x], 'float32');
    },
  });
}
