import type { Architecture, LayerInfo } from '../../src/model/architecture';

/**
 * Analytic FLOP counts of the forward pass, per sample, from the network's description.
 * One multiply-add is 2 FLOPs. Only the weighted layers count:
 * - conv: 2 * kh * kw * cin * cout * h' * w' (h', w' the output's height and width);
 * - dense: 2 * in * out.
 * Bias adds, activations, pooling, batch norm, concatenation, dropout and the softmax are
 * left out: they are a small share of the arithmetic (though not of the memory traffic).
 */
export function layerFlops(layer: LayerInfo): number {
  if (layer.op === 'dense') {
    const [inputs, units] = layer.kernelShape as [number, number];
    return 2 * inputs * units;
  }
  const [kh, kw, cin, cout] = layer.kernelShape as [number, number, number, number];
  const [h, w] = layer.outputShape as [number, number, number];
  return 2 * kh * kw * cin * cout * h * w;
}

/** Forward FLOPs of one sample through every layer of `arch` (every head it describes). */
export function forwardFlops(arch: Architecture): number {
  return arch.layers.reduce((sum, layer) => sum + layerFlops(layer), 0);
}

/**
 * FLOPs of one training step of `batch` samples, by the usual convention: the backward
 * pass costs twice the forward (the input gradient and the weight gradient each cost
 * about one forward), so a step is 3 forwards.
 */
export function trainStepFlops(arch: Architecture, batch: number): number {
  return 3 * forwardFlops(arch) * batch;
}
