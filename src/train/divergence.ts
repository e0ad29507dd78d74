import type { Architecture } from '../model/architecture';
import type { ModelConfig } from '../model/config';
import { HEADS, LAYER_METRICS, type FrameShape } from './frame';

/**
 * Where a step first went non-finite, read from the step's numbers: a head's loss (the
 * forward pass blew up), else the first layer in depth order whose gradient holds a NaN
 * or an infinity, else the first block whose output gradient does. Null when all is finite.
 */
export function firstNonFinite(arch: Architecture, config: ModelConfig, data: Float32Array, shape: FrameShape): { where: string } | null {
  for (let h = 0; h < HEADS.length; h++) {
    const loss = data[h]!;
    const off = h > 0 && config[HEADS[h] as 'aux1' | 'aux2'].mode === 'off';
    if (!off && !Number.isFinite(loss)) return { where: `the ${HEADS[h]} head's loss (${loss})` };
  }
  if (!Number.isFinite(data[3]!)) return { where: `the total loss (${data[3]})` };
  const layersAt = 7;
  const width = LAYER_METRICS.length;
  for (let l = 0; l < shape.layers; l++) {
    const stats = data.subarray(layersAt + l * width, layersAt + l * width + 4); // gradNorm, gradRms, gradMeanAbs, gradMaxAbs
    const bad = stats.find((v) => !Number.isFinite(v));
    if (bad !== undefined) return { where: `${arch.layers[l]!.name} (gradient ${bad})` };
  }
  const blocksAt = layersAt + shape.layers * width;
  for (let b = 0; b < shape.blocks; b++) {
    const value = data[blocksAt + b]!;
    if (!Number.isFinite(value)) return { where: `${arch.blocks[b]!.name} output (gradient ${value})` };
  }
  return null;
}
