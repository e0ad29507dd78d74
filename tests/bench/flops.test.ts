import { describe as suite, expect, it } from 'vitest';
import { describe, type LayerInfo } from '../../src/model/architecture';
import { PRESETS } from '../../src/model/config';
import { forwardFlops, layerFlops, trainStepFlops } from '../../scripts/bench/flops';

const arch = describe(PRESETS.relu);
const layer = (name: string): LayerInfo => arch.layers.find((l) => l.name === name)!;

suite('the FLOP counter of the benchmark', () => {
  it('counts a conv as 2 k k cin cout h w: conv1 of the relu preset, 3x3, 1 -> 8 channels, 32x32 out', () => {
    expect(layer('conv1/3x3').kernelShape).toEqual([3, 3, 1, 8]);
    expect(layerFlops(layer('conv1/3x3'))).toBe(2 * 3 * 3 * 1 * 8 * 32 * 32); // 147456
  });

  it('counts a dense layer as 2 in out: the main classifier, 128 -> 10', () => {
    expect(layerFlops(layer('loss3/classifier'))).toBe(2 * 128 * 10);
  });

  it('a forward is the sum over layers; a training step is 3 forwards per sample', () => {
    const sum = arch.layers.reduce((s, l) => s + layerFlops(l), 0);
    expect(forwardFlops(arch)).toBe(sum);
    expect(trainStepFlops(arch, 32)).toBe(3 * 32 * sum);
  });
});
