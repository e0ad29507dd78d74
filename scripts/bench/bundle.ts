import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** Gzipped size of the built JavaScript, KiB rounded to 0.1. */
export interface BundleGzipKb {
  /** Every .js file in dist/assets (the page's chunks, the workers and the chunks loaded on demand). */
  readonly allJs: number;
  /**
   * What the training worker downloads when it starts: its chunk (`training.worker-*.js`)
   * and every chunk it imports statically, transitively. Chunks it imports only when
   * needed (`import("./…")`: the GPU backends, tried only where a GPU may be) are not counted.
   */
  readonly worker: number;
  /** The chunks counted in `worker`, the training worker's first. */
  readonly workerFiles: readonly string[];
  /** The .js files counted. */
  readonly files: readonly string[];
}

const kib = (bytes: number): number => Math.round((bytes / 1024) * 10) / 10;

/**
 * The sibling chunks that built module `code` imports statically (`import … from "./x.js"`,
 * `import "./x.js"`, `export … from "./x.js"`), in order; not `import("./x.js")`.
 */
export function staticImports(code: string): string[] {
  const found = new Set<string>();
  for (const match of code.matchAll(/(?:\bfrom|\bimport)\s*["']\.\/([^"'/]+\.js)["']/g)) found.add(match[1]!);
  return [...found];
}

/** `entry` and every chunk of `read` it reaches through static imports, entry first. */
export function staticClosure(entry: string, read: (file: string) => string): string[] {
  const seen = [entry];
  for (let i = 0; i < seen.length; i++) {
    for (const next of staticImports(read(seen[i]!))) if (!seen.includes(next)) seen.push(next);
  }
  return seen;
}

/** Gzips (node:zlib, default level) each .js file of `assetsDir` and adds up the sizes. */
export function bundleGzipKb(assetsDir: string): BundleGzipKb {
  const files = readdirSync(assetsDir).filter((f) => f.endsWith('.js')).sort();
  if (files.length === 0) throw new Error(`no .js files in ${assetsDir}`);
  const workers = files.filter((f) => f.startsWith('training.worker'));
  if (workers.length !== 1) throw new Error(`expected one training.worker-*.js in ${assetsDir}, found ${workers.length}`);
  const read = (f: string): string => {
    if (!files.includes(f)) throw new Error(`${f}, imported by a chunk, is not in ${assetsDir}`);
    return readFileSync(join(assetsDir, f), 'utf8');
  };
  const size = (f: string): number => gzipSync(readFileSync(join(assetsDir, f))).length;
  const sizes = new Map(files.map((f) => [f, size(f)]));
  const workerFiles = staticClosure(workers[0]!, read);
  const sum = (names: readonly string[]): number => names.reduce((total, f) => total + sizes.get(f)!, 0);
  return { allJs: kib(sum(files)), worker: kib(sum(workerFiles)), workerFiles, files };
}
