/** What the app's browser tests share: fast settings, opening the page, reading its step count. */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { waitForExpression } from './harness';

/**
 * A page function (as source, for page.evaluate) counting the pixels a canvas shows that are
 * not transparent. It copies the canvas first: a canvas handed over to the line-drawing
 * worker refuses the page a context, but can still be drawn from.
 */
export const PAINTED_PIXELS = `(canvas) => {
  const copy = document.createElement('canvas');
  copy.width = canvas.width;
  copy.height = canvas.height;
  const context = copy.getContext('2d');
  context.drawImage(canvas, 0, 0);
  const alpha = context.getImageData(0, 0, copy.width, copy.height).data;
  let n = 0;
  for (let i = 3; i < alpha.length; i += 4) if (alpha[i] > 0) n++;
  return n;
}`;

/** Tiny, fast settings: steps take a fraction of a second on wasm with 2 slow cores. */
export const FAST = 'backend=wasm&batch=4&width=1/8&eval=1000&k=2';

/** The step count shown in the status line. */
export async function stepCount(page: Page): Promise<number> {
  const text = await page.getByRole('status').innerText();
  const match = /step (\d+)/.exec(text);
  assert.ok(match, `status "${text}" has no step count`);
  return Number(match[1]);
}

/** Waits until the status shows at least `n` steps. */
export async function waitForStep(page: Page, n: number, timeout = 60_000): Promise<number> {
  await waitForExpression(page, `(/step (\\d+)/.exec(document.querySelector('[role=status]')?.textContent ?? '')?.[1] ?? 0) >= ${n}`, { timeout, polling: 200 });
  return stepCount(page);
}

/** Opens the app at `hash` and waits for its heading. */
export async function open(page: Page, baseURL: string, hash: string): Promise<void> {
  await page.goto(`${baseURL}#${hash}`);
  await page.getByRole('heading', { level: 1, name: 'GradFlow' }).waitFor();
}

/** How many pthread workers the wasm backend started (tfjs starts them from blob: URLs); 0 for its build without threads. */
export function wasmPthreads(page: Page): number {
  return page.workers().filter((worker) => worker.url().startsWith('blob:')).length;
}

/**
 * Makes the workers of `page` say they run on `cores` logical cores
 * (navigator.hardwareConcurrency), as on a machine with that many; await it before the page
 * opens. Each worker the page starts waits (DevTools' auto-attach) until the number is set in
 * it, before its own script runs. The test should still check that it took (wasmPthreads).
 */
export async function claimCores(page: Page, cores: number): Promise<void> {
  const session = await page.context().newCDPSession(page);
  let id = 0;
  session.on('Target.attachedToTarget', ({ sessionId, targetInfo }) => {
    const send = (method: string, params: object = {}) =>
      session.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id: ++id, method, params }) });
    const setCores = targetInfo.type === 'worker'
      ? send('Runtime.evaluate', { expression: `Object.defineProperty(navigator, 'hardwareConcurrency', { value: ${cores}, configurable: true })` })
      : Promise.resolve();
    // In order: the number first, then the worker's own script (which runs even if the number could not be set).
    setCores.catch(() => undefined).then(() => send('Runtime.runIfWaitingForDebugger')).catch(() => undefined);
  });
  await session.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: true, flatten: false });
}

/** Pauses training and waits until the page says so (the Play button is back). */
export async function pause(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await page.getByRole('button', { name: 'Play', exact: true }).waitFor();
}

/** The built app's scripts (`/assets/*.js`, by file name) that `page` requests from now on, the workers' included. */
export function fetchedScripts(page: Page): string[] {
  const scripts: string[] = [];
  page.on('request', (request) => {
    const path = new URL(request.url()).pathname;
    if (path.startsWith('/assets/') && path.endsWith('.js')) scripts.push(path.slice('/assets/'.length));
  });
  return scripts;
}
