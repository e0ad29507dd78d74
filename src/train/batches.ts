import { Rng } from './rng';

/**
 * The order in which training images are visited: epoch e is a permutation drawn from
 * the stream (seed, "batches:e"), and step s takes the next batchSize positions. The
 * batch of a step depends only on (seed, step, batch size, dataset size), so two models
 * trained from one seed see the same batches whatever else differs between them.
 */
export class BatchStream {
  private epoch = -1;
  private order: Uint32Array = new Uint32Array(0);

  constructor(
    private readonly seed: number,
    private readonly count: number,
    private readonly batchSize: number,
  ) {
    if (count < 1) throw new Error('the training set is empty');
  }

  /** Indices of the images of step `step` (1-based). */
  indices(step: number): Uint32Array {
    const out = new Uint32Array(this.batchSize);
    for (let j = 0; j < this.batchSize; j++) {
      const position = (step - 1) * this.batchSize + j;
      const epoch = Math.floor(position / this.count);
      if (epoch !== this.epoch) {
        this.epoch = epoch;
        this.order = Rng.forStream(this.seed, `batches:${epoch}`).permutation(this.count);
      }
      out[j] = this.order[position % this.count]!;
    }
    return out;
  }
}
