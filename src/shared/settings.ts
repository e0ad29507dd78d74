/**
 * The experiment settings' defaults, the preset switch, short labels, and the URL-hash codec:
 * one table of fields (TensorFlow Playground's state.ts PROPS, made strict). Decoding never
 * throws: a bad field keeps its default and adds a short plain-text notice (shown as text, never HTML).
 */
import { ACTIVATIONS, AUX_WEIGHT, HEAD_MODES, parseWidth, PRESETS, WIDTHS, type AuxHead } from '../model/config';
import type { DatasetName } from '../train/datasets/types';
import {
  MEASURES, TRAINABLE_PRESETS, type BackendPreference, type ExperimentSettings, type ModelVariant, type TrainablePreset,
} from './experiment';
import { widthText, type WidthSetting } from './widths';

/** Every member of a string union, in the record's order (the compiler checks none is missing or extra). */
const members = <K extends string>(all: Record<K, true>): readonly K[] => Object.keys(all) as K[];
const DATASETS = members<DatasetName>({ mnist: true, 'fashion-mnist': true, shapes: true });
const BACKENDS = members<BackendPreference>({ auto: true, webgpu: true, webgl: true, wasm: true, cpu: true });
const OPTIMIZERS = members<ExperimentSettings['optimizer']>({ sgd: true, adam: true });
const DETAILS = members<ExperimentSettings['detail']>({ block: true, layer: true });

const variant = (aux: AuxHead['mode'], activation: ModelVariant['activation']): ModelVariant => Object.freeze({
  aux1: Object.freeze({ mode: aux, weight: AUX_WEIGHT }), aux2: Object.freeze({ mode: aux, weight: AUX_WEIGHT }), activation,
});

/** What the page shows on first load: the relu preset, A with the paper's aux heads, B without. Frozen. */
export const DEFAULT_SETTINGS: ExperimentSettings = Object.freeze({
  preset: 'relu', dataset: 'mnist', width: 'auto', optimizer: 'sgd', learningRate: 0.01, batchSize: 16, seed: 1,
  perHeadEvery: 10, evalEvery: 50, backend: 'auto', compare: true,
  a: variant('loss', 'relu'), b: variant('off', 'relu'), measure: 'gradRms', detail: 'block',
});

/** `current` with `preset` chosen: both variants take the preset's activation; everything else stays. */
export function settingsForPreset(current: ExperimentSettings, preset: TrainablePreset): ExperimentSettings {
  const { activation } = PRESETS[preset];
  return { ...current, preset, a: { ...current.a, activation }, b: { ...current.b, activation } };
}

/** Where a field lives in ExperimentSettings: its path, and how to read and replace it (a new object, never a mutation). */
interface Place<T> {
  readonly path: string;
  readonly get: (s: ExperimentSettings) => T;
  readonly set: (s: ExperimentSettings, value: T) => ExperimentSettings;
}

/** One setting: its key in the hash, what it is (for messages), its allowed values, and its text form. */
interface Field<T> extends Place<T> {
  readonly key: string;
  readonly what: string;
  readonly valid: (value: unknown) => value is T;
  /** A candidate value read from the hash's text (checked by `valid` afterwards). */
  readonly parse: (text: string) => unknown;
  readonly format: (value: T) => string;
}

/** A field with its value type erased, so that one table holds them all. */
interface Entry {
  readonly key: string;
  readonly path: string;
  readonly what: string;
  encode(s: ExperimentSettings): string;
  /** `s` with this field read from `text`, or null if `text` is not an allowed value. */
  decode(s: ExperimentSettings, text: string): ExperimentSettings | null;
  /** Whether this field of `s` holds an allowed value (`s.a` and `s.b` must be objects). */
  check(s: ExperimentSettings): boolean;
}

function entry<T>(f: Field<T>): Entry {
  return {
    key: f.key, path: f.path, what: f.what,
    encode: (s) => f.format(f.get(s)),
    decode: (s, text) => {
      const value = f.parse(text);
      return f.valid(value) ? f.set(s, value) : null;
    },
    check: (s) => f.valid(f.get(s)),
  };
}

const top = <K extends keyof ExperimentSettings>(path: K): Place<ExperimentSettings[K]> => ({
  path, get: (s) => s[path], set: (s, value) => ({ ...s, [path]: value }),
});
const inVariant = <K extends keyof ModelVariant>(id: 'a' | 'b', prop: K): Place<ModelVariant[K]> => ({
  path: `${id}.${prop}`, get: (s) => s[id][prop], set: (s, value) => ({ ...s, [id]: { ...s[id], [prop]: value } }),
});

const listing = (values: readonly string[]): string => `${values.slice(0, -1).join(', ')} or ${values[values.length - 1] ?? ''}`;
const isOneOf = <T extends string>(values: readonly T[]) => (v: unknown): v is T => typeof v === 'string' && (values as readonly string[]).includes(v);

/** A decimal number as written by String(), or null: no hex, no "Infinity", no spaces. */
function parseNumber(text: string): number | null {
  return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text) ? Number(text) : null;
}
/** String(x), except that -0 stays "-0" so that it reads back exactly. */
const numberText = (x: number): string => (Object.is(x, -0) ? '-0' : String(x));

/** Numbers in [min, max], or (min, max] when `above`, whole numbers only when `whole`. */
function inRange(min: number, max: number, options: { above?: boolean; whole?: boolean } = {}) {
  return (v: unknown): v is number => typeof v === 'number' && (options.above ? v > min : v >= min) && v <= max
    && (!options.whole || Number.isInteger(v));
}
const isWeight = inRange(0, 1);
const isHead = (v: unknown): v is AuxHead => typeof v === 'object' && v !== null && Object.keys(v).length === 2
  && 'mode' in v && isOneOf(HEAD_MODES)(v.mode) && 'weight' in v && isWeight(v.weight);

function choice<T extends string>(key: string, place: Place<T>, noun: string, values: readonly T[]): Entry {
  return entry({ key, ...place, what: `${noun} (${listing(values)})`, valid: isOneOf(values), parse: (t) => t, format: (v) => v });
}
function number(key: string, place: Place<number>, noun: string, min: number, max: number): Entry {
  const what = `${noun} (a number above ${min} up to ${max})`;
  return entry({ key, ...place, what, valid: inRange(min, max, { above: true }), parse: parseNumber, format: numberText });
}
function whole(key: string, place: Place<number>, noun: string, min: number, max: number): Entry {
  const what = `${noun} (a whole number from ${min} to ${max})`;
  return entry({ key, ...place, what, valid: inRange(min, max, { whole: true }), parse: parseNumber, format: numberText });
}
/** An aux head as "mode:weight"; a bare mode takes the paper's weight. */
function auxHead(id: 'a' | 'b', head: 'aux1' | 'aux2'): Entry {
  const parse = (text: string): unknown => {
    const [mode, weight, ...rest] = text.split(':');
    return rest.length > 0 ? null : { mode, weight: weight === undefined ? AUX_WEIGHT : parseNumber(weight) };
  };
  const what = `an aux head (${listing(HEAD_MODES)}, then :weight from 0 to 1)`;
  return entry({
    key: `${id}.${head}`, ...inVariant(id, head), what, valid: isHead, parse,
    format: (h) => `${h.mode}:${numberText(h.weight)}`,
  });
}
const variantFields = (id: 'a' | 'b'): Entry[] => [
  auxHead(id, 'aux1'), auxHead(id, 'aux2'), choice(`${id}.act`, inVariant(id, 'activation'), 'an activation', ACTIVATIONS),
];

/** The hash's fields in their written order. A preset sets both activations; a.act and b.act, later, override them. */
const FIELDS: readonly Entry[] = [
  choice('preset', { ...top('preset'), set: settingsForPreset }, 'a preset', TRAINABLE_PRESETS),
  choice('dataset', top('dataset'), 'a dataset', DATASETS),
  entry({
    key: 'width', ...top('width'), what: 'a width (auto, 1, 1/2, 1/4 or 1/8)',
    valid: (v): v is WidthSetting => v === 'auto' || (typeof v === 'number' && WIDTHS.includes(v)),
    parse: (t) => (t === 'auto' ? 'auto' : /^[\d.]+(\/[\d.]+)?$/.test(t) ? parseWidth(t) : null),
    format: (w) => (w === 'auto' ? 'auto' : widthText(w)),
  }),
  number('lr', top('learningRate'), 'a learning rate', 0, 10),
  choice('opt', top('optimizer'), 'an optimizer', OPTIMIZERS),
  whole('batch', top('batchSize'), 'a batch size', 1, 256),
  whole('seed', top('seed'), 'a seed', 0, 2 ** 32 - 1),
  whole('k', top('perHeadEvery'), 'a per-head interval', 1, 1000),
  whole('eval', top('evalEvery'), 'an eval interval', 1, 100_000),
  choice('backend', top('backend'), 'a backend', BACKENDS),
  entry({
    key: 'compare', ...top('compare'), what: 'a switch (0 or 1)', valid: (v): v is boolean => typeof v === 'boolean',
    parse: (t) => (t === '1' ? true : t === '0' ? false : null), format: (c) => (c ? '1' : '0'),
  }),
  ...variantFields('a'),
  ...variantFields('b'),
  choice('measure', top('measure'), 'a measure', MEASURES),
  choice('detail', top('detail'), 'a detail level', DETAILS),
];
const BY_KEY: ReadonlyMap<string, Entry> = new Map(FIELDS.map((f) => [f.key, f]));

/** Longest hash decodeSettings reads (without '#'); a longer one gives the defaults. */
export const MAX_HASH_LENGTH = 4000;
/** Most notices decodeSettings returns; the last one counts the rest. */
export const MAX_NOTICES = 10;

/** The settings as a URL hash without '#': every field, always in the same order, e.g. "preset=relu&dataset=mnist&...". */
export function encodeSettings(s: ExperimentSettings): string {
  const escape = (v: string): string => encodeURIComponent(v).replace(/%3A/g, ':').replace(/%2F/g, '/');
  return FIELDS.map((f) => `${f.key}=${escape(f.encode(s))}`).join('&');
}

/** What decodeSettings read: always valid settings, and one plain-text notice per problem found. */
export interface DecodedSettings {
  readonly settings: ExperimentSettings;
  readonly notices: string[];
}

/** Whether a code point would garble or disguise a notice shown as text (controls, line separators, bidi overrides). */
const unsafe = (c: number): boolean => c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x200e || c === 0x200f || c === 0x2028 || c === 0x2029
  || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
/** Input quoted for a notice: at most 40 characters, unsafe ones replaced. */
function quote(text: string): string {
  const chars = Array.from(text.slice(0, 200), (ch) => (unsafe(ch.codePointAt(0) ?? 0) ? '\uFFFD' : ch));
  return `"${chars.length > 40 ? `${chars.slice(0, 39).join('')}…` : chars.join('')}"`;
}
/** decodeURIComponent, trimmed, or null for a bad escape. */
function unescapePart(text: string): string | null {
  try {
    return decodeURIComponent(text).trim();
  } catch {
    return null;
  }
}

/** Reads a URL hash (with or without '#'); never throws. Missing or invalid fields keep their defaults, with a notice each. */
export function decodeSettings(hash: string): DecodedSettings {
  const notices: string[] = [];
  try {
    const settings = readHash(hash, notices);
    if (notices.length > MAX_NOTICES) notices.splice(MAX_NOTICES - 1, Infinity, `and ${notices.length - MAX_NOTICES + 1} more problems`);
    return { settings, notices };
  } catch {
    // Only reachable through a bug here; the defaults are always a safe answer.
    return { settings: DEFAULT_SETTINGS, notices: ['could not read the settings in the address; using the defaults'] };
  }
}

function readHash(hash: string, notices: string[]): ExperimentSettings {
  if (typeof hash !== 'string') {
    notices.push('the settings in the address are not text; using the defaults');
    return DEFAULT_SETTINGS;
  }
  const text = hash.startsWith('#') ? hash.slice(1) : hash;
  if (text.length > MAX_HASH_LENGTH) {
    notices.push(`the settings in the address are too long (${text.length} characters, over ${MAX_HASH_LENGTH}); using the defaults`);
    return DEFAULT_SETTINGS;
  }
  // Last value of each known key; null: the key came without "=".
  const given = new Map<string, string | null>();
  const repeated = new Set<string>();
  for (const part of text.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = unescapePart(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? null : unescapePart(part.slice(eq + 1));
    if (key === null || (eq >= 0 && value === null)) notices.push(`${quote(part)} has a bad %-escape; ignored`);
    else if (key === '') notices.push(`${quote(part)} has no setting name; ignored`);
    else if (!BY_KEY.has(key)) notices.push(`unknown setting ${quote(key)} ignored`);
    else {
      if (given.has(key) && !repeated.has(key)) {
        repeated.add(key);
        notices.push(`${quote(key)} is given more than once; the last one counts`);
      }
      given.set(key, value);
    }
  }
  let settings = DEFAULT_SETTINGS;
  for (const field of FIELDS) {
    if (!given.has(field.key)) continue;
    const value = given.get(field.key) ?? null;
    const next = value === null ? null : field.decode(settings, value);
    if (next !== null) settings = next;
    else {
      const fallback = `using ${field.encode(DEFAULT_SETTINGS)}`;
      notices.push(value === null ? `${quote(field.key)} has no value; ${fallback}` : `${quote(`${field.key}=${value}`)} is not ${field.what}; ${fallback}`);
    }
  }
  return settings;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const TOP_KEYS = new Set(Object.keys(DEFAULT_SETTINGS));
const VARIANT_KEYS = new Set(Object.keys(DEFAULT_SETTINGS.a));

/** What makes `s` not a valid ExperimentSettings (wrong or out-of-range values, missing or extra properties); empty if none. */
export function settingsProblems(s: unknown): string[] {
  if (!isRecord(s)) return ['settings must be an object'];
  const problems: string[] = [];
  const extra = (keys: Set<string>, where: Record<string, unknown>, prefix: string): void => {
    for (const key of Object.keys(where)) if (!keys.has(key)) problems.push(`unexpected property ${quote(prefix + key)}`);
  };
  extra(TOP_KEYS, s, '');
  let shaped = true;
  for (const id of ['a', 'b'] as const) {
    const v = s[id];
    if (isRecord(v)) extra(VARIANT_KEYS, v, `${id}.`);
    else {
      shaped = false;
      problems.push(`${id} must be an object`);
    }
  }
  if (!shaped) return problems;
  for (const field of FIELDS) {
    if (!field.check(s as unknown as ExperimentSettings)) problems.push(`${field.path} is not ${field.what}`);
  }
  return problems;
}

const headText = (h: AuxHead): string => (h.mode === 'off' ? 'off' : `${h.mode} ${numberText(h.weight)}`);
const sameHead = (x: AuxHead, y: AuxHead): boolean => x.mode === y.mode && (x.mode === 'off' || x.weight === y.weight);

/** The aux heads of a variant in a few words: "aux heads on (loss, 0.3)", "aux heads off", or each head. */
function auxText(v: ModelVariant): string {
  if (!sameHead(v.aux1, v.aux2)) return `aux1 ${headText(v.aux1)}, aux2 ${headText(v.aux2)}`;
  const { mode, weight } = v.aux1;
  return mode === 'off' ? 'aux heads off' : mode === 'loss' ? `aux heads on (loss, ${numberText(weight)})` : `aux heads as probes (${numberText(weight)})`;
}

/** A chart label for one variant, e.g. "aux1 loss 0.3, aux2 off, relu". */
export function variantLabel(v: ModelVariant): string {
  return `aux1 ${headText(v.aux1)}, aux2 ${headText(v.aux2)}, ${v.activation}`;
}

/** A chart label naming what differs between A and B, e.g. "A: aux heads on (loss, 0.3) · B: aux heads off". */
export function describeDifference(a: ModelVariant, b: ModelVariant): string {
  const auxDiffers = !sameHead(a.aux1, b.aux1) || !sameHead(a.aux2, b.aux2);
  const actDiffers = a.activation !== b.activation;
  if (!auxDiffers && !actDiffers) return `A = B: ${auxText(a)}, ${a.activation}`;
  const side = (v: ModelVariant): string => [auxDiffers ? auxText(v) : null, actDiffers ? v.activation : null].filter((x) => x !== null).join(', ');
  return `A: ${side(a)} · B: ${side(b)}`;
}
