import type { Dataset, DatasetName } from '../train/datasets';

/** Datasets kept in memory (about 10 MB each for the MNIST sets: their images are held as bytes). */
const DATASET_CACHE_SIZE = 2;

/** The datasets a session loaded, the most recently used kept, so switching back and forth loads nothing. */
export class DatasetCache {
  private readonly datasets = new Map<string, Dataset>();

  constructor(private readonly load: (name: DatasetName, seed: number) => Promise<Dataset>) {}

  async get(name: DatasetName, seed: number): Promise<Dataset> {
    const key = `${name}:${seed}`;
    const cached = this.datasets.get(key);
    if (cached) {
      this.datasets.delete(key);
      this.datasets.set(key, cached); // most recently used last
      return cached;
    }
    const dataset = await this.load(name, seed);
    this.datasets.set(key, dataset);
    for (const old of this.datasets.keys()) if (this.datasets.size > DATASET_CACHE_SIZE) this.datasets.delete(old);
    return dataset;
  }
}
