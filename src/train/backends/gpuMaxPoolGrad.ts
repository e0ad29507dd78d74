import * as tf from '@tensorflow/tfjs-core';
import type { GPGPUProgram, MathBackendWebGL } from '@tensorflow/tfjs-backend-webgl';
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';

/**
 * MaxPoolGrad on tfjs 4.22's webgpu and webgl backends as one program instead of two, and
 * with the routing rule of every other backend.
 *
 * tfjs runs a pooling program that writes, for every window, the position of its maximum,
 * then a second that routes dy through those positions (on WebGL each also unpacks its
 * input first, the convolutions' outputs being packed). And its GPU programs route a tie to
 * the window's last maximum, where tfjs's cpu backend, GradFlow's wasm kernel
 * (wasmMaxPoolGrad.ts) and PyTorch route it to the first. Ties are common: ReLU leaves
 * whole windows of zeros. The weights' gradients do not see it (a zero's ReLU gradient is
 * 0), but the gradient reaching a block's output does, and with it its RMS on screen: on the
 * GPU backends it differed from wasm's (tests/e2e/pages/gpuPass.ts).
 *
 * Here each element of dx finds, for every window it lies in, where that window routes its
 * dy, by wasm's rule: the first maximum in row-major order, or the first NaN (so that a
 * diverging run stays visible), positions outside the input skipped, a window wholly in the
 * padding routing nowhere; and adds that window's dy if it is the element. The windows are
 * visited in the order of the output, so each element's sum is added in the order the
 * wasm kernel adds it: the same numbers to the bit (a non-finite dy reaches only the element
 * it is routed to, as on wasm). A window is scanned once for each of its elements (nine
 * times for 3x3) instead of once, which on a GPU costs less than a launch: a step of the
 * small network is bound by its launches (docs/benchmarks.md, "Target (GPU)"). The network
 * pools 11 times per step. On WebGL the program reads x and dy packed, as they come, and
 * writes dx unpacked, as tfjs's does.
 *
 * Only the backends' packages' types are imported: each is installed once its backend has
 * started. Checked against the wasm kernel's routing on the host, bit for bit, in Chromium
 * (tests/e2e/pages/gpuMaxPoolGrad.ts).
 */

const THREADS = 128;

function webgpuProgram(info: tf.backend_util.Conv2DInfo): WebGPUProgram {
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
              // Where the window routes its dy: its first maximum in row-major order, or its first NaN; nowhere (-1) if it lies wholly in the padding.
              let xRCorner = idyR * uniforms.strides[0] - uniforms.pads[0];
              let xCCorner = idyC * uniforms.strides[1] - uniforms.pads[1];
              var best = 0.0;
              var maxPosition = -1;
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
                  if (maxPosition < 0 || value > best || (isnan(value) && !isnan(best))) {
                    best = value;
                    maxPosition = pR * uniforms.filterDims[1] + pC;
                  }
                }
              }
              // This element takes the window's dy where it is that element (positions counted from the window's far corner, as the loop over windows counts them).
              if (lastIndex - maxPosition == wR * uniforms.filterDims[1] + wC) {
                dotProd += dyValue;
              }
            }
          }
          setOutputAtIndex(index, dotProd);
        }
      }
    `,
  };
}

/** The same on WebGL: the shapes in the shader, x and dy read packed (each value from its 2x2 block), dx unpacked. */
function webglProgram(info: tf.backend_util.Conv2DInfo): GPGPUProgram {
  const { strideHeight: sh, strideWidth: sw, effectiveFilterHeight: fh, effectiveFilterWidth: fw, inHeight, inWidth, outHeight, outWidth } = info;
  const { top, left } = info.padInfo;
  return {
    variableNames: ['X', 'Dy'],
    outputShape: [...info.inShape],
    packedInputs: true,
    packedOutput: false,
    userCode: `
      void main() {
        ivec4 coords = getOutputCoords();
        int b = coords[0];
        int d = coords[3];
        ivec2 dyCorner = coords.yz - ivec2(${fh - 1 - top}, ${fw - 1 - left});
        float dotProd = 0.0;
        for (int wR = 0; wR < ${fh}; wR++) {
          float dyR = float(dyCorner.x + wR) / ${sh}.0;
          if (dyR < 0.0 || dyR >= ${outHeight}.0 || fract(dyR) > 0.0) {
            continue;
          }
          int idyR = int(dyR);
          for (int wC = 0; wC < ${fw}; wC++) {
            float dyC = float(dyCorner.y + wC) / ${sw}.0;
            if (dyC < 0.0 || dyC >= ${outWidth}.0 || fract(dyC) > 0.0) {
              continue;
            }
            int idyC = int(dyC);
            float dyValue = getChannel(getDy(b, idyR, idyC, d), vec2(idyC, d));
            // Where the window routes its dy: its first maximum in row-major order, or its first NaN; nowhere (-1) if it lies wholly in the padding.
            int xRCorner = idyR * ${sh} - ${top};
            int xCCorner = idyC * ${sw} - ${left};
            float best = 0.0;
            int maxPosition = -1;
            for (int pR = 0; pR < ${fh}; pR++) {
              int xR = xRCorner + pR;
              if (xR < 0 || xR >= ${inHeight}) {
                continue;
              }
              for (int pC = 0; pC < ${fw}; pC++) {
                int xC = xCCorner + pC;
                if (xC < 0 || xC >= ${inWidth}) {
                  continue;
                }
                float value = getChannel(getX(b, xR, xC, d), vec2(xC, d));
                if (maxPosition < 0 || value > best || (isnan(value) && !isnan(best))) {
                  best = value;
                  maxPosition = pR * ${fw} + pC;
                }
              }
            }
            if (${fh * fw - 1} - maxPosition == wR * ${fw} + wC) {
              dotProd += dyValue;
            }
          }
        }
        setOutput(dotProd);
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

function poolInfo(x: tf.TensorInfo, attrs: PoolAttrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computePool2DInfo(x.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
}

function maxPoolGradWebgpu(backend: WebGPUBackend, x: tf.TensorInfo, dy: tf.TensorInfo, attrs: PoolAttrs): tf.TensorInfo {
  const info = poolInfo(x, attrs);
  const pair = (a: number, b: number) => ({ type: 'int32' as const, data: [a, b] });
  return backend.runWebGPUProgram(webgpuProgram(info), [x, dy], 'float32', [
    pair(info.strideHeight, info.strideWidth),
    pair(info.padInfo.top, info.padInfo.left),
    pair(info.effectiveFilterHeight - 1 - info.padInfo.top, info.effectiveFilterWidth - 1 - info.padInfo.left),
    pair(info.effectiveFilterHeight, info.effectiveFilterWidth),
    pair(info.inHeight, info.inWidth),
    pair(info.outHeight, info.outWidth),
  ]);
}

function maxPoolGradWebgl(backend: MathBackendWebGL, x: tf.TensorInfo, dy: tf.TensorInfo, attrs: PoolAttrs): tf.TensorInfo {
  return backend.runWebGLProgram(webglProgram(poolInfo(x, attrs)), [x, dy], 'float32');
}

const installed = new Set<string>();

/**
 * Installs it on `backend` (webgpu or webgl) in place of tfjs's kernel, which still takes
 * what it does not (not float32, not 4D); once per backend, after its module has loaded.
 */
export function registerGpuMaxPoolGrad(backend: 'webgpu' | 'webgl'): void {
  if (installed.has(backend)) return;
  const original = tf.getKernel('MaxPoolGrad', backend);
  if (!original) return;
  installed.add(backend);
  tf.unregisterKernel('MaxPoolGrad', backend);
  tf.registerKernel({
    ...original,
    kernelFunc: (args) => {
      const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
      if (dy.dtype !== 'float32' || input.dtype !== 'float32' || input.shape.length !== 4) return original.kernelFunc(args);
      const attrs = args.attrs as unknown as PoolAttrs;
      return backend === 'webgpu'
        ? maxPoolGradWebgpu(args.backend as WebGPUBackend, input, dy, attrs)
        : maxPoolGradWebgl(args.backend as MathBackendWebGL, input, dy, attrs);
    },
  });
}
