/**
 * The backends of the command line and the Node tests: wasm (XNNPACK, fast, the same
 * numbers on every machine), webgpu on a GPU through the optional `webgpu` package
 * (nodeWebgpu.ts), and the pure-JavaScript cpu backend (slow, the reference).
 * tfjs-node cannot be installed here (it downloads libtensorflow), so Node runs the same
 * wasm code as the browser.
 */
// The union package registers every op's gradient (and the cpu backend). tfjs-core's own
// register_all_gradients module is ESM with directory imports, which Node cannot load.
import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { checkWebgpu, installWebgpu, uninstallWebgpu } from './nodeWebgpu';
import { selectBackend, type BackendChoice } from './select';

/** What a Node caller may ask for: a backend, or `auto` (webgpu on a hardware adapter, else wasm). */
export type NodeBackendRequest = 'wasm' | 'webgpu' | 'auto' | 'cpu';

/** The backend in use, and when a GPU was asked for and not used, one line saying why. */
export interface NodeBackendChoice extends BackendChoice {
  readonly notice: string | null;
  /** On webgpu, the adapter's name, as Dawn gives it. */
  readonly adapter?: string;
}

/** Runs `start` with console.warn collected instead of printed (tfjs warns twice when a backend fails). */
async function collectingWarnings<T>(start: () => Promise<T>): Promise<{ result: T | Error; warnings: string[] }> {
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => void warnings.push(args.map(String).join(' '));
  try {
    return { result: await start(), warnings };
  } catch (error) {
    return { result: error instanceof Error ? error : new Error(String(error)), warnings };
  } finally {
    console.warn = warn;
  }
}

/** webgpu, or why not: the child-process check, then Dawn and the tfjs backend in this process. */
async function startWebgpu(acceptSoftware: boolean): Promise<{ choice: BackendChoice; adapter: string } | { reason: string }> {
  const check = await checkWebgpu();
  if (!check.ok) return { reason: check.reason };
  if (check.adapter.software && !acceptSoftware) return { reason: `only a software WebGPU adapter (${check.adapter.name}), slower than wasm` };
  const installed = await installWebgpu();
  if (!installed.ok) return { reason: installed.reason };
  const { result, warnings } = await collectingWarnings(() => selectBackend(['webgpu']));
  if (!(result instanceof Error)) {
    // Held back only in case of a fallback; a backend that started may still have something to say.
    for (const w of warnings) console.warn(w);
    return { choice: result, adapter: check.adapter.name };
  }
  uninstallWebgpu();
  // tfjs's own words: "Initialization of backend webgpu failed", then the error.
  const detail = (warnings.slice(1).join(' ').split('\n')[0] ?? '').replace(/^Error: /, '') || result.message.replace(/^no backend could start: webgpu: /, '');
  return { reason: `the WebGPU backend did not start on ${check.adapter.name} (${detail})` };
}

/**
 * Switches tfjs to the backend asked for. `webgpu` and `auto` fall back to wasm (then
 * cpu) whatever goes wrong: the package missing, its native module not loading, no
 * adapter, the backend failing to start; `notice` then says why, in one line.
 */
export async function useNodeBackend(name: NodeBackendRequest = 'wasm'): Promise<NodeBackendChoice> {
  if (name === 'cpu') return { ...(await selectBackend(['cpu'])), notice: null };
  if (name === 'wasm') return { ...(await selectBackend(['wasm', 'cpu'])), notice: null };
  const gpu = await startWebgpu(name === 'webgpu');
  if ('choice' in gpu) return { ...gpu.choice, notice: null, adapter: gpu.adapter };
  const fallback = await selectBackend(['wasm', 'cpu']);
  return {
    ...fallback,
    skipped: [{ name: 'webgpu', reason: gpu.reason }, ...fallback.skipped],
    notice: `${gpu.reason}; training on ${fallback.active}`,
  };
}
