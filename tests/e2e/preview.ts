/**
 * Serving the built app for a browser: `vite preview` on 127.0.0.1 and a free port,
 * waited for until it answers, stopped whatever happens; and the Chromium to open it in. Used by the browser tests
 * (tests/e2e/run.ts) and the browser part of the bench (scripts/bench/browser.ts). The
 * development server the same way, for the test of what `npm start` serves (dev.e2e.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Where `vite build` writes the app that `vite preview` serves (its chunks in assets/, the data in data/). */
export const DIST = join(ROOT, 'dist');
const VITE_JS = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
const SERVER_START_MS = 30_000;

/** Debian's Chromium (test tools cannot download their own browsers here). */
export const CHROMIUM = '/usr/bin/chromium';
/** Headless, no GPU, nothing fetched or synced in the background. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

/** A setup problem the user must fix; reported as one line, without a stack. */
export class SetupError extends Error {}

export interface PreviewServer {
  readonly url: string;
  readonly child: ChildProcess;
  readonly output: () => string;
}

/** A port that was free a moment ago (vite gets --strictPort, so a race fails loudly). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

/** SIGTERM, then SIGKILL if it has not exited after 3 s. */
export async function stopPreview(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
}

/** Starts `vite preview` of dist/ and resolves once it answers 200; fails (and stops it) if it exits or takes too long. */
export function startPreview(): Promise<PreviewServer> {
  return startVite(['preview'], 'vite preview');
}

/** Starts the development server (`npm start`'s `vite`, on a free port) and resolves once it answers 200; fails as startPreview does. */
export function startDevServer(): Promise<PreviewServer> {
  return startVite([], 'the vite dev server');
}

async function startVite(command: readonly string[], what: string): Promise<PreviewServer> {
  const port = await freePort();
  const child = spawn(process.execPath, [VITE_JS, ...command, '--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let log = '';
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const server: PreviewServer = { url: `http://127.0.0.1:${port}/`, child, output: () => log };
  const deadline = Date.now() + SERVER_START_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new SetupError(`${what} exited (${child.exitCode ?? child.signalCode}) before serving:\n${log}`);
    }
    try {
      const res = await fetch(server.url, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return server;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  await stopPreview(child);
  throw new SetupError(`${what} did not answer on ${server.url} within ${SERVER_START_MS / 1000} s:\n${log}`);
}
