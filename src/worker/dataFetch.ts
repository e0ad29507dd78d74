/// <reference types="vite/client" />
import type { FetchBytes } from '../train/datasets';

/** A FetchBytes reading `${base}data/<file>` with `fetchImpl`; an HTTP failure says how to make the data. */
export function dataFetcher(base: string, fetchImpl: typeof fetch = fetch): FetchBytes {
  return async (file: string) => {
    let response: Response;
    try {
      response = await fetchImpl(`${base}data/${file}`);
    } catch (error) {
      throw new Error(`could not load ${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (!response.ok) throw new Error(`could not load ${file} (${response.status}): run npm run data`);
    return new Uint8Array(await response.arrayBuffer());
  };
}

/** Reads a file of public/data from the server the app is served from. */
export const fetchBytes: FetchBytes = (file) => dataFetcher(import.meta.env.BASE_URL)(file);
