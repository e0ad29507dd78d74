import { parseArgs } from 'node:util';
import { ACTIVATIONS, HEAD_MODES, PRESET_NAMES, PRESETS, parseWidth, type Activation, type HeadMode, type ModelConfig, type PresetName } from '../model/config';
import type { NodeBackendRequest } from '../train/backends/node';
import { DATASET_NAMES, datasetChannels, type DatasetName } from '../train/datasets';

/** A mistake in the command line, reported to the user as it is (no stack). */
export class UsageError extends Error {}

export const USAGE = `GradFlow command line: the same GoogLeNet, training and metrics as the app, headless.

  summary --preset P [--width W] [--json]
  probe   --preset P [--width W] [--activation A] [--seed S] [--batch B] [--dataset D]
          [--aux1 MODE] [--aux2 MODE] [--aux-weight X] [--backend BACKEND] --out FILE
  train   --preset P [--steps N] [--seed S] [--dataset D] [--aux1 MODE] [--aux2 MODE]
          [--aux-weight X] [--width W] [--activation A] [--batch B] [--lr X]
          [--optimizer sgd|adam] [--per-head-every K] [--eval-every N]
          [--backend BACKEND] [--out FILE]

  P: ${PRESET_NAMES.join(', ')}   W: 1, 1/2, 1/4, 1/8   A: ${ACTIVATIONS.join(', ')}
  MODE: ${HEAD_MODES.join(', ')}   D: ${DATASET_NAMES.join(', ')}

  BACKEND: wasm (default), webgpu, auto, cpu
    wasm      runs everywhere and gives the same run file on every machine.
    webgpu    a GPU through the optional package webgpu (Dawn; needs a Vulkan driver on
              Linux); if it cannot start, wasm, with one line on stderr saying why.
    auto      webgpu on a hardware GPU, else wasm (with that line). Not the default: most
              machines without a GPU would print it on every run, and the numbers would
              then depend on the machine.
    cpu       the slow pure-JavaScript reference.`;

export const OPTIONS = {
  preset: { type: 'string' },
  width: { type: 'string' },
  activation: { type: 'string' },
  seed: { type: 'string' },
  batch: { type: 'string' },
  dataset: { type: 'string' },
  aux1: { type: 'string' },
  aux2: { type: 'string' },
  'aux-weight': { type: 'string' },
  steps: { type: 'string' },
  lr: { type: 'string' },
  optimizer: { type: 'string' },
  'per-head-every': { type: 'string' },
  'eval-every': { type: 'string' },
  backend: { type: 'string' },
  out: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export type Flags = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>['values'];

export function parse(argv: readonly string[]): { command: string | undefined; flags: Flags } {
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
    if (positionals.length > 1) throw new UsageError(`one command at a time (got ${positionals.join(' ')})`);
    return { command: positionals[0], flags: values };
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** The values of --backend; the run file records the backend actually used. */
export const BACKEND_FLAGS = ['wasm', 'webgpu', 'auto', 'cpu'] as const satisfies readonly NodeBackendRequest[];

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--${flag} must be one of ${allowed.join(', ')} (got "${value}")`);
  return value as T;
}

/** A whole number within [min, max], or the fallback when the flag is absent. */
export function integer(flag: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${flag} must be a whole number from ${min} to ${max} (got "${value}")`);
  return n;
}

/** A number within [min, max] (min exclusive when `open`), or the fallback. */
export function real(flag: string, value: string | undefined, fallback: number, min: number, max: number, open = false): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n > max || (open ? n <= min : n < min)) throw new UsageError(`--${flag} must be a number ${open ? 'above' : 'from'} ${min} ${open ? 'up to' : 'to'} ${max} (got "${value}")`);
  return n;
}

export function presetOf(flags: Flags): PresetName {
  if (flags.preset === undefined) throw new UsageError(`--preset is required (${PRESET_NAMES.join(', ')})`);
  return oneOf('preset', flags.preset, PRESET_NAMES, 'relu');
}

export function backendOf(flags: Flags): NodeBackendRequest {
  return oneOf('backend', flags.backend, BACKEND_FLAGS, 'wasm');
}

export function datasetOf(flags: Flags): DatasetName {
  return oneOf('dataset', flags.dataset, DATASET_NAMES, 'mnist');
}

/** The model configuration a command line asks for: the preset, then each override. */
export function configOf(flags: Flags, preset: PresetName, dataset: DatasetName | null): ModelConfig {
  const base = PRESETS[preset];
  let width = base.width;
  if (flags.width !== undefined) {
    const parsed = parseWidth(flags.width);
    if (parsed === null) throw new UsageError(`--width must be 1, 1/2, 1/4 or 1/8 (got "${flags.width}")`);
    width = parsed;
  }
  const activation: Activation = oneOf('activation', flags.activation, ACTIVATIONS, base.activation);
  const weight = real('aux-weight', flags['aux-weight'], base.aux1.weight, 0, 1);
  const mode1: HeadMode = oneOf('aux1', flags.aux1, HEAD_MODES, base.aux1.mode);
  const mode2: HeadMode = oneOf('aux2', flags.aux2, HEAD_MODES, base.aux2.mode);
  const channels = preset === 'paper' || dataset === null ? base.channels : datasetChannels(dataset);
  return { ...base, width, activation, channels, aux1: { mode: mode1, weight }, aux2: { mode: mode2, weight } };
}
