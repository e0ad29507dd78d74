/// <reference types="vite/client" />
import type { FetchBytes } from '../train/datasets';

/** Whether `bytes` begin as a gzip stream does (0x1f 0x8b); a dataset binary begins "GFIM". */
const isGzip = (bytes: Uint8Array): boolean => bytes[0] === 0x1f && bytes[1] === 0x8b;

async function gunzip(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * A FetchBytes reading `${base}data/<file>` with `fetchImpl`. It downloads the gzipped copy
 * `<file>.gz` that `npm run data` writes beside each binary (MNIST's mostly black images
 * shrink to a fifth) and decompresses it, unless the server already did (Content-Encoding);
 * where there is no copy (404: a data folder built before there were any), the binary itself.
 * An HTTP failure says how to make the data.
 */
export function dataFetcher(base: string, fetchImpl: typeof fetch = fetch): FetchBytes {
  const get = async (name: string): Promise<Response> => {
    try {
      return await fetchImpl(`${base}data/${name}`);
    } catch (error) {
      throw new Error(`could not load ${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  return async (file: string) => {
    const compressed = await get(`${file}.gz`);
    const response = compressed.status === 404 ? await get(file) : compressed;
    if (!response.ok) throw new Error(`could not load ${file} (${response.status}): run npm run data`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (response !== compressed || !isGzip(bytes)) return bytes;
    try {
      return await gunzip(bytes);
    } catch (error) {
      throw new Error(`could not load ${file}: ${file}.gz does not decompress (${error instanceof Error ? error.message : String(error)}): run npm run data -- --force`);
    }
  };
}

/** Reads a file of public/data from the server the app is served from. */
export const fetchBytes: FetchBytes = (file) => dataFetcher(import.meta.env.BASE_URL)(file);
