/**
 * Fuzzing the two readers of untrusted text: parseRun (a run file someone sends you) and
 * decodeSettings (a link someone sends you). Valid inputs are mutated at random, from a
 * fixed seed, so every run tries the same cases and a failure names the case to replay.
 */
import { describe, expect, it } from 'vitest';
import { describe as describeNetwork } from '../../src/model/architecture';
import { ACTIVATIONS, HEAD_MODES, PRESETS, WIDTHS, type AuxHead } from '../../src/model/config';
import { MEASURES, TRAINABLE_PRESETS, type ExperimentSettings, type ModelVariant } from '../../src/shared/experiment';
import { parseRun, type ParseResult } from '../../src/shared/parseRun';
import { serializeRun, type Run, type RunStep } from '../../src/shared/runFile';
import { decodeSettings, encodeSettings, MAX_NOTICES, settingsProblems } from '../../src/shared/settings';
import { LAYER_METRICS, type LayerMetric } from '../../src/train/frame';
import { Rng } from '../../src/train/rng';

const CASES = 1000;

const pick = <T>(rng: Rng, values: readonly T[]): T => values[rng.int(values.length)]!;

const HTML = ['<img src=x onerror=alert(1)>', '<script>alert(1)</script>', '"><svg onload=alert(1)>', 'javascript:alert(1)', '&lt;b&gt;'];
const UNICODE = ['\u202e', '\u200f', '\u0000', '\ud800', '\u{1F600}', 'é', '\u2028', '\ufeff', 'Ω≈ç√'];

/** Own property names of the built-in prototypes an attack would pollute, to compare before and after. */
function prototypeKeys(): string[] {
  return [Object.prototype, Array.prototype, Function.prototype, String.prototype]
    .flatMap((proto) => Object.getOwnPropertyNames(proto).sort());
}

function expectUnpolluted(before: readonly string[]): void {
  const probe = {} as Record<string, unknown>;
  expect(probe.polluted).toBeUndefined();
  expect(([] as unknown as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.prototype.toString.call(probe)).toBe('[object Object]');
  expect(prototypeKeys()).toEqual(before);
}

describe('parseRun survives mutated run files', () => {
  /** A metric value, now and then NaN, an infinity or a signed zero. */
  const metric = (rng: Rng): number => {
    const r = rng.next();
    return r < 0.05 ? NaN : r < 0.08 ? Infinity : r < 0.1 ? -Infinity : r < 0.12 ? -0 : (rng.next() - 0.2) * 10 ** rng.int(8);
  };

  /** A small valid run of the relu preset's real layers and blocks. */
  function validRun(rng: Rng): Run {
    const arch = describeNetwork(PRESETS.relu);
    const layers = arch.layers.map((l) => ({ name: l.name, kind: l.kind, head: l.head, params: l.params }));
    const blocks = arch.blocks.map((b) => b.name);
    const values = (n: number): number[] => Array.from({ length: n }, () => metric(rng));
    const heads = (n: number) => ({ main: values(n), aux1: values(n), aux2: values(n) });
    const step = (n: number): RunStep => ({
      step: n,
      loss: { main: metric(rng), aux1: metric(rng), aux2: metric(rng), total: metric(rng) },
      accuracy: { main: rng.next(), aux1: rng.next(), aux2: rng.next() },
      layers: Object.fromEntries(LAYER_METRICS.map((m) => [m, values(layers.length)])) as Record<LayerMetric, number[]>,
      actGradRms: values(blocks.length),
      ...(n % 2 === 0 && { perHead: { gradNorm: heads(layers.length), actGradRms: heads(blocks.length) } }),
      ...(n === 3 && { evalAccuracy: { main: 0.5, aux1: 0.25, aux2: 0.125 } }),
    });
    return {
      header: {
        config: PRESETS.relu,
        preset: 'relu',
        training: { optimizer: 'sgd', learningRate: 0.01, momentum: 0.9, batchSize: 4, seed: rng.nextUint32(), perHeadEvery: 2, evalEvery: 3, evalSize: 100 },
        dataset: { name: 'mnist', trainCount: 60000, evalCount: 10000, normalisation: { mean: [0.1307], std: [0.3081] } },
        backend: 'wasm',
        layers,
        blocks,
        createdAt: '2025-01-31T12:00:00.000Z',
        label: 'A: aux on',
      },
      steps: [step(1), step(2), step(3)],
      events: [{ step: 2, type: 'setting', detail: 'learningRate 0.01 -> 0.001' }],
    };
  }

  type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
  type Container = Json[] | { [key: string]: Json };
  const isContainer = (v: Json | undefined): v is Container => typeof v === 'object' && v !== null;

  /** A container somewhere in `root` (deeper ones as often as the path allows) and one of its keys. */
  function randomPlace(rng: Rng, root: Container): { parent: Container; key: string | number } | null {
    let parent = root;
    for (;;) {
      const keys: (string | number)[] = Array.isArray(parent) ? parent.map((_, i) => i) : Object.keys(parent);
      if (keys.length === 0) return null;
      const key = pick(rng, keys);
      const child = (parent as Record<string | number, Json>)[key];
      if (!isContainer(child) || rng.next() < 0.3) return { parent, key };
      parent = child;
    }
  }
  /** A random container in `root`. */
  function randomContainer(rng: Rng, root: Container): Container {
    const place = randomPlace(rng, root);
    const child = place && (place.parent as Record<string | number, Json>)[place.key];
    return isContainer(child) && rng.next() < 0.7 ? child : (place?.parent ?? root);
  }

  // Stand-ins written as strings, replaced in the text afterwards by what JSON.stringify cannot write.
  const HUGE = '\u0001HUGE';
  const DEEP_LIST = '\u0001DEEP_LIST';
  const DEEP_OBJECT = '\u0001DEEP_OBJECT';
  const KEY = '\u0001KEY:';
  const LITERAL = '\u0001LITERAL:';
  const replacements: [string, string][] = [
    [JSON.stringify(HUGE), `[${new Array(1_000_000).fill('0').join(',')}]`],
    [JSON.stringify(DEEP_LIST), `${'['.repeat(10_000)}${']'.repeat(10_000)}`],
    [JSON.stringify(DEEP_OBJECT), `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`],
  ];

  const ODD_VALUES: Json[] = [
    null, true, false, 0, -1, 1.5, 2 ** 53, 4294967296, 1e308, -1e308, '', 'x', '1', 'NaN', 'Infinity', '-Infinity',
    [], {}, [1, 2], { a: 1 }, ['NaN'], 'x'.repeat(1001), ...HTML, ...UNICODE, DEEP_LIST, DEEP_OBJECT,
    `${LITERAL}NaN`, `${LITERAL}Infinity`, `${LITERAL}-Infinity`, `${LITERAL}1e999`, `${LITERAL}-1e999`, `${LITERAL}-0`, `${LITERAL}undefined`,
  ];
  const FORBIDDEN = ['__proto__', 'constructor', 'prototype'];

  const set = (c: Container, key: string | number, value: Json): void => {
    (c as Record<string | number, Json>)[key] = value;
  };

  /** One random change to the parsed file, in place. */
  function mutate(rng: Rng, file: { [key: string]: Json }): void {
    const place = randomPlace(rng, file);
    if (!place) return;
    const { parent, key } = place;
    const value = (parent as Record<string | number, Json>)[key]!;
    switch (rng.int(10)) {
      case 0: // delete
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete parent[key];
        break;
      case 1: // duplicate a key (the later one wins in JSON.parse), or an array element
        if (Array.isArray(parent)) parent.splice(key as number, 0, structuredClone(value));
        else parent[`${KEY}${key}`] = rng.next() < 0.5 ? structuredClone(value) : pick(rng, ODD_VALUES);
        break;
      case 2: { // swap two values of one container
        const keys: (string | number)[] = Array.isArray(parent) ? parent.map((_, i) => i) : Object.keys(parent);
        const other = pick(rng, keys);
        set(parent, key, (parent as Record<string | number, Json>)[other]!);
        set(parent, other, value);
        break;
      }
      case 3: case 4: // another type or value
        set(parent, key, pick(rng, ODD_VALUES));
        break;
      case 5: { // a key that pollutes prototypes if merged naively
        const target = randomContainer(rng, file);
        const payload: Json = { polluted: true, toString: 'polluted', inputSize: 224 };
        if (Array.isArray(target)) target.push({ [`${KEY}${pick(rng, FORBIDDEN)}`]: payload });
        else target[`${KEY}${pick(rng, FORBIDDEN)}`] = rng.next() < 0.5 ? payload : { prototype: payload };
        break;
      }
      case 6: // HTML or odd unicode in place of a string, or appended to it
        set(parent, key, typeof value === 'string' && rng.next() < 0.5 ? value + pick(rng, [...HTML, ...UNICODE]) : pick(rng, [...HTML, ...UNICODE]));
        break;
      case 7: { // an extra field
        const target = randomContainer(rng, file);
        const name = pick(rng, ['extra', 'comment', ...HTML, ...UNICODE, '', 'toString', 'hasOwnProperty', 'valueOf']);
        if (Array.isArray(target)) target.push(pick(rng, ODD_VALUES));
        else target[name] = pick(rng, ODD_VALUES);
        break;
      }
      case 8: // the envelope
        if (rng.next() < 0.7) file.version = pick(rng, [0, -1, 2, 99, 1.5, 1e21, '1', null, [1], `${LITERAL}1e999`, `${LITERAL}NaN`, `${LITERAL}1.0`]);
        else file.format = pick(rng, ['', 'gradflow-run ', 'GRADFLOW-RUN', 'tensorboard', null, 1, ...HTML]);
        break;
      default: // deep nesting, or now and then a huge array, in place of a value
        set(parent, key, pick(rng, [HUGE, DEEP_LIST, DEEP_LIST, DEEP_OBJECT, DEEP_OBJECT, 'x'.repeat(100_000)]));
    }
  }

  /** The file as text, stand-ins replaced, maybe cut short or with a stray character. */
  function fileText(rng: Rng, file: Json): string {
    let text = JSON.stringify(file, null, rng.next() < 0.5 ? 2 : undefined);
    for (const [stand, real] of replacements) if (text.includes(stand)) text = text.split(stand).join(real);
    if (text.includes('\\u0001')) text = text.replace(/"\\u0001KEY:((?:[^"\\]|\\.)*)"/g, '"$1"').replace(/"\\u0001LITERAL:([^"]*)"/g, '$1');
    const r = rng.next();
    if (r < 0.1) return text.slice(0, rng.int(text.length));
    if (r < 0.15) {
      const at = rng.int(text.length);
      return text.slice(0, at) + pick(rng, ['{', '}', '"', ',', '\\', '\u0000', 'NaN', '\ud800']) + text.slice(at + rng.int(3));
    }
    return text;
  }

  /** Checks one result; returns whether the file was accepted. */
  function check(result: ParseResult, text: string): boolean {
    if (!result.ok) {
      expect(typeof result.error).toBe('string');
      expect(result.error.length, result.error).toBeGreaterThan(0);
      expect(result.error.length, result.error).toBeLessThan(300);
      expect(result.error, 'one line').not.toMatch(/[\n\r\u2028\u2029]/);
      return false;
    }
    // Accepted: written again and read back, it is the same run, and the text is a fixed point.
    const again = serializeRun(result.run);
    const reread = parseRun(again);
    if (!reread.ok) throw new Error(`accepted a file whose re-serialisation is rejected (${reread.error}):\n${text.slice(0, 2000)}`);
    expect(reread.run).toEqual(result.run);
    expect(serializeRun(reread.run)).toBe(again);
    return true;
  }

  it(`${CASES} mutated files: parseRun never throws, accepts only round-trip-stable runs, and pollutes nothing`, () => {
    const rng = new Rng(20250131);
    const before = prototypeKeys();
    const outcomes = { accepted: 0, rejected: 0 };
    // A few valid files to start from (writing one costs more than mutating it).
    const valid = Array.from({ length: 20 }, () => serializeRun(validRun(rng)));
    for (let i = 0; i < CASES; i++) {
      const file = JSON.parse(pick(rng, valid)) as { [key: string]: Json };
      const mutations = 1 + rng.int(3);
      for (let m = 0; m < mutations; m++) mutate(rng, file);
      const text = fileText(rng, file);
      let result: ParseResult;
      try {
        result = parseRun(text);
      } catch (error) {
        throw new Error(`case ${i}: parseRun threw ${String(error)} on:\n${text.slice(0, 2000)}`);
      }
      outcomes[check(result, text) ? 'accepted' : 'rejected']++;
      expectUnpolluted(before);
    }
    // Both outcomes happen often enough for the checks of each to mean something.
    expect(outcomes.accepted).toBeGreaterThan(CASES / 50);
    expect(outcomes.rejected).toBeGreaterThan(CASES / 2);
  });
});

describe('decodeSettings survives mutated URL hashes', () => {
  const head = (rng: Rng): AuxHead => ({ mode: pick(rng, HEAD_MODES), weight: pick(rng, [0, 1, 0.3, rng.next()]) });
  const variant = (rng: Rng): ModelVariant => ({ aux1: head(rng), aux2: head(rng), activation: pick(rng, ACTIVATIONS) });

  /** Valid settings drawn from `rng`. */
  function randomSettings(rng: Rng): ExperimentSettings {
    return {
      preset: pick(rng, TRAINABLE_PRESETS),
      dataset: pick(rng, ['mnist', 'fashion-mnist', 'shapes'] as const),
      width: pick(rng, [...WIDTHS, 'auto' as const]),
      optimizer: pick(rng, ['sgd', 'adam'] as const),
      learningRate: pick(rng, [10, 1e-7, 10 ** rng.uniform(-8, 1)]),
      batchSize: 1 + rng.int(256),
      seed: rng.nextUint32(),
      perHeadEvery: 1 + rng.int(1000),
      evalEvery: 1 + rng.int(100_000),
      backend: pick(rng, ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'] as const),
      compare: rng.next() < 0.5,
      a: variant(rng),
      b: variant(rng),
      measure: pick(rng, MEASURES),
      detail: pick(rng, ['block', 'layer'] as const),
    };
  }

  const ODD = [
    '', '-1', '0', '1e999', 'NaN', 'Infinity', '0x10', '1/0', '0/0', ' 1', 'true', '{}', '[]', 'null', 'undefined',
    '__proto__', 'constructor', 'toString', '%', '%zz', '%E0%A4%A', '%ED%A0%80', '%00', '%0A', '%FF', '%25', '%%',
    'loss:2', 'off:', ':0.3', 'probe:0.3:1', '9'.repeat(400), ...HTML, ...UNICODE, ...HTML.map(encodeURIComponent),
  ];

  /** One random change to the hash's key=value pairs, in place. */
  function mutate(rng: Rng, pairs: string[][]): void {
    const i = rng.int(pairs.length || 1);
    const pair = pairs[i];
    switch (rng.int(8)) {
      case 0: // delete a pair
        pairs.splice(i, 1);
        break;
      case 1: // swap the values of two keys
        if (pair && pairs.length > 1) {
          const other = pairs[rng.int(pairs.length)]!;
          [pair[1], other[1]] = [other[1]!, pair[1]!];
        }
        break;
      case 2: // a value of the wrong type, percent garbage or unicode
        if (pair) pair[1] = pick(rng, ODD);
        break;
      case 3: // an unknown or odd key
        pairs.splice(i, 0, [pick(rng, ['colour', '__proto__', 'constructor', 'a.__proto__', 'a.', '.', '', '%', ...UNICODE, ...HTML]), pick(rng, ODD)]);
        break;
      case 4: // a repeated key
        if (pair) pairs.push([pair[0]!, pick(rng, [...ODD, pair[1]!])]);
        break;
      case 5: // a key without "=", or "=" inside a value
        if (pair) pairs[i] = rng.next() < 0.5 ? [pair[0]!] : [pair[0]!, `${pair[1]}=${pick(rng, ODD)}`];
        break;
      case 6: // oversized: one long value, or many pairs
        if (pair && rng.next() < 0.5) pair[1] = pick(rng, ['1', '%41', 'x', '\u{1F600}']).repeat(1 + rng.int(3000));
        else for (let n = rng.int(200); n > 0; n--) pairs.push([`k${n}`, String(n)]);
        break;
      default: // unicode in a key or a value, escaped or not
        if (pair) pair[rng.int(2)] = `${pair[0]}${rng.next() < 0.5 ? pick(rng, UNICODE) : encodeURIComponent(pick(rng, UNICODE.filter((u) => u !== '\ud800')))}`;
    }
  }

  it(`${CASES} mutated hashes: decodeSettings never throws, returns valid settings and at most ${MAX_NOTICES} short plain notices`, () => {
    const rng = new Rng(7);
    const before = prototypeKeys();
    let withNotices = 0;
    for (let i = 0; i < CASES; i++) {
      const settings = randomSettings(rng);
      expect(settingsProblems(settings)).toEqual([]);
      const pairs = encodeSettings(settings).split('&').map((p) => p.split('='));
      const mutations = 1 + rng.int(4);
      for (let m = 0; m < mutations; m++) mutate(rng, pairs);
      let hash = (rng.next() < 0.5 ? '#' : '') + pairs.map((p) => p.join('=')).join(pick(rng, ['&', '&', '&', '&&', ';']));
      if (rng.next() < 0.2) hash = hash.slice(0, rng.int(hash.length + 1));
      let decoded: ReturnType<typeof decodeSettings>;
      try {
        decoded = decodeSettings(hash);
      } catch (error) {
        throw new Error(`case ${i}: decodeSettings threw ${String(error)} on ${JSON.stringify(hash.slice(0, 500))}`);
      }
      expect(settingsProblems(decoded.settings), hash).toEqual([]);
      expect(Array.isArray(decoded.notices)).toBe(true);
      expect(decoded.notices.length).toBeLessThanOrEqual(MAX_NOTICES);
      for (const notice of decoded.notices) {
        expect(typeof notice).toBe('string');
        expect(notice.length, notice).toBeGreaterThan(0);
        expect(notice.length, notice).toBeLessThan(300);
        expect(notice, 'one line').not.toMatch(/[\n\r\u2028\u2029]/);
      }
      if (decoded.notices.length > 0) withNotices++;
      expectUnpolluted(before);
    }
    expect(withNotices).toBeGreaterThan(CASES / 2);
  });
});
