import { describe, expect, it } from 'vitest';
import { ACTIVATIONS, HEAD_MODES, WIDTHS, type AuxHead } from '../../src/model/config';
import { MEASURES, TRAINABLE_PRESETS, type ExperimentSettings, type ModelVariant } from '../../src/shared/experiment';
import {
  decodeSettings, DEFAULT_SETTINGS, describeDifference, encodeSettings, MAX_HASH_LENGTH, MAX_NOTICES,
  settingsForPreset, settingsProblems, variantLabel,
} from '../../src/shared/settings';
import { Rng } from '../../src/train/rng';

const DEFAULT_HASH = 'preset=relu&dataset=mnist&width=auto&lr=0.01&opt=sgd&batch=16&seed=1&k=10&eval=50&backend=auto'
  + '&compare=1&a.aux1=loss:0.3&a.aux2=loss:0.3&a.act=relu&b.aux1=off:0.3&b.aux2=off:0.3&b.act=relu&measure=gradRms&detail=block';

const pick = <T>(rng: Rng, values: readonly T[]): T => values[rng.int(values.length)]!;
/** An edge value one time in five, else a drawn one. */
const edgeOr = (rng: Rng, edges: readonly number[], draw: () => number): number => (rng.next() < 0.2 ? pick(rng, edges) : draw());

/** Valid settings drawn from `rng`, edges of every range included. */
function randomSettings(rng: Rng): ExperimentSettings {
  const head = (): AuxHead => ({ mode: pick(rng, HEAD_MODES), weight: edgeOr(rng, [0, -0, 1, 0.3, 5e-324], () => rng.next()) });
  const variant = (): ModelVariant => ({ aux1: head(), aux2: head(), activation: pick(rng, ACTIVATIONS) });
  return {
    preset: pick(rng, TRAINABLE_PRESETS),
    dataset: pick(rng, ['mnist', 'fashion-mnist', 'shapes'] as const),
    width: pick(rng, [...WIDTHS, 'auto' as const]),
    optimizer: pick(rng, ['sgd', 'adam'] as const),
    learningRate: edgeOr(rng, [10, 5e-324, 1e-7, 0.1 + 0.2], () => 10 ** rng.uniform(-8, 1)),
    batchSize: edgeOr(rng, [1, 256], () => 1 + rng.int(256)),
    seed: edgeOr(rng, [0, 2 ** 32 - 1], () => rng.nextUint32()),
    perHeadEvery: edgeOr(rng, [1, 1000], () => 1 + rng.int(1000)),
    evalEvery: edgeOr(rng, [1, 100_000], () => 1 + rng.int(100_000)),
    backend: pick(rng, ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'] as const),
    compare: rng.next() < 0.5,
    a: variant(),
    b: variant(),
    measure: pick(rng, MEASURES),
    detail: pick(rng, ['block', 'layer'] as const),
  };
}

/** Decodes and checks what must hold for any input: valid settings, few short plain notices. */
function decodeChecked(hash: string): ReturnType<typeof decodeSettings> {
  const result = decodeSettings(hash);
  expect(settingsProblems(result.settings)).toEqual([]);
  expect(result.notices.length).toBeLessThanOrEqual(MAX_NOTICES);
  for (const notice of result.notices) {
    expect(notice.length).toBeLessThanOrEqual(200);
    expect(notice).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/); // eslint-disable-line no-control-regex
  }
  return result;
}

describe('DEFAULT_SETTINGS', () => {
  it('is valid and encodes to the documented hash', () => {
    expect(settingsProblems(DEFAULT_SETTINGS)).toEqual([]);
    expect(encodeSettings(DEFAULT_SETTINGS)).toBe(DEFAULT_HASH);
  });

  it('is frozen', () => {
    expect(Object.isFrozen(DEFAULT_SETTINGS) && Object.isFrozen(DEFAULT_SETTINGS.a) && Object.isFrozen(DEFAULT_SETTINGS.b.aux1)).toBe(true);
  });

  it('is what an empty hash gives, without notices', () => {
    for (const hash of ['', '#', '&', '#&&']) expect(decodeSettings(hash)).toEqual({ settings: DEFAULT_SETTINGS, notices: [] });
  });
});

describe('encodeSettings and decodeSettings', () => {
  it('decodeSettings(encodeSettings(s)) round-trips for 3000 random valid settings', () => {
    const rng = new Rng(20250131);
    for (let i = 0; i < 3000; i++) {
      const s = randomSettings(rng);
      expect(settingsProblems(s)).toEqual([]);
      const hash = encodeSettings(s);
      expect(hash.length).toBeLessThan(MAX_HASH_LENGTH);
      const decoded = decodeSettings(hash);
      expect(decoded.notices).toEqual([]);
      expect(decoded.settings).toStrictEqual(s);
      expect(decodeSettings(`#${hash}`).settings).toStrictEqual(s);
      expect(encodeSettings(decoded.settings)).toBe(hash);
    }
  });

  it('keeps -0 and the smallest numbers exact', () => {
    const s = { ...DEFAULT_SETTINGS, learningRate: 5e-324, a: { ...DEFAULT_SETTINGS.a, aux1: { mode: 'probe', weight: -0 } } } as const;
    expect(encodeSettings(s)).toContain('lr=5e-324');
    expect(Object.is(decodeSettings(encodeSettings(s)).settings.a.aux1.weight, -0)).toBe(true);
  });

  it('reads percent-escapes, spaces around values, and other spellings of a value', () => {
    const { settings, notices } = decodeChecked('#lr=1e-3&width=0.125&a.aux1=probe%3A0.5&b.aux2=%20loss%20&%62atch=32');
    expect(notices).toEqual([]);
    expect(settings).toEqual({
      ...DEFAULT_SETTINGS, learningRate: 0.001, batchSize: 32, width: 0.125,
      a: { ...DEFAULT_SETTINGS.a, aux1: { mode: 'probe', weight: 0.5 } },
      b: { ...DEFAULT_SETTINGS.b, aux2: { mode: 'loss', weight: 0.3 } },
    });
    for (const [text, width] of [['1', 1], ['1/2', 0.5], ['0.5', 0.5], ['1/4', 0.25], ['2/16', 0.125], ['auto', 'auto']] as const) {
      expect(decodeChecked(`width=${text}`)).toEqual({ settings: { ...DEFAULT_SETTINGS, width }, notices: [] });
    }
  });

  it('sets both activations from a preset, unless a.act or b.act is given', () => {
    expect(decodeChecked('preset=tanh').settings).toEqual(settingsForPreset(DEFAULT_SETTINGS, 'tanh'));
    const { settings } = decodeChecked('b.act=relu&preset=sigmoid');
    expect([settings.preset, settings.a.activation, settings.b.activation]).toEqual(['sigmoid', 'sigmoid', 'relu']);
  });
});

describe('decodeSettings falls back field by field', () => {
  const cases: [string, Partial<ExperimentSettings>, string][] = [
    ['lr=abc', {}, '"lr=abc" is not a learning rate (a number above 0 up to 10); using 0.01'],
    ['lr=0', {}, '"lr=0" is not a learning rate (a number above 0 up to 10); using 0.01'],
    ['lr=10.5', {}, '"lr=10.5" is not a learning rate (a number above 0 up to 10); using 0.01'],
    ['lr=0x1', {}, '"lr=0x1" is not a learning rate (a number above 0 up to 10); using 0.01'],
    ['lr=Infinity', {}, '"lr=Infinity" is not a learning rate (a number above 0 up to 10); using 0.01'],
    ['preset=paper', {}, '"preset=paper" is not a preset (relu, sigmoid, tanh or relu-bn); using relu'],
    ['dataset=cifar', {}, '"dataset=cifar" is not a dataset (mnist, fashion-mnist or shapes); using mnist'],
    ['width=1/3', {}, '"width=1/3" is not a width (auto, 1, 1/2, 1/4 or 1/8); using auto'],
    ['opt=rmsprop', {}, '"opt=rmsprop" is not an optimizer (sgd or adam); using sgd'],
    ['batch=0', {}, '"batch=0" is not a batch size (a whole number from 1 to 256); using 16'],
    ['batch=2.5', {}, '"batch=2.5" is not a batch size (a whole number from 1 to 256); using 16'],
    ['seed=4294967296', {}, '"seed=4294967296" is not a seed (a whole number from 0 to 4294967295); using 1'],
    ['k=1001', {}, '"k=1001" is not a per-head interval (a whole number from 1 to 1000); using 10'],
    ['eval=-1', {}, '"eval=-1" is not an eval interval (a whole number from 1 to 100000); using 50'],
    ['backend=metal', {}, '"backend=metal" is not a backend (auto, webgpu, webgl, wasm or cpu); using auto'],
    ['compare=yes', {}, '"compare=yes" is not a switch (0 or 1); using 1'],
    ['a.aux1=lo', {}, '"a.aux1=lo" is not an aux head (loss, probe or off, then :weight from 0 to 1); using loss:0.3'],
    ['b.aux2=loss:', {}, '"b.aux2=loss:" is not an aux head (loss, probe or off, then :weight from 0 to 1); using off:0.3'],
    ['a.aux2=loss:1.5', {}, '"a.aux2=loss:1.5" is not an aux head (loss, probe or off, then :weight from 0 to 1); using loss:0.3'],
    ['a.aux2=loss:0.3:1', {}, '"a.aux2=loss:0.3:1" is not an aux head (loss, probe or off, then :weight from 0 to 1); using loss:0.3'],
    ['b.act=gelu', {}, '"b.act=gelu" is not an activation (relu, sigmoid or tanh); using relu'],
    ['measure=loss', {}, '"measure=loss" is not a measure (gradRms, gradNorm, gradMeanAbs, gradMaxAbs or actGradRms); using gradRms'],
    ['detail=all', {}, '"detail=all" is not a detail level (block or layer); using block'],
    ['batch=32&lr=abc&seed=7', { batchSize: 32, seed: 7 }, '"lr=abc" is not a learning rate (a number above 0 up to 10); using 0.01'],
    ['lr', {}, '"lr" has no value; using 0.01'],
    ['foo=1&k=5', { perHeadEvery: 5 }, 'unknown setting "foo" ignored'],
    ['__proto__=1', {}, 'unknown setting "__proto__" ignored'],
    ['=', {}, '"=" has no setting name; ignored'],
    ['=5&batch=8', { batchSize: 8 }, '"=5" has no setting name; ignored'],
    ['lr=%E0%A4%A&seed=3', { seed: 3 }, '"lr=%E0%A4%A" has a bad %-escape; ignored'],
    ['seed=1&seed=2&seed=3', { seed: 3 }, '"seed" is given more than once; the last one counts'],
    ['lr=0.5&lr=abc', {}, '"lr" is given more than once; the last one counts'],
  ];
  it.each(cases)('%s', (hash, changed, notice) => {
    const { settings, notices } = decodeChecked(hash);
    expect(settings).toEqual({ ...DEFAULT_SETTINGS, ...changed });
    expect(notices[0]).toBe(notice);
  });

  it('quotes at most 40 characters of the input and replaces control and bidi characters', () => {
    const { notices } = decodeChecked(`lr=${'9'.repeat(100)}&seed=x%0A%E2%80%AEy`);
    expect(notices[0]).toBe(`"lr=${'9'.repeat(36)}…" is not a learning rate (a number above 0 up to 10); using 0.01`);
    expect(notices[1]).toBe('"seed=x\uFFFD\uFFFDy" is not a seed (a whole number from 0 to 4294967295); using 1');
  });

  it('gives the defaults for a hash over the length limit', () => {
    const long = `${DEFAULT_HASH.replace('seed=1', 'seed=2')}&${'x'.repeat(MAX_HASH_LENGTH)}`;
    expect(decodeChecked(long)).toEqual({
      settings: DEFAULT_SETTINGS,
      notices: [`the settings in the address are too long (${long.length} characters, over ${MAX_HASH_LENGTH}); using the defaults`],
    });
  });

  it('caps the notices and counts the rest', () => {
    const { notices } = decodeChecked(Array.from({ length: 25 }, (_, i) => `x${i}=1`).join('&'));
    expect(notices).toHaveLength(MAX_NOTICES);
    expect(notices[MAX_NOTICES - 1]).toBe(`and ${25 - MAX_NOTICES + 1} more problems`);
  });
});

describe('decodeSettings never throws', () => {
  const nasty = [
    '=', '&&&', '#', '##', '%', '%E0%A4%A', '%zz=1', 'a.aux1=lo', 'a.aux1=:', 'a.aux1=loss:0.3:', '__proto__=1',
    '__proto__[lr]=5', 'constructor=1&prototype=2', 'toString=1&hasOwnProperty=2&valueOf=3', '?lr=1', 'lr=1#lr=2',
    'lr==1', 'a.=1', '.aux1=1', 'a.aux1.mode=off', '\u0000=\u0000', '\ud800=\udfff', 'preset=%F0%9F%98%80',
    'x'.repeat(MAX_HASH_LENGTH), 'x'.repeat(MAX_HASH_LENGTH + 1), '&'.repeat(MAX_HASH_LENGTH), '='.repeat(MAX_HASH_LENGTH),
    'lr=1&'.repeat(799), '%'.repeat(MAX_HASH_LENGTH), 'a'.repeat(1_000_000), '%E0'.repeat(1300),
  ];
  it.each(nasty.map((h) => [h.length > 50 ? `${h.slice(0, 20)}… (${h.length} chars)` : h, h]))('%s', (_, hash) => {
    decodeChecked(hash);
    expect(({} as Record<string, unknown>).lr).toBeUndefined();
  });

  it('returns the defaults for input that is not text', () => {
    for (const value of [undefined, null, 42, {}, []]) {
      expect(decodeChecked(value as unknown as string).settings).toEqual(DEFAULT_SETTINGS);
    }
  });

  it('gives valid settings for 3000 random strings built from settings fragments and arbitrary characters', () => {
    const rng = new Rng(7);
    const pieces = ['&', '=', '%', '%E0', '%A4', '%3A', '%26', '#', ':', '/', '.', '-', 'e', '1', '0', '0.3', 'loss', 'off',
      'preset', 'lr', 'width', 'batch', 'seed', 'a.aux1', 'b.act', 'compare', '__proto__', 'constructor', ' '];
    for (let i = 0; i < 3000; i++) {
      const parts = Array.from({ length: rng.int(60) }, () => (rng.next() < 0.8 ? pick(rng, pieces) : String.fromCharCode(rng.int(0x10000))));
      decodeChecked(parts.join(''));
    }
  });
});

describe('settingsProblems', () => {
  it('names each wrong, missing or extra part', () => {
    expect(settingsProblems(null)).toEqual(['settings must be an object']);
    expect(settingsProblems({ ...DEFAULT_SETTINGS, a: undefined })).toEqual(['a must be an object']);
    expect(settingsProblems({ ...DEFAULT_SETTINGS, learningRate: NaN, width: 0.3, seed: -1, extra: 1 })).toEqual([
      'unexpected property "extra"',
      'width is not a width (auto, 1, 1/2, 1/4 or 1/8)',
      'learningRate is not a learning rate (a number above 0 up to 10)',
      'seed is not a seed (a whole number from 0 to 4294967295)',
    ]);
    const b = { ...DEFAULT_SETTINGS.b, aux1: { mode: 'off', weight: 2 }, aux2: { mode: 'off', weight: 0.3, x: 1 }, act: 'relu' };
    expect(settingsProblems({ ...DEFAULT_SETTINGS, b })).toEqual([
      'unexpected property "b.act"',
      'b.aux1 is not an aux head (loss, probe or off, then :weight from 0 to 1)',
      'b.aux2 is not an aux head (loss, probe or off, then :weight from 0 to 1)',
    ]);
  });
});

describe('settingsForPreset', () => {
  it('sets both activations to the preset\'s and keeps the rest', () => {
    const s = { ...DEFAULT_SETTINGS, learningRate: 0.2, a: { ...DEFAULT_SETTINGS.a, activation: 'tanh' as const } };
    const next = settingsForPreset(s, 'sigmoid');
    expect(next).toEqual({ ...s, preset: 'sigmoid', a: { ...s.a, activation: 'sigmoid' }, b: { ...s.b, activation: 'sigmoid' } });
    expect(settingsForPreset(next, 'relu-bn').a.activation).toBe('relu');
    expect(s.a.activation).toBe('tanh');
  });
});

describe('labels', () => {
  const on = DEFAULT_SETTINGS.a;
  const off = DEFAULT_SETTINGS.b;
  it('variantLabel lists both heads and the activation', () => {
    expect(variantLabel({ ...on, aux2: { mode: 'off', weight: 0.3 } })).toBe('aux1 loss 0.3, aux2 off, relu');
    expect(variantLabel({ ...off, aux1: { mode: 'probe', weight: 0.5 }, activation: 'tanh' })).toBe('aux1 probe 0.5, aux2 off, tanh');
  });

  it('describeDifference names only what differs', () => {
    expect(describeDifference(on, off)).toBe('A: aux heads on (loss, 0.3) · B: aux heads off');
    expect(describeDifference({ ...off, activation: 'sigmoid' }, off)).toBe('A: sigmoid · B: relu');
    expect(describeDifference(on, { ...off, activation: 'tanh' })).toBe('A: aux heads on (loss, 0.3), relu · B: aux heads off, tanh');
    expect(describeDifference({ ...on, aux2: off.aux2 }, { ...on, aux1: { mode: 'probe', weight: 0.3 }, aux2: { mode: 'probe', weight: 0.3 } }))
      .toBe('A: aux1 loss 0.3, aux2 off · B: aux heads as probes (0.3)');
    expect(describeDifference(off, { ...off, aux1: { mode: 'off', weight: 1 } })).toBe('A = B: aux heads off, relu');
  });
});
