/** The shapes of the datasets' runtime API (re-exported by index.ts). */

export type DatasetName = 'mnist' | 'fashion-mnist' | 'shapes';

export interface Split {
  /** Class index per image. */
  readonly labels: Uint8Array;
  readonly count: number;
  /** Values per image: 32 * 32 * channels. */
  readonly imageLength: number;
  /** Writes image `i`'s normalised pixels, NHWC, to out[offset, offset + imageLength). */
  readonly copyImage: (i: number, out: Float32Array, offset: number) => void;
}

export interface Dataset {
  readonly name: DatasetName;
  readonly size: 32; // height = width
  readonly channels: 1 | 3;
  readonly classes: number; // 10
  readonly classNames: readonly string[];
  readonly train: Split;
  readonly eval: Split;
  /** How inputs were normalised, per channel: x' = (x/255 - mean) / std. */
  readonly normalisation: { readonly mean: readonly number[]; readonly std: readonly number[] };
  /** One line for people: where the data come from, which subset, how split. */
  readonly description: string;
}

/** Reads a file of public/data by its name (e.g. "mnist.bin"): fs in Node, fetch in the browser. */
export type FetchBytes = (file: string) => Promise<Uint8Array>;

/** Side of every dataset's images, in pixels. */
export const IMAGE_SIZE = 32;
