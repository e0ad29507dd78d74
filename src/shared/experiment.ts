import type { Activation, AuxHead, PresetName } from '../model/config';
import type { DatasetName } from '../train/datasets/types';
import type { BackendName } from '../train/backends/select';
import type { LayerMetric } from '../train/frame';
import type { WidthSetting } from './widths';

/**
 * What the person chose: one experiment, two models (A and B) trained in lockstep from
 * one seed on one batch stream. Shared by the page (URL hash, controls) and the worker.
 */

export type ModelId = 'A' | 'B';
export const MODEL_IDS: readonly ModelId[] = ['A', 'B'];

/** What may differ between A and B. */
export interface ModelVariant {
  readonly aux1: AuxHead;
  readonly aux2: AuxHead;
  readonly activation: Activation;
}

/** Presets the browser trains (the paper's 224x224 network is too big for a tab). */
export type TrainablePreset = Exclude<PresetName, 'paper'>;
export const TRAINABLE_PRESETS: readonly TrainablePreset[] = ['relu', 'sigmoid', 'tanh', 'relu-bn'];

/** The measure a gradient chart plots: a per-layer metric, or the per-block activation gradient. */
export type Measure = Extract<LayerMetric, 'gradRms' | 'gradNorm' | 'gradMeanAbs' | 'gradMaxAbs'> | 'actGradRms';
export const MEASURES: readonly Measure[] = ['gradRms', 'gradNorm', 'gradMeanAbs', 'gradMaxAbs', 'actGradRms'];

export type BackendPreference = 'auto' | BackendName;

export interface ExperimentSettings {
  readonly preset: TrainablePreset;
  readonly dataset: DatasetName;
  /** 1, 1/2, 1/4 or 1/8; 'auto': the backend's (src/shared/widths.ts). */
  readonly width: WidthSetting;
  readonly optimizer: 'sgd' | 'adam';
  readonly learningRate: number;
  readonly batchSize: number;
  readonly seed: number;
  /** Per-head contributions every k-th step. */
  readonly perHeadEvery: number;
  /** Held-out accuracy every N-th step. */
  readonly evalEvery: number;
  readonly backend: BackendPreference;
  /** true: A and B side by side; false: A alone. */
  readonly compare: boolean;
  readonly a: ModelVariant;
  readonly b: ModelVariant;
  /** What the gradient charts plot, and at which grain. */
  readonly measure: Measure;
  readonly detail: 'block' | 'layer';
}
