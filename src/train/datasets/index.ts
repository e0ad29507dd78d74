/**
 * The datasets GradFlow trains on, all 32x32 with 10 classes: `mnist` and `fashion-mnist`
 * (grey, read from the binaries that scripts/build-data.mjs puts in public/data) and
 * `shapes` (RGB, generated from the seed). Nothing here imports Node modules, so it runs in
 * a Web Worker as well; Node callers get a FetchBytes from ./nodeFiles. See docs/datasets.md.
 */

import { loadMnistLike } from './mnistLike';
import { makeShapes } from './shapes';
import type { Dataset, DatasetName, FetchBytes } from './types';

export type { Dataset, DatasetName, FetchBytes, Split } from './types';
export { gatherBatch } from './batch';
export { floatSplit, splitImages } from './split';

export const DATASET_NAMES: readonly DatasetName[] = ['mnist', 'fashion-mnist', 'shapes'];

/** Loads a dataset; `seed` is used only by `shapes` (procedural). */
export async function loadDataset(name: DatasetName, seed: number, fetchBytes: FetchBytes): Promise<Dataset> {
  switch (name) {
    case 'mnist':
    case 'fashion-mnist':
      return loadMnistLike(name, fetchBytes);
    case 'shapes':
      return makeShapes(seed);
    default:
      throw new Error(`unknown dataset "${String(name)}"; expected one of ${DATASET_NAMES.join(', ')}`);
  }
}

/** Channels of a dataset without loading it (1 for the MNIST sets, 3 for shapes). */
export function datasetChannels(name: DatasetName): 1 | 3 {
  switch (name) {
    case 'mnist':
    case 'fashion-mnist':
      return 1;
    case 'shapes':
      return 3;
    default:
      throw new Error(`unknown dataset "${String(name)}"; expected one of ${DATASET_NAMES.join(', ')}`);
  }
}
