import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describe as describeNetwork } from '../../src/model/architecture';
import { PRESET_NAMES, PRESETS } from '../../src/model/config';
import { frameFromData, frameLength, type FrameShape } from '../../src/train/frame';
import { parseRun, RUN_FILE_LIMITS, type ParseResult } from '../../src/shared/parseRun';
import { RUN_FILE_FORMAT, RUN_FILE_VERSION, serializeRun, stepFromFrame, type Run, type RunHeader } from '../../src/shared/runFile';
import { float32Text } from '../../src/shared/float32Text';
import { tinyHeader, withPlainNumbers } from '../helpers/runs';

const SHAPE: FrameShape = { layers: 3, blocks: 2 };

const HEADER: RunHeader = tinyHeader({
  training: { batchSize: 32, seed: 7, evalEvery: 3 },
  layers: [
    { name: 'conv1/3x3', kind: 'stem', head: 'main', params: 80 },
    { name: 'loss1/fc', kind: 'aux', head: 'aux1', params: 1290 },
    { name: 'loss3/classifier', kind: 'classifier', head: 'main', params: 1290 },
  ],
  blocks: ['conv1', 'inception_3a'],
  label: 'A: aux on',
});

/** A frame whose numbers are `values` (cycled), with the given optional parts. */
function frame(step: number, values: readonly number[], parts: { perHead?: boolean; evaluated?: boolean; diverged?: string } = {}) {
  const perHead = parts.perHead ?? false;
  const evaluated = parts.evaluated ?? false;
  const data = new Float32Array(frameLength(SHAPE, perHead, evaluated)).map((_, i) => values[i % values.length]!);
  return frameFromData(step, data, SHAPE, { perHead, evaluated, diverged: parts.diverged ? { where: parts.diverged } : null });
}

/** A small run with every optional part and every kind of non-finite number. */
function sampleRun(): Run {
  const odd = [2.302585, NaN, Infinity, -Infinity, -0, 0, 3.4028234663852886e38, 1e-45, 0.1, -1.5e-8, 123456.789];
  return {
    header: HEADER,
    steps: [
      stepFromFrame(frame(1, odd), SHAPE),
      stepFromFrame(frame(2, [...odd].reverse(), { perHead: true }), SHAPE),
      stepFromFrame(frame(3, [0.5, 0.25, NaN], { evaluated: true }), SHAPE),
      stepFromFrame(frame(5, [NaN, 1], { perHead: true, evaluated: true, diverged: 'inception_3a' }), SHAPE),
    ],
    events: [
      { step: 2, type: 'setting', detail: 'learningRate 0.01 -> 0.001' },
      { step: 5, type: 'diverged', detail: 'first non-finite: inception_3a' },
    ],
  };
}

/** The sample file, changed by `edit` on its parsed JSON. */
function editedFile(edit: (file: any) => void): string { // eslint-disable-line @typescript-eslint/no-explicit-any
  const file = JSON.parse(serializeRun(sampleRun()));
  edit(file);
  return JSON.stringify(file);
}

function errorOf(result: ParseResult): string {
  if (result.ok) throw new Error('expected parseRun to reject the file');
  return result.error;
}

describe('run file round trip', () => {
  it('parseRun(serializeRun(run)) round-trips', () => {
    const run = sampleRun();
    expect(parseRun(serializeRun(run))).toStrictEqual({ ok: true, run: withPlainNumbers(run) });
  });

  it('keeps NaN, Infinity, -Infinity and -0 as they were', () => {
    const result = parseRun(serializeRun(sampleRun()));
    if (!result.ok) throw new Error(result.error);
    const { loss } = result.run.steps[0]!;
    expect([loss.main, loss.aux1, loss.aux2, loss.total]).toStrictEqual([Math.fround(2.302585), NaN, Infinity, -Infinity]);
    expect(Object.is(result.run.steps[0]!.accuracy.main, -0)).toBe(true);
  });

  it('writes valid JSON, with non-finite numbers as the strings "NaN", "Infinity" and "-Infinity"', () => {
    const text = serializeRun(sampleRun());
    const file = JSON.parse(text);
    expect(file.format).toBe(RUN_FILE_FORMAT);
    expect(file.version).toBe(RUN_FILE_VERSION);
    expect(file.steps[0].loss).toStrictEqual({ main: 2.302585, aux1: 'NaN', aux2: 'Infinity', total: '-Infinity' });
  });

  it('writes one step per line', () => {
    const lines = serializeRun(sampleRun()).split('\n');
    expect(lines.filter((line) => line.trimStart().startsWith('{"step":') && line.includes('"loss":'))).toHaveLength(4);
  });

  it('writes each float32 as the shortest decimal that reads back to it', () => {
    expect(float32Text(Math.fround(0.1))).toBe('0.1');
    expect(float32Text(Math.fround(2.302585))).toBe('2.302585');
    expect(float32Text(-0)).toBe('-0');
    expect(float32Text(1e-45)).toBe('1e-45');
    expect(float32Text(NaN)).toBe('"NaN"');
    for (const x of [Math.PI, 1 / 3, -7.654321e-12, 3.4028234663852886e38, 16777217]) {
      expect(Math.fround(Number(float32Text(x)))).toBe(Math.fround(x));
    }
  });

  it.each(PRESET_NAMES)('round-trips a run over the real layers and blocks of the %s preset', (preset) => {
    const config = { ...PRESETS[preset], channels: preset === 'paper' ? 3 : 1 } as const;
    const arch = describeNetwork(config);
    const shape = { layers: arch.layers.length, blocks: arch.blocks.length };
    const data = new Float32Array(frameLength(shape, true, true)).map((_, i) => Math.sin(i) * 10 ** ((i % 13) - 9));
    const run: Run = {
      header: {
        ...HEADER, config, preset,
        dataset: { ...HEADER.dataset, normalisation: { mean: [0.5, 0.5, 0.5].slice(0, config.channels), std: [0.25, 0.25, 0.25].slice(0, config.channels) } },
        layers: arch.layers, blocks: arch.blocks.map((b) => b.name),
      },
      steps: [stepFromFrame(frameFromData(1, data, shape, { perHead: true, evaluated: true, diverged: null }), shape)],
      events: [],
    };
    const result = parseRun(serializeRun(run));
    if (!result.ok) throw new Error(result.error);
    expect(result.run.steps).toStrictEqual(withPlainNumbers(run.steps));
    expect(result.run.header.layers.map((l) => l.name)).toStrictEqual(arch.layers.map((l) => l.name));
  });

  it('reads the example in docs/run-file.md, and writes it back byte for byte', () => {
    const doc = readFileSync(new URL('../../docs/run-file.md', import.meta.url), 'utf8');
    const example = /## Example[\s\S]*?```json\n([\s\S]*?)```/.exec(doc)?.[1];
    const result = parseRun(example ?? '');
    if (!result.ok) throw new Error(result.error);
    expect(result.run.steps[1]!.layers.gradNorm[2]).toBe(Infinity);
    expect(serializeRun(result.run)).toBe(example);
  });

  it('writes only the fields of the format, whatever else the header objects carry', () => {
    const layers = HEADER.layers.map((l) => ({ ...l, op: 'conv', kernelShape: [3, 3, 1, 8] }));
    const result = parseRun(serializeRun({ ...sampleRun(), header: { ...HEADER, layers } }));
    expect(result).toStrictEqual({ ok: true, run: withPlainNumbers(sampleRun()) });
  });
});

describe('stepFromFrame', () => {
  const values = Array.from({ length: frameLength(SHAPE, true, true) }, (_, i) => i + 0.5);
  const step = stepFromFrame(frame(4, values, { perHead: true, evaluated: true, diverged: 'loss1/fc' }), SHAPE);

  it('maps loss [main, aux1, aux2, total] and accuracy [main, aux1, aux2]', () => {
    expect(step.step).toBe(4);
    expect(step.loss).toStrictEqual({ main: 0.5, aux1: 1.5, aux2: 2.5, total: 3.5 });
    expect(step.accuracy).toStrictEqual({ main: 4.5, aux1: 5.5, aux2: 6.5 });
  });

  it("keeps the step's lists as views into one buffer of its own, off the JS heap", () => {
    const lists = [...Object.values(step.layers), step.actGradRms, ...Object.values(step.perHead!.gradNorm), ...Object.values(step.perHead!.actGradRms)];
    expect(lists.every((l) => l instanceof Float64Array)).toBe(true);
    expect(new Set(lists.map((l) => (l as Float64Array).buffer)).size).toBe(1);
    const other = stepFromFrame(frame(5, values, { perHead: true }), SHAPE);
    expect((other.actGradRms as Float64Array).buffer).not.toBe((step.actGradRms as Float64Array).buffer);
  });

  it('maps the row-major [layer][metric] block to one array per metric', () => {
    // Layers start at 7; each layer row has 6 metrics in LAYER_METRICS order.
    expect(withPlainNumbers(step.layers)).toStrictEqual({
      gradNorm: [7.5, 13.5, 19.5], gradRms: [8.5, 14.5, 20.5], gradMeanAbs: [9.5, 15.5, 21.5],
      gradMaxAbs: [10.5, 16.5, 22.5], weightNorm: [11.5, 17.5, 23.5], updateRatio: [12.5, 18.5, 24.5],
    });
    expect(Array.from(step.actGradRms)).toStrictEqual([25.5, 26.5]);
  });

  it('maps per-head [head][layer] and [head][block], eval accuracy and divergence', () => {
    expect(withPlainNumbers(step.perHead)).toStrictEqual({
      gradNorm: { main: [27.5, 28.5, 29.5], aux1: [30.5, 31.5, 32.5], aux2: [33.5, 34.5, 35.5] },
      actGradRms: { main: [36.5, 37.5], aux1: [38.5, 39.5], aux2: [40.5, 41.5] },
    });
    expect(step.evalAccuracy).toStrictEqual({ main: 42.5, aux1: 43.5, aux2: 44.5 });
    expect(step.diverged).toStrictEqual({ where: 'loss1/fc' });
  });

  it('leaves out the parts a frame does not carry', () => {
    const plain = stepFromFrame(frame(1, [1]), SHAPE);
    expect(Object.keys(plain)).toStrictEqual(['step', 'loss', 'accuracy', 'layers', 'actGradRms']);
  });

  it('refuses a frame of another shape', () => {
    expect(() => stepFromFrame(frame(1, [1]), { layers: 4, blocks: 2 })).toThrow('step 1: the frame does not have 4 layers and 2 blocks');
  });
});

describe('parseRun rejects bad files with a message naming the first problem', () => {
  const cases: [string, string, string][] = [
    ['text that is not JSON', '{"format": "gradflow-run",', 'not JSON: '],
    ['a JSON value that is not an object', '[1, 2]', 'not a GradFlow run file (it is not a JSON object)'],
    ['a file without a format', editedFile((f) => delete f.format), 'not a GradFlow run file (format is missing)'],
    ['another format', editedFile((f) => (f.format = 'tensorboard')), 'not a GradFlow run file (format is "tensorboard", expected "gradflow-run")'],
    ['a newer version', editedFile((f) => (f.version = 7)), 'run file version 7 is newer than this GradFlow understands (1)'],
    ['a version that is not a number', editedFile((f) => (f.version = '1')), 'run file version "1" is not a valid version (this GradFlow reads version 1)'],
    ['a missing field', editedFile((f) => delete f.header.training.seed), 'header.training.seed is missing'],
    ['a missing section', editedFile((f) => delete f.events), 'events is missing'],
    ['a field of the wrong type', editedFile((f) => (f.header.training.learningRate = '0.01')), 'header.training.learningRate must be a number, not a string ("0.01")'],
    ['a value out of range', editedFile((f) => (f.header.training.learningRate = 0)), 'header.training.learningRate must be greater than 0'],
    ['a fractional count', editedFile((f) => (f.header.training.batchSize = 1.5)), 'header.training.batchSize must be a whole number, not 1.5'],
    ['an unknown option', editedFile((f) => (f.header.training.optimizer = 'rmsprop')), 'header.training.optimizer must be one of "sgd", "adam"'],
    ['a bad date', editedFile((f) => (f.header.createdAt = 'yesterday')), 'header.createdAt must be an ISO date and time, e.g. "2025-01-31T12:00:00.000Z"'],
    ['an inconsistent config', editedFile((f) => (f.header.config.inputSize = 224)), 'header.config: the small stem needs inputSize 32'],
    ['a config outside the contract', editedFile((f) => (f.header.config.width = 0.3)), 'header.config: width must be one of 1, 1/2, 1/4, 1/8'],
    ['a repeated layer name', editedFile((f) => (f.header.layers[2].name = 'conv1/3x3')), 'header.layers[2].name "conv1/3x3" is used by an earlier layer too'],
    ['normalisation for the wrong number of channels', editedFile((f) => (f.header.dataset.normalisation = { mean: [0, 0], std: [1, 1] })), 'header.dataset.normalisation.mean has 2 values, expected 1 or 1 (one per channel)'],
    ['a per-layer array of the wrong length', editedFile((f) => f.steps[1].layers.gradNorm.pop()), 'step 2: layers.gradNorm has 2 values, expected 3 (one per layer)'],
    ['a per-block array of the wrong length', editedFile((f) => f.steps[3].perHead.actGradRms.aux2.push(1)), 'step 5: perHead.actGradRms.aux2 has 3 values, expected 2 (one per block)'],
    ['a metric that is neither a number nor a non-finite name', editedFile((f) => (f.steps[2].loss.main = 'nan')), 'step 3: loss.main must be a number or one of "NaN", "Infinity", "-Infinity"'],
    ['a metric that is null', editedFile((f) => (f.steps[0].layers.weightNorm[1] = null)), 'step 1: layers.weightNorm[1] must be a number or one of "NaN", "Infinity", "-Infinity"'],
    ['a repeated step', editedFile((f) => (f.steps[2].step = 2)), 'steps[2] is step 2, which does not come after step 2: step numbers must be strictly increasing'],
    ['steps out of order', editedFile((f) => (f.steps[0].step = 9)), 'steps[1] is step 2, which does not come after step 9: step numbers must be strictly increasing'],
    ['events out of order', editedFile((f) => f.events.reverse()), 'events[1] is at step 2, before events[0] (step 5): events must be in step order'],
    ['an extra field in the header', editedFile((f) => (f.header.colour = 'red')), 'header has an unknown field "colour"'],
    ['a misspelt field in a step', editedFile((f) => (f.steps[0].acuracy = f.steps[0].accuracy)), 'step 1 has an unknown field "acuracy"'],
    ['an extra top-level field', editedFile((f) => (f.comment = 'hi')), 'the run file has an unknown field "comment"'],
    ['an oversized label', editedFile((f) => (f.header.label = 'x'.repeat(1001))), 'header.label is too long (1001 characters; at most 1000)'],
    ['an oversized event detail', editedFile((f) => (f.events[0].detail = 'x'.repeat(5000))), 'events[0].detail is too long (5000 characters; at most 1000)'],
    ['a "constructor" key', editedFile((f) => (f.steps[1].layers.constructor = [])), 'step 2: layers has the key "constructor", which no run file may contain'],
  ];
  it.each(cases)('rejects %s', (_what, text, message) => {
    const error = errorOf(parseRun(text));
    if (message.endsWith(': ')) expect(error.startsWith(message)).toBe(true);
    else expect(error).toBe(message);
  });

  it('rejects a "__proto__" key and leaves Object.prototype untouched', () => {
    const text = serializeRun(sampleRun()).replace('"config": {', '"config": {"__proto__": {"polluted": true, "inputSize": 224}, ');
    expect(errorOf(parseRun(text))).toBe('header.config has the key "__proto__", which no run file may contain');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('polluted');
  });

  it('rejects absurdly many steps without reading them', () => {
    const text = editedFile((f) => (f.steps = new Array(RUN_FILE_LIMITS.maxSteps + 1).fill(0)));
    expect(errorOf(parseRun(text))).toBe('steps has too many entries (1000001; at most 1000000)');
  });

  it('rejects absurdly many layers', () => {
    const text = editedFile((f) => (f.header.layers = new Array(RUN_FILE_LIMITS.maxLayers + 1).fill(f.header.layers[0])));
    expect(errorOf(parseRun(text))).toBe('header.layers has too many entries (10001; at most 10000)');
  });

  it('rejects a file over the size limit before parsing it', () => {
    const text = ' '.repeat(RUN_FILE_LIMITS.maxChars + 1);
    expect(errorOf(parseRun(text))).toBe('run file is too large (500.1 MB of text; the limit is 500 MB)');
  });

  it('never throws, whatever it is given', () => {
    const valid = serializeRun(sampleRun());
    const inputs: unknown[] = [
      '', 'null', '"gradflow-run"', '1e999', '{}', '{"format":"gradflow-run","version":1}', '['.repeat(100_000) + ']'.repeat(100_000),
      '{"format":"gradflow-run","version":1,"header":null,"steps":{},"events":"no"}', null, undefined, 42, {},
    ];
    for (let cut = 0; cut < valid.length; cut += 97) inputs.push(valid.slice(0, cut));
    for (const input of inputs) {
      const result = parseRun(input as string);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error.length).toBeLessThan(400);
    }
  });
});
