import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { tfjsTapeWalks } from './scripts/tfjsTapeWalks.ts';

/**
 * Cross-origin isolation: gives the page (and its workers) SharedArrayBuffer, which
 * the tfjs wasm backend needs for threads. Every resource the page loads must then
 * be same-origin or carry CORP/CORS headers; that holds while everything is served
 * from here.
 */
const crossOriginIsolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * Minify by renaming only, without the compressor. The threaded wasm backend
 * serialises its emscripten factory with Function.prototype.toString() and runs it
 * again in each pthread worker, where the factory's enclosing scope does not exist.
 * Its guard `typeof _scriptDir !== "undefined"` is rewritten by the compressor to
 * `e !== void 0`, which throws "ReferenceError: e is not defined" in those workers,
 * so a fully minified build cannot start the wasm backend when cross-origin isolated
 * (checked with vite 8.3 + tfjs-backend-wasm 4.22, main thread and module Worker).
 * Renaming alone keeps the guard valid; the bundle is about 10% larger than fully
 * minified (unminified would be about 3x).
 */
const minifyKeepingWasmThreadsWorking = { compress: false, mangle: true };

/**
 * The built page's Content Security Policy: only scripts served from here (no inline
 * script, no eval; 'wasm-unsafe-eval' lets tfjs compile its WebAssembly), workers from
 * here or blob: (tfjs's threaded wasm starts its pthread workers from blob: URLs), images
 * from data: and blob: (the icon, PNG and SVG exports). Inline styles stay allowed: the
 * charts set style attributes. Build only: the dev server's React refresh preamble is an
 * inline script. As a <meta> it binds the page, not the training worker (a worker loaded
 * from a URL takes the policy of its own response, and the pthreads it starts inherit
 * that), and it cannot set frame-ancestors: a static host can send the same policy as a
 * header to cover both. tests/e2e/security.e2e.ts checks the page trains under it.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self' blob: data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** Puts CONTENT_SECURITY_POLICY into the built index.html, first in <head>. */
function contentSecurityPolicy(): Plugin {
  return {
    name: 'gradflow-content-security-policy',
    apply: 'build',
    transformIndexHtml: () => [{
      tag: 'meta',
      attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY },
      injectTo: 'head-prepend',
    }],
  };
}

export default defineConfig({
  // tfjsTapeWalks: tfjs-core's tape walks over Object.keys instead of for-in, wherever tfjs-core
  // is bundled (scripts/tfjsTapeWalks.ts): here, in the workers' builds and in the dev server's
  // pre-bundling below.
  plugins: [react(), contentSecurityPolicy(), tfjsTapeWalks()],
  server: {
    host: '127.0.0.1',
    port: 5173,
    headers: crossOriginIsolation,
  },
  preview: {
    host: '127.0.0.1',
    port: 4173,
    headers: crossOriginIsolation,
  },
  build: {
    rolldownOptions: { output: { minify: minifyKeepingWasmThreadsWorking } },
  },
  // Training runs in a module Worker: `new Worker(new URL('…', import.meta.url), { type: 'module' })`.
  worker: {
    format: 'es',
    plugins: () => [tfjsTapeWalks()],
    rolldownOptions: { output: { minify: minifyKeepingWasmThreadsWorking } },
  },
  // The dev server pre-bundles the dependencies it finds from these files when it starts. By
  // default it looks from index.html only, which does not reach the workers: it found tfjs on
  // the first page load and reloaded the page once the training worker had started.
  optimizeDeps: {
    entries: ['index.html', 'src/worker/*.worker.ts'],
    // The same rewrite of tfjs-core's tape walks as in the build (scripts/tfjsTapeWalks.ts).
    rolldownOptions: { plugins: [tfjsTapeWalks()] },
  },
  // @tensorflow/tfjs-backend-wasm is deliberately NOT in optimizeDeps.exclude: its
  // emscripten glue (wasm-out/*.js) is CommonJS/UMD and only loads once pre-bundled
  // (excluded, the dev server fails with "does not provide an export named
  // 'wasmWorkerContents'"). Point tfjs at the .wasm binaries with `?url` imports,
  // which works the same in dev and in the build:
  //   import simd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
  //   setWasmPaths({ 'tfjs-backend-wasm-simd.wasm': simd, ... }) // all three binaries
});
