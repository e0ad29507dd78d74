/**
 * The rules of a run file (format "gradflow-run", version 1, docs/run-file.md): zod schemas of
 * the file as it sits on disk, its limits, the checks across fields, and the wording of every
 * message. Used only by ./runFile, which is the format's one reader and writer.
 */
import { z } from 'zod';
import { configProblems } from '../model/config';
import { HEADS, LAYER_METRICS } from '../train/frame';
import type { Numbers, RunHeader, RunStep } from './runFile';

/** Sizes past which a file is rejected rather than read. */
export const RUN_FILE_LIMITS = {
  /** Characters of JSON text (about 500 MB: V8 cannot hold a much longer string). */
  maxChars: 500_000_000,
  maxSteps: 1_000_000,
  maxEvents: 1_000_000,
  maxLayers: 10_000,
  maxBlocks: 10_000,
  /** Characters in any one string (label, event detail, names...). */
  maxString: 1_000,
} as const;

/** Keys rejected anywhere in a file: they are how prototype pollution is attempted. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

const text = z.string().max(RUN_FILE_LIMITS.maxString);
const name = text.min(1);
const count = z.int().min(0);

const METRIC_ERROR = 'must be a number or one of "NaN", "Infinity", "-Infinity"';

/** A metric read back as a float32 number, or undefined if `v` is not a metric. */
function metricValue(v: unknown): number | undefined {
  if (typeof v === 'number') return Math.fround(v);
  return v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : undefined;
}

/** A metric on disk: a number, "NaN", "Infinity" or "-Infinity"; read back as a float32 number. */
const metric = z.unknown().transform((v, ctx): number => {
  const value = metricValue(v);
  if (value === undefined) ctx.issues.push({ code: 'custom', message: METRIC_ERROR, input: v });
  return value ?? NaN;
});
/** A list of metrics, decoded in one loop (zod per element is too slow for a million-value file). */
const metrics = (max: number) => z.array(z.unknown()).max(max).transform((values, ctx): number[] => {
  const out = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = metricValue(values[i]);
    if (value === undefined) {
      ctx.issues.push({ code: 'custom', message: METRIC_ERROR, input: values[i], path: [i] });
      return out;
    }
    out[i] = value;
  }
  return out;
});
const perHeadValues = <T extends z.ZodType>(value: T) => z.strictObject({ main: value, aux1: value, aux2: value });

const auxHead = z.strictObject({ mode: z.enum(['loss', 'probe', 'off']), weight: z.number() });

/** The header: what was trained, how, on what, and the names the step arrays are indexed by. */
export const headerSchema = z.strictObject({
  config: z.strictObject({
    inputSize: z.literal([224, 32]),
    channels: z.literal([1, 3]),
    classes: z.int(),
    stem: z.enum(['paper', 'small']),
    width: z.number(),
    activation: z.enum(['relu', 'sigmoid', 'tanh']),
    batchNorm: z.boolean(),
    init: z.enum(['glorot-uniform', 'he-normal']),
    aux1: auxHead,
    aux2: auxHead,
  }),
  preset: name.nullable(),
  training: z.strictObject({
    optimizer: z.enum(['sgd', 'adam']),
    learningRate: z.number().positive(),
    momentum: z.number().min(0).lt(1),
    batchSize: z.int().min(1),
    seed: z.int().min(0).max(2 ** 32 - 1),
    perHeadEvery: z.int().min(1),
    evalEvery: z.int().min(1),
    evalSize: count,
  }),
  dataset: z.strictObject({
    name,
    trainCount: count,
    evalCount: count,
    normalisation: z.strictObject({
      mean: z.array(z.number()).min(1).max(3),
      std: z.array(z.number().positive()).min(1).max(3),
    }),
  }),
  backend: name,
  layers: z
    .array(z.strictObject({
      name,
      kind: z.enum(['stem', 'inception', 'aux', 'classifier']),
      head: z.enum(['main', 'aux1', 'aux2']),
      params: count,
    }))
    .max(RUN_FILE_LIMITS.maxLayers),
  blocks: z.array(name).max(RUN_FILE_LIMITS.maxBlocks),
  createdAt: z.iso.datetime({ offset: true }),
  label: text.optional(),
});

/** One step. Array lengths are checked against the header afterwards (see runFile). */
export const stepSchema = z.strictObject({
  step: z.int().min(1),
  loss: z.strictObject({ main: metric, aux1: metric, aux2: metric, total: metric }),
  accuracy: perHeadValues(metric),
  layers: z.strictObject({
    gradNorm: metrics(RUN_FILE_LIMITS.maxLayers),
    gradRms: metrics(RUN_FILE_LIMITS.maxLayers),
    gradMeanAbs: metrics(RUN_FILE_LIMITS.maxLayers),
    gradMaxAbs: metrics(RUN_FILE_LIMITS.maxLayers),
    weightNorm: metrics(RUN_FILE_LIMITS.maxLayers),
    updateRatio: metrics(RUN_FILE_LIMITS.maxLayers),
  }),
  actGradRms: metrics(RUN_FILE_LIMITS.maxBlocks),
  perHead: z.strictObject({
    gradNorm: perHeadValues(metrics(RUN_FILE_LIMITS.maxLayers)),
    actGradRms: perHeadValues(metrics(RUN_FILE_LIMITS.maxBlocks)),
  }).optional(),
  evalAccuracy: perHeadValues(metric).optional(),
  diverged: z.strictObject({ where: text }).optional(),
});

/** One event: something that happened at a step. */
export const eventSchema = z.strictObject({ step: count, type: z.enum(['diverged', 'setting']), detail: text });

/** The whole file. Steps are only counted here; each is checked with stepSchema in turn. */
export const fileSchema = z.strictObject({
  format: z.string(),
  version: z.number(),
  header: headerSchema,
  steps: z.array(z.unknown()).max(RUN_FILE_LIMITS.maxSteps),
  events: z.array(eventSchema).max(RUN_FILE_LIMITS.maxEvents),
});

/** The value at `path` in `root`, and whether its last key is absent from its parent. */
function lookup(root: unknown, path: readonly PropertyKey[]): { value: unknown; missing: boolean } {
  let value = root;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return { value: undefined, missing: false };
    if (!Object.hasOwn(value, key)) return { value: undefined, missing: true };
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return { value, missing: false };
}

/** A short description of a JSON value for a message: `a string ("abc")`, `null`, `a list`. */
function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `a string (${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)})`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value === 'number' ? 'the number' : typeof value} ${String(value)}`;
}

/** `a.b[3].c`, the way a path is written in messages. */
function dotted(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : `${out ? '.' : ''}${String(key)}`;
  return out;
}

/** Prefixes `what` with where it is: `step 12: layers.gradNorm`, `header.training.seed`. */
export function located(root: unknown, path: readonly PropertyKey[], what: string): string {
  if (path[0] === 'steps' && typeof path[1] === 'number') {
    const step = lookup(root, [...path.slice(0, 2), 'step']).value;
    const prefix = Number.isSafeInteger(step) ? `step ${String(step)}` : `steps[${path[1]}]`;
    const field = dotted(path.slice(2));
    return field ? `${prefix}: ${field} ${what}` : `${prefix} ${what}`;
  }
  return `${dotted(path) || 'the run file'} ${what}`;
}

const article = (expected: string): string =>
  expected === 'int' ? 'an integer' : expected === 'array' ? 'a list' : /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
const quoteAll = (values: readonly unknown[]): string => values.map((v) => JSON.stringify(v)).join(', ');
const limit = (word: string, bound: number | bigint, inclusive: boolean | undefined, strict: string): string =>
  inclusive === false ? `${strict} ${bound}` : `${word} ${bound}`;

/** The human message for one zod issue, located in `root` (the whole parsed file). */
export function describeIssue(issue: z.core.$ZodIssue, root: unknown): string {
  const { value, missing } = lookup(root, issue.path);
  const what = ((): string => {
    if (missing) return 'is missing';
    switch (issue.code) {
      case 'invalid_type':
        if (issue.expected === 'int' && typeof value === 'number') return `must be a whole number, not ${value}`;
        return `must be ${article(issue.expected)}, not ${describeValue(value)}`;
      case 'invalid_value':
        return issue.values.length === 1 ? `must be ${quoteAll(issue.values)}` : `must be one of ${quoteAll(issue.values)}`;
      case 'unrecognized_keys':
        return `has ${issue.keys.length === 1 ? 'an unknown field' : 'unknown fields'} ${quoteAll(issue.keys)}`;
      case 'invalid_format':
        return issue.format === 'datetime' ? 'must be an ISO date and time, e.g. "2025-01-31T12:00:00.000Z"' : `is not a valid ${issue.format}`;
      case 'too_big':
        if (issue.origin === 'string') return `is too long (${(value as string).length} characters; at most ${issue.maximum})`;
        if (issue.origin === 'array') return `has too many entries (${(value as unknown[]).length}; at most ${issue.maximum})`;
        return `must be ${limit('at most', issue.maximum, issue.inclusive, 'less than')}`;
      case 'too_small':
        if (issue.origin === 'string') return 'must not be empty';
        if (issue.origin === 'array') return `must have at least ${issue.minimum} ${issue.minimum === 1 ? 'entry' : 'entries'}`;
        return `must be ${limit('at least', issue.minimum, issue.inclusive, 'greater than')}`;
      default:
        return issue.message;
    }
  })();
  return located(root, issue.path, what);
}

/** The first key in FORBIDDEN_KEYS anywhere in `root`, as a located message; null if none. */
export function forbiddenKeyProblem(root: unknown): string | null {
  interface Visit { readonly value: object; readonly parent: Visit | null; readonly key: PropertyKey }
  const pathOf = (visit: Visit): PropertyKey[] => {
    const path: PropertyKey[] = [];
    for (let v: Visit | null = visit; v?.parent; v = v.parent) path.unshift(v.key);
    return path;
  };
  if (typeof root !== 'object' || root === null) return null;
  const stack: Visit[] = [{ value: root, parent: null, key: '' }];
  for (let visit = stack.pop(); visit; visit = stack.pop()) {
    const value = visit.value as Record<PropertyKey, unknown>;
    const keys: PropertyKey[] = Array.isArray(value) ? [] : Object.keys(value);
    const bad = keys.find((key) => FORBIDDEN_KEYS.has(key as string));
    if (bad !== undefined) return located(root, pathOf(visit), `has the key ${JSON.stringify(bad)}, which no run file may contain`);
    const children = Array.isArray(value) ? value.length : keys.length;
    for (let i = children - 1; i >= 0; i--) {
      const key = Array.isArray(value) ? i : keys[i]!;
      const child = value[key];
      if (typeof child === 'object' && child !== null) stack.push({ value: child, parent: visit, key });
    }
  }
  return null;
}

/** The first repeated name in `names` and where, or null. */
function duplicate(names: readonly string[]): { index: number; name: string } | null {
  const seen = new Set<string>();
  for (const [index, name] of names.entries()) {
    if (seen.has(name)) return { index, name };
    seen.add(name);
  }
  return null;
}

/** Consistency of the header with itself: config rules, normalisation sizes, unique names. */
export function headerProblem(h: RunHeader): string | null {
  const configProblem = configProblems(h.config)[0];
  if (configProblem !== undefined) return `header.config: ${configProblem}`;
  const { mean, std } = h.dataset.normalisation;
  if (std.length !== mean.length) return `header.dataset.normalisation.std has ${std.length} values, expected ${mean.length} (one per mean value)`;
  if (mean.length !== 1 && mean.length !== h.config.channels) {
    return `header.dataset.normalisation.mean has ${mean.length} values, expected 1 or ${h.config.channels} (one per channel)`;
  }
  const layer = duplicate(h.layers.map((l) => l.name));
  if (layer) return `header.layers[${layer.index}].name ${JSON.stringify(layer.name)} is used by an earlier layer too`;
  const block = duplicate(h.blocks);
  if (block) return `header.blocks[${block.index}] ${JSON.stringify(block.name)} is used by an earlier block too`;
  return null;
}

/** The first array of `step` whose length does not match the header, as path and message. */
export function lengthProblem(step: RunStep, layers: number, blocks: number): { path: PropertyKey[]; what: string } | null {
  const checks: [PropertyKey[], Numbers, number, string][] = [
    ...LAYER_METRICS.map((m): [PropertyKey[], Numbers, number, string] => [['layers', m], step.layers[m], layers, 'layer']),
    [['actGradRms'], step.actGradRms, blocks, 'block'],
  ];
  for (const h of HEADS) {
    if (step.perHead) checks.push([['perHead', 'gradNorm', h], step.perHead.gradNorm[h], layers, 'layer']);
    if (step.perHead) checks.push([['perHead', 'actGradRms', h], step.perHead.actGradRms[h], blocks, 'block']);
  }
  for (const [path, values, expected, per] of checks) {
    if (values.length !== expected) return { path, what: `has ${values.length} values, expected ${expected} (one per ${per})` };
  }
  return null;
}
