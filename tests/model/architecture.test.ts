import { describe as suite, expect, it } from 'vitest';
import { describe } from '../../src/model/architecture';
import { HEAD_MODES, PRESET_NAMES, PRESETS, parseWidth, scaled, WIDTHS, type ModelConfig } from '../../src/model/config';
import { BLOCK_NAMES } from '../../src/model/googlenet';

const trunkParams = (config: ModelConfig): number => describe(config).layers.filter((l) => l.head === 'main').reduce((s, l) => s + l.params, 0);

suite('the GoogLeNet of the model contract', () => {
  it('paper: the trunk with loss3/classifier has 6,998,552 parameters', () => {
    expect(trunkParams(PRESETS.paper)).toBe(6_998_552);
  });

  it('paper: block outputs are those of Table 1 (3a 28x28x256, 4a 14x14x512, 4e 14x14x832, 5b 7x7x1024)', () => {
    const blocks = Object.fromEntries(describe(PRESETS.paper).blocks.map((b) => [b.name, b.outputShape]));
    expect(blocks).toEqual({
      conv1: [112, 112, 64], conv2: [56, 56, 192],
      inception_3a: [28, 28, 256], inception_3b: [28, 28, 480],
      inception_4a: [14, 14, 512], inception_4b: [14, 14, 512], inception_4c: [14, 14, 512], inception_4d: [14, 14, 528], inception_4e: [14, 14, 832],
      inception_5a: [7, 7, 832], inception_5b: [7, 7, 1024],
    });
  });

  it('paper: aux heads pool 14x14 to 4x4, so lossN/fc takes 4*4*128 inputs', () => {
    const layers = describe(PRESETS.paper).layers;
    for (const prefix of ['loss1', 'loss2']) {
      expect(layers.find((l) => l.name === `${prefix}/conv`)!.outputShape).toEqual([4, 4, 128]);
      expect(layers.find((l) => l.name === `${prefix}/fc`)!.kernelShape).toEqual([2048, 1024]);
      expect(layers.find((l) => l.name === `${prefix}/classifier`)!.kernelShape).toEqual([1024, 1000]);
    }
  });

  it('small stem: no downsampling before 3a; aux heads pool 16x16 to 4x4', () => {
    const arch = describe({ ...PRESETS.relu, width: 1 });
    const blocks = Object.fromEntries(arch.blocks.map((b) => [b.name, b.outputShape]));
    expect(blocks.conv1).toEqual([32, 32, 64]);
    expect(blocks.inception_3b).toEqual([32, 32, 480]);
    expect(blocks.inception_4a).toEqual([16, 16, 512]);
    expect(blocks.inception_5b).toEqual([8, 8, 1024]);
    expect(arch.layers.find((l) => l.name === 'loss1/conv')!.outputShape).toEqual([4, 4, 128]);
  });

  it('every preset, width and head setting: blocks in depth order, layers named as in Caffe, shapes consistent', () => {
    for (const preset of PRESET_NAMES) {
      for (const width of WIDTHS) {
        for (const aux1 of HEAD_MODES) {
          for (const aux2 of HEAD_MODES) {
            const config: ModelConfig = { ...PRESETS[preset], width, aux1: { mode: aux1, weight: 0.3 }, aux2: { mode: aux2, weight: 0.3 } };
            const arch = describe(config);
            expect(arch.blocks.map((b) => b.name)).toEqual([...BLOCK_NAMES]);
            const names = arch.layers.map((l) => l.name);
            expect(names.filter((n) => n.startsWith('loss1/'))).toEqual(aux1 === 'off' ? [] : ['loss1/conv', 'loss1/fc', 'loss1/classifier']);
            expect(names.filter((n) => n.startsWith('loss2/'))).toEqual(aux2 === 'off' ? [] : ['loss2/conv', 'loss2/fc', 'loss2/classifier']);
            expect(names.filter((n) => n.startsWith('inception_'))).toHaveLength(9 * 6);
            expect(arch.layers.at(-1 - (aux1 === 'off' ? 0 : 3) - (aux2 === 'off' ? 0 : 3))!.name).toBe('loss3/classifier');
            const out5b = arch.blocks.at(-1)!.outputShape;
            expect(out5b[2]).toBe([384, 384, 128, 128].reduce((s, c) => s + scaled(c, width), 0));
            for (const layer of arch.layers) {
              const out = layer.kernelShape.at(-1)!;
              const bias = layer.batchNorm ? 2 * out : out;
              expect(layer.params).toBe(layer.kernelShape.reduce((a, b) => a * b, 1) + bias);
              expect(layer.outputShape.at(-1)).toBe(out);
            }
          }
        }
      }
    }
  });

  it('batch norm replaces each conv bias by gamma and beta; dense layers keep their bias', () => {
    const arch = describe(PRESETS['relu-bn']);
    const conv = arch.layers.find((l) => l.name === 'conv1/3x3')!;
    expect(conv.batchNorm).toBe(true);
    expect(conv.params).toBe(3 * 3 * 1 * 8 + 2 * 8);
    const fc = arch.layers.find((l) => l.name === 'loss1/fc')!;
    expect(fc.batchNorm).toBe(false);
  });

  it('layer kinds are explicit: stem, inception, aux, classifier', () => {
    const kinds = new Map(describe(PRESETS.relu).layers.map((l) => [l.name, l.kind]));
    expect(kinds.get('conv2/3x3')).toBe('stem');
    expect(kinds.get('inception_4d/pool_proj')).toBe('inception');
    expect(kinds.get('loss2/fc')).toBe('aux');
    expect(kinds.get('loss3/classifier')).toBe('classifier');
  });

  it('parseWidth reads fractions and decimals, and refuses other widths', () => {
    expect(parseWidth('1/8')).toBe(0.125);
    expect(parseWidth('0.25')).toBe(0.25);
    expect(parseWidth('1')).toBe(1);
    expect(parseWidth('1/3')).toBeNull();
    expect(parseWidth('abc')).toBeNull();
  });
});
