/**
 * Checks made before tfjs tries a GPU backend in the browser: whether it can start at all,
 * and whether a real GPU is behind it. A GPU drawn in software (SwiftShader, llvmpipe: a
 * machine without a usable GPU) is the slowest backend of all: in headless Chromium 156 on
 * 2 cores (docs/benchmarks.md, "The runs of 2026-12-07, late night") the default network
 * took 31 s per step on software WebGL and 49 s on WebGPU's fallback adapter, where wasm
 * took 0.34 s. So automatic choice passes both over, saying why; chosen by name, they are
 * used all the same.
 */

/** The little of WebGPU used here (the WebWorker lib of this TypeScript has no WebGPU types). */
export interface GpuEntry {
  requestAdapter(): Promise<unknown>;
}

/** What an adapter says of itself (`isFallbackAdapter` moved into `info` in newer browsers). */
interface AdapterFacts {
  readonly isFallbackAdapter?: boolean;
  readonly info?: { readonly isFallbackAdapter?: boolean; readonly architecture?: string; readonly description?: string };
}

/** The adapter WebGPU offers, or why there is none; tfjs would only log a TypeError. */
async function adapterOf(gpu: GpuEntry | undefined): Promise<{ adapter: AdapterFacts } | { problem: string }> {
  if (!gpu) return { problem: 'this browser offers no WebGPU' };
  try {
    const adapter = (await gpu.requestAdapter()) as AdapterFacts | null;
    return adapter ? { adapter } : { problem: 'no WebGPU adapter (GPU) is available' };
  } catch (error) {
    return { problem: `WebGPU refused an adapter: ${error instanceof Error ? error.message : String(error)}` };
  }
}

function isFallback(adapter: AdapterFacts): boolean {
  return adapter.info?.isFallbackAdapter === true || adapter.isFallbackAdapter === true;
}

/**
 * Why WebGPU cannot start here, or null. With `software: 'pass over'` (automatic choice),
 * a fallback adapter is a reason too.
 */
export async function webgpuProblem(gpu: GpuEntry | undefined, software: 'pass over' | 'accept'): Promise<string | null> {
  const found = await adapterOf(gpu);
  if ('problem' in found) return found.problem;
  if (software === 'accept' || !isFallback(found.adapter)) return null;
  const name = found.adapter.info?.description || found.adapter.info?.architecture || 'a fallback adapter';
  return `software WebGPU (${name}), no GPU: wasm is faster here`;
}

/** Whether WebGPU's adapter here is a fallback, drawn in software (false where there is none). */
export async function webgpuIsSoftware(gpu: GpuEntry | undefined): Promise<boolean> {
  const found = await adapterOf(gpu);
  return 'adapter' in found && isFallback(found.adapter);
}

/** The software rasteriser named in a WebGL renderer's name ("SwiftShader", "llvmpipe", ...), or null for a GPU. */
export function softwareRasteriser(renderer: string): string | null {
  return /swiftshader|llvmpipe|softpipe|microsoft basic render driver|basic render|software rasteri[sz]er|software/i.exec(renderer)?.[0] ?? null;
}
