import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** Gzipped size of the built JavaScript, KiB rounded to 0.1. */
export interface BundleGzipKb {
  /** Every .js file in dist/assets (the page's chunks and the training worker). */
  readonly allJs: number;
  /** The training worker chunk alone (`training.worker-*.js`). */
  readonly worker: number;
  /** The .js files counted. */
  readonly files: readonly string[];
}

const kib = (bytes: number): number => Math.round((bytes / 1024) * 10) / 10;

/** Gzips (node:zlib, default level) each .js file of `assetsDir` and adds up the sizes. */
export function bundleGzipKb(assetsDir: string): BundleGzipKb {
  const files = readdirSync(assetsDir).filter((f) => f.endsWith('.js')).sort();
  if (files.length === 0) throw new Error(`no .js files in ${assetsDir}`);
  const workers = files.filter((f) => f.startsWith('training.worker'));
  if (workers.length !== 1) throw new Error(`expected one training.worker-*.js in ${assetsDir}, found ${workers.length}`);
  const size = (f: string): number => gzipSync(readFileSync(join(assetsDir, f))).length;
  const sizes = new Map(files.map((f) => [f, size(f)]));
  return { allJs: kib([...sizes.values()].reduce((a, b) => a + b, 0)), worker: kib(sizes.get(workers[0]!)!), files };
}
