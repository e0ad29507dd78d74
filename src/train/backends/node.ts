/**
 * The backends of the command line and the Node tests: wasm (XNNPACK, fast) and the
 * pure-JavaScript cpu backend (slow, the reference). tfjs-node cannot be installed
 * here (it downloads libtensorflow), so Node runs the same wasm code as the browser.
 */
// The union package registers every op's gradient (and the cpu backend). tfjs-core's own
// register_all_gradients module is ESM with directory imports, which Node cannot load.
import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { selectBackend, type BackendChoice, type BackendName } from './select';

export async function useNodeBackend(name: Extract<BackendName, 'wasm' | 'cpu'> = 'wasm'): Promise<BackendChoice> {
  return selectBackend(name === 'wasm' ? ['wasm', 'cpu'] : ['cpu']);
}
