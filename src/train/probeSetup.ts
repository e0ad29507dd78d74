import * as tf from '@tensorflow/tfjs-core';
import { describe } from '../model/architecture';
import type { ModelConfig } from '../model/config';
import { createParams, type ModelParams } from '../model/params';
import { BatchStream } from './batches';
import { gatherBatch, type Dataset } from './datasets';
import type { Batch } from './gradients';

/** A model fresh from its seed and the first training batch that seed draws. */
export interface ProbeSetup {
  readonly params: ModelParams;
  readonly batch: Batch;
  readonly images: Float32Array;
  readonly labels: Int32Array;
}

/** Builds what a probe measures; the caller disposes params and batch tensors. */
export function probeSetup(config: ModelConfig, seed: number, dataset: Dataset, batchSize: number): ProbeSetup {
  const params = createParams(describe(config), seed);
  const indices = new BatchStream(seed, dataset.train.count, batchSize).indices(1);
  const images = new Float32Array(batchSize * dataset.size * dataset.size * dataset.channels);
  const labels = new Int32Array(batchSize);
  gatherBatch(dataset.train, indices, images, labels);
  const batch = {
    x: tf.tensor4d(images, [batchSize, dataset.size, dataset.size, dataset.channels]),
    labels: tf.tensor1d(labels, 'int32'),
  };
  return { params, batch, images, labels };
}
