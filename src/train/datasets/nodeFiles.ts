/** Reading public/data in Node (the CLI and the tests); the browser fetches instead. */

import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FetchBytes } from './types';

/** The project's public/data folder, found from this module's own location. */
export const PUBLIC_DATA_DIR = fileURLToPath(new URL('../../../public/data', import.meta.url));

/** A FetchBytes reading files from `dir` (default: <project root>/public/data). */
export function nodeFetchBytes(dir: string = PUBLIC_DATA_DIR): FetchBytes {
  return async (file: string) => {
    const path = join(dir, file);
    try {
      const buffer = await readFile(path);
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        const shown = relative(process.cwd(), path) || path;
        throw new Error(`${shown.startsWith('..') ? path : shown} is missing: run \`npm run data\``);
      }
      throw error;
    }
  };
}
