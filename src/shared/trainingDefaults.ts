import type { TrainingSettings } from './runFile';

/** Training settings used wherever none are given (the paper's SGD with momentum 0.9). */
export const DEFAULT_TRAINING: TrainingSettings = {
  optimizer: 'sgd',
  learningRate: 0.01,
  momentum: 0.9,
  batchSize: 32,
  seed: 1,
  perHeadEvery: 10,
  evalEvery: 50,
  evalSize: 500,
};
