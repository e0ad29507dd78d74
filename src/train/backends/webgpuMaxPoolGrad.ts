import * as tf from '@tensorflow/tfjs-core';
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';

/**
 * MaxPoolGrad on tfjs 4.22's webgpu backend as one program instead of two.
 *
 * tfjs runs a pooling program that writes, for every window, the position of its maximum,
 * then a second that routes dy through those positions. Here each element of dx finds, for
 * every window it lies in, that window's maximum itself, as tfjs's first program does (the
 * last maximum in row-major order: `value >= max`, out-of-bounds positions skipped, NaN as
 * the comparison leaves it), and adds that window's dy where it is the one, as the second
 * does, in the same order: the same numbers to the bit. A window is scanned once for each
 * of its elements (nine times for 3x3) instead of once, which on a GPU costs less than a
 * launch: a step of the small network is bound by its launches (docs/benchmarks.md,
 * "Target (GPU)"). The network pools 11 times per step.
 *
 * Only the webgpu package's types are imported: the module is installed once that backend
 * has started. Checked against tfjs's own kernel, bit for bit, in Chromium
 * (tests/e2e/pages/webgpuMaxPoolGrad.ts).
 */

const THREADS = 128;

function program(info: tf.backend_util.Conv2DInfo): WebGPUProgram {
  const size = tf.util.sizeFromShape(info.inShape);
  return {
    variableNames: ['x', 'dy'],
    outputShape: [...info.inShape],
    shaderKey: 'gradflow_max_pool_grad',
    dispatchLayout: { x: [0, 1, 2, 3] },
    dispatch: [Math.ceil(size / THREADS), 1, 1],
    workgroupSize: [THREADS, 1, 1],
    size: true,
    uniforms: 'strides : vec2<i32>, pads : vec2<i32>, backPads : vec2<i32>, filterDims : vec2<i32>, inDims : vec2<i32>, outDims : vec2<i32>,',
    getUserCode: () => `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let coords = getCoordsFromIndex(index);
          let batch = coords[0];
          let d = coords[3];
          let dyCorner = vec2<i32>(coords.yz) - uniforms.backPads;
          let lastIndex = uniforms.filterDims[0] * uniforms.filterDims[1] - 1;
          var dotProd = 0.0;
          for (var wR = 0; wR < uniforms.filterDims[0]; wR = wR + 1) {
            let dyR = f32(dyCorner.x + wR) / f32(uniforms.strides[0]);
            if (dyR < 0.0 || dyR >= f32(uniforms.outDims[0]) || fract(dyR) > 0.0) {
              continue;
            }
            let idyR = i32(dyR);
            for (var wC = 0; wC < uniforms.filterDims[1]; wC = wC + 1) {
              let dyC = f32(dyCorner.y + wC) / f32(uniforms.strides[1]);
              if (dyC < 0.0 || dyC >= f32(uniforms.outDims[1]) || fract(dyC) > 0.0) {
                continue;
              }
              let idyC = i32(dyC);
              let dyValue = getDy(batch, idyR, idyC, d);
              // The window's maximum, found as tfjs's pooling program finds it.
              let xRCorner = idyR * uniforms.strides[0] - uniforms.pads[0];
              let xCCorner = idyC * uniforms.strides[1] - uniforms.pads[1];
              var maxValue = 0.0;
              var maxValueFound = 0.0;
              var maxPosition = 0;
              for (var pR = 0; pR < uniforms.filterDims[0]; pR = pR + 1) {
                let xR = xRCorner + pR;
                if (xR < 0 || xR >= uniforms.inDims[0]) {
                  continue;
                }
                for (var pC = 0; pC < uniforms.filterDims[1]; pC = pC + 1) {
                  let xC = xCCorner + pC;
                  if (xC < 0 || xC >= uniforms.inDims[1]) {
                    continue;
                  }
                  let value = getX(batch, xR, xC, d);
                  let currMaxValue = mix(value, maxValue, maxValueFound);
                  if (value >= currMaxValue) {
                    maxValue = value;
                    maxValueFound = 1.0;
                    maxPosition = pR * uniforms.filterDims[1] + pC;
                  }
                }
              }
              // This element takes the window's dy where it is that maximum (positions counted from the window's far corner, as tfjs's routing counts them).
              let mask = select(0.0, 1.0, lastIndex - maxPosition == wR * uniforms.filterDims[1] + wC);
              dotProd += dyValue * mask;
            }
          }
          setOutputAtIndex(index, dotProd);
        }
      }
    `,
  };
}

interface PoolAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'same' | 'valid' | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function maxPoolGrad(backend: WebGPUBackend, x: tf.TensorInfo, dy: tf.TensorInfo, attrs: PoolAttrs): tf.TensorInfo {
  const info = tf.backend_util.computePool2DInfo(x.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const pair = (a: number, b: number) => ({ type: 'int32' as const, data: [a, b] });
  return backend.runWebGPUProgram(program(info), [x, dy], 'float32', [
    pair(info.strideHeight, info.strideWidth),
    pair(info.padInfo.top, info.padInfo.left),
    pair(info.effectiveFilterHeight - 1 - info.padInfo.top, info.effectiveFilterWidth - 1 - info.padInfo.left),
    pair(info.effectiveFilterHeight, info.effectiveFilterWidth),
    pair(info.inHeight, info.inWidth),
    pair(info.outHeight, info.outWidth),
  ]);
}

let registered = false;

/** Installs it on the webgpu backend in place of tfjs's, which still takes what it does not (not float32); once, after webgpu's module has loaded. */
export function registerWebgpuMaxPoolGrad(): void {
  if (registered) return;
  const original = tf.getKernel('MaxPoolGrad', 'webgpu');
  if (!original) return;
  registered = true;
  tf.unregisterKernel('MaxPoolGrad', 'webgpu');
  tf.registerKernel({
    ...original,
    kernelFunc: (args) => {
      const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
      if (dy.dtype !== 'float32' || input.dtype !== 'float32' || input.shape.length !== 4) return original.kernelFunc(args);
      return maxPoolGrad(args.backend as WebGPUBackend, input, dy, args.attrs as unknown as PoolAttrs);
    },
  });
}
