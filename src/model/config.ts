/**
 * The configuration of a GoogLeNet, exactly the fields of the pinned model contract,
 * and the presets of that contract in one table.
 */

export type Stem = 'paper' | 'small';
export type Activation = 'relu' | 'sigmoid' | 'tanh';
export type Init = 'glorot-uniform' | 'he-normal';
export type HeadMode = 'loss' | 'probe' | 'off';
export type PresetName = 'paper' | 'relu' | 'sigmoid' | 'tanh' | 'relu-bn';

export const PRESET_NAMES: readonly PresetName[] = ['paper', 'relu', 'sigmoid', 'tanh', 'relu-bn'];
export const ACTIVATIONS: readonly Activation[] = ['relu', 'sigmoid', 'tanh'];
export const INITS: readonly Init[] = ['glorot-uniform', 'he-normal'];
export const HEAD_MODES: readonly HeadMode[] = ['loss', 'probe', 'off'];
/** The allowed channel multipliers. */
export const WIDTHS: readonly number[] = [1, 1 / 2, 1 / 4, 1 / 8];

/** One auxiliary classifier's setting. */
export interface AuxHead {
  readonly mode: HeadMode;
  /** Weight of the head's cross-entropy in the loss (0.3 in the paper). */
  readonly weight: number;
}

export interface ModelConfig {
  readonly inputSize: 224 | 32;
  readonly channels: 1 | 3;
  readonly classes: number;
  readonly stem: Stem;
  readonly width: number;
  readonly activation: Activation;
  readonly batchNorm: boolean;
  readonly init: Init;
  readonly aux1: AuxHead;
  readonly aux2: AuxHead;
}

/** The paper's auxiliary loss weight. */
export const AUX_WEIGHT = 0.3;

const PAPER_AUX: AuxHead = { mode: 'loss', weight: AUX_WEIGHT };

const SMALL: ModelConfig = {
  inputSize: 32,
  channels: 1,
  classes: 10,
  stem: 'small',
  width: 1 / 8,
  activation: 'relu',
  batchNorm: false,
  init: 'glorot-uniform',
  aux1: PAPER_AUX,
  aux2: PAPER_AUX,
};

/** The presets of the model contract. Channels follow the dataset (set by the caller). */
export const PRESETS: Readonly<Record<PresetName, ModelConfig>> = {
  paper: { ...SMALL, inputSize: 224, channels: 3, classes: 1000, stem: 'paper', width: 1 },
  relu: SMALL,
  sigmoid: { ...SMALL, activation: 'sigmoid' },
  tanh: { ...SMALL, activation: 'tanh' },
  'relu-bn': { ...SMALL, batchNorm: true },
};

/** A channel count scaled by the width: c -> max(1, round(c * width)). */
export function scaled(channels: number, width: number): number {
  return Math.max(1, Math.round(channels * width));
}

/** Checks a configuration against the contract; returns the problems found (empty if none). */
export function configProblems(config: ModelConfig): string[] {
  const problems: string[] = [];
  if (config.stem === 'paper' && config.inputSize !== 224) problems.push('the paper stem needs inputSize 224');
  if (config.stem === 'small' && config.inputSize !== 32) problems.push('the small stem needs inputSize 32');
  if (config.channels !== 1 && config.channels !== 3) problems.push('channels must be 1 or 3');
  if (!Number.isInteger(config.classes) || config.classes < 2) problems.push('classes must be an integer of at least 2');
  if (!WIDTHS.includes(config.width)) problems.push('width must be one of 1, 1/2, 1/4, 1/8');
  for (const [name, head] of [['aux1', config.aux1], ['aux2', config.aux2]] as const) {
    if (!HEAD_MODES.includes(head.mode)) problems.push(`${name}.mode must be loss, probe or off`);
    if (!(head.weight >= 0 && head.weight <= 1)) problems.push(`${name}.weight must be between 0 and 1`);
  }
  return problems;
}

/** Parses "1", "0.5", "1/2", "0.125", "1/8" into one of the allowed widths, or null. */
export function parseWidth(text: string): number | null {
  const parts = text.split('/');
  const value = parts.length === 2 ? Number(parts[0]) / Number(parts[1]) : Number(text);
  return WIDTHS.find((w) => Math.abs(w - value) < 1e-9) ?? null;
}
