import assert from 'node:assert/strict';
import type { Page, Worker } from 'playwright-core';
import { longHistoryRun } from '../../scripts/bench/longHistory';
import { serializeRun } from '../../src/shared/runFile';
import { fetchedScripts, PAINTED_PIXELS } from './appPage';
import { e2eTest, waitForExpression } from './harness';

/**
 * Worker faults as people meet them: the worker throws, stops (here: closes itself, as
 * when the browser ends it), or loses its WebGL context. Each time the page must say so,
 * keep the charts, and resume from the newest checkpoint on the backend chosen.
 */

/** Tiny, fast settings on wasm (steps of a fraction of a second). */
const FAST = 'batch=4&width=1/8&eval=1000&k=1000';

async function open(page: Page, baseURL: string, hash: string): Promise<void> {
  await page.goto(`${baseURL}#${hash}`);
  await page.getByRole('heading', { level: 1, name: 'GradFlow' }).waitFor();
}

/** The step count and backend in the status line. */
async function status(page: Page): Promise<{ step: number; backend: string }> {
  const text = await page.getByRole('status').innerText();
  const match = /step (\d+) .* backend (\w+)/.exec(text);
  assert.ok(match, `status "${text}" has no step count and backend`);
  return { step: Number(match[1]), backend: match[2]! };
}

async function waitForStep(page: Page, n: number, timeout = 60_000): Promise<void> {
  await waitForExpression(page, `(/step (\\d+)/.exec(document.querySelector('[role=status]')?.textContent ?? '')?.[1] ?? 0) >= ${n}`, { timeout });
}

/** The training worker (the wasm backend's threads are workers too). */
function trainingWorker(page: Page): Worker {
  const workers = page.workers().filter((w) => /training\.worker/.test(w.url()));
  assert.equal(workers.length, 1, `expected one training worker, found ${workers.map((w) => w.url()).join(', ')}`);
  return workers[0]!;
}

/** The fault notice's text, once it shows. */
async function faultText(page: Page, timeout: number): Promise<string> {
  const notice = page.locator('.fault');
  await notice.waitFor({ state: 'visible', timeout });
  return notice.innerText();
}

/** Resumes on `backend` and checks that training goes on past the checkpoint there, the notice gone. */
async function resumeAndCheck(page: Page, backend: string, from: number): Promise<void> {
  await page.getByRole('button', { name: new RegExp(`^Resume on ${backend}`) }).click();
  await waitForStep(page, from + 2, 90_000);
  const now = await status(page);
  assert.equal(now.backend, backend);
  assert.equal(await page.locator('.fault').count(), 0, 'the fault notice stays after resuming');
}

export default [
  e2eTest('the worker throws: the page says so, keeps the charts, resumes on another backend from the checkpoint', async ({ page, baseURL, errors }) => {
    await open(page, baseURL, `backend=wasm&${FAST}`);
    await waitForStep(page, 4);
    const before = (await status(page)).step;
    await trainingWorker(page).evaluate("setTimeout(() => { throw new Error('injected fault') }, 0)");
    const text = await faultText(page, 10_000);
    assert.match(text, /Training stopped: uncaught error in the training worker: injected fault/);
    assert.match(text, /The charts keep all \d+ steps trained so far/);
    assert.match(text, /Resuming goes on from step \d+/);
    // The worker was ended: the step count stands still, the charts stay drawn.
    const stopped = (await status(page)).step;
    assert.ok(stopped >= before);
    await page.waitForTimeout(1500);
    assert.equal((await status(page)).step, stopped);
    assert.ok(await page.locator('path[data-run="A"][data-series="latest"]').count() > 0, 'the gradient-by-depth chart lost its lines');
    assert.equal(await page.getByRole('button', { name: 'Play', exact: true }).isDisabled(), true);
    const from = Number(/Resuming goes on from step (\d+)/.exec(text)![1]);
    await resumeAndCheck(page, 'cpu', from);
    assert.match(page.url(), /backend=cpu/);
    // The uncaught error was also logged by the browser: expected here, and only it.
    const others = errors.filter((e) => !/injected fault/.test(e));
    errors.length = 0;
    assert.deepEqual(others, []);
  }, 150_000),

  e2eTest('after the worker failed, Reset starts over in a new worker from the seed', async ({ page, baseURL, errors }) => {
    await open(page, baseURL, `backend=wasm&${FAST}`);
    await waitForStep(page, 2);
    await trainingWorker(page).evaluate("setTimeout(() => { throw new Error('injected fault') }, 0)");
    await faultText(page, 10_000);
    await page.getByRole('button', { name: 'Reset' }).click();
    await page.locator('.fault').waitFor({ state: 'detached', timeout: 10_000 });
    await waitForExpression(page, "!document.querySelector('button.play')?.disabled", { timeout: 30_000 });
    await page.getByRole('button', { name: 'Play', exact: true }).click();
    await waitForStep(page, 2);
    // Exactly one training worker runs: the failed one is gone. Under load, Chromium can keep
    // listing a terminated worker for seconds, so a listed worker counts only if it answers.
    const training = page.workers().filter((w) => /training\.worker/.test(w.url()));
    const answers = await Promise.all(training.map((w) => Promise.race([
      w.evaluate('typeof self.postMessage').then(() => true, () => false),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 3_000)),
    ])));
    assert.equal(answers.filter(Boolean).length, 1, `one training worker answers (${training.length} listed)`);
    const others = errors.filter((e) => !/injected fault/.test(e));
    errors.length = 0;
    assert.deepEqual(others, []);
  }, 90_000),

  e2eTest('the worker is stopped: after its silence the page offers to resume, and training goes on', async ({ page, baseURL }) => {
    await open(page, baseURL, `backend=wasm&${FAST}`);
    await waitForStep(page, 3);
    await trainingWorker(page).evaluate('self.close()');
    const text = await faultText(page, 40_000);
    assert.match(text, /The training worker is not answering: the training worker has not answered for \d+ s/);
    const from = Number(/Resuming goes on from step (\d+)/.exec(text)![1]);
    assert.ok(from >= 1, `no checkpoint before the stop: ${text}`);
    await resumeAndCheck(page, 'wasm', from);
  }, 150_000),

  e2eTest('a learning rate that blows up: the page names the layer, and a lower rate recovers training', async ({ page, baseURL }) => {
    await open(page, baseURL, `backend=wasm&${FAST}&lr=10`);
    const notice = page.getByRole('alert').filter({ hasText: 'diverged at step' });
    await notice.waitFor({ state: 'visible', timeout: 60_000 });
    const text = await notice.innerText();
    assert.match(text, /Model [AB] diverged at step \d+: the first non-finite value was in \S+/);
    // Both models share the rate: both stop, and so does playing.
    await waitForExpression(page, "document.querySelector('button.play')?.textContent?.includes('Play') === true", { timeout: 30_000 });
    const stoppedAt = (await status(page)).step;
    await page.getByLabel('Learning rate').selectOption({ label: '0.01' });
    await notice.waitFor({ state: 'detached', timeout: 10_000 });
    await page.getByRole('button', { name: 'Play', exact: true }).click();
    await waitForStep(page, stoppedAt + 3);
    assert.equal(await page.getByRole('alert').filter({ hasText: 'diverged at step' }).count(), 0, 'training diverged again at the lower rate');
  }, 120_000),

  e2eTest('the WebGL context is lost (WEBGL_lose_context): the page says so and resumes on wasm', async ({ page, baseURL }) => {
    await open(page, baseURL, `backend=webgl&${FAST}`);
    await waitForExpression(page, "/backend webgl/.test(document.querySelector('[role=status]')?.textContent ?? '')", { timeout: 60_000 });
    const worker = trainingWorker(page);
    await waitForExpression(page, 'true'); // let the first step start on the GPU context
    await worker.evaluate("self.gradflowWebGL.getExtension('WEBGL_lose_context').loseContext()");
    const text = await faultText(page, 20_000);
    assert.match(text, /Training stopped: the WebGL context was lost .*; the run cannot go on in this worker/);
    await resumeAndCheck(page, 'wasm', 0);
  }, 150_000),

  e2eTest('the line-drawing worker fails: the page draws the charts\' lines itself, on new canvases, and goes on drawing them', async ({ page, baseURL, errors }) => {
    await page.setViewportSize({ width: 1600, height: 1200 });
    await open(page, baseURL, `backend=wasm&${FAST}`);
    await waitForStep(page, 2);
    await page.getByRole('heading', { level: 2, name: 'Loss and accuracy per head' }).scrollIntoViewIfNeeded();
    // Who paints each canvas of lines: a canvas handed over to the worker refuses the page a context.
    const painters = `[...document.querySelectorAll('.chart-body canvas[data-layer]')].map((c) => { try { return c.getContext('2d') ? 'page' : 'none'; } catch { return 'worker'; } })`;
    await waitForExpression(page, `((p) => p.length >= 4 && p.every((x) => x === 'worker'))(${painters})`, { timeout: 10_000 });
    // The canvases are handed over as the worker starts; Playwright may hear of the worker a little later.
    const isLineWorker = (w: Worker): boolean => /lineDrawing\.worker/.test(w.url());
    const lineWorker = page.workers().find(isLineWorker)
      ?? await page.waitForEvent('worker', { predicate: isLineWorker, timeout: 10_000 }).catch(() => undefined);
    assert.ok(lineWorker, `a line-drawing worker among ${page.workers().map((w) => w.url()).join(', ')}`);
    await lineWorker.evaluate("setTimeout(() => { throw new Error('injected line fault') }, 0)");
    await waitForExpression(page, `((p) => p.length >= 4 && p.every((x) => x === 'page'))(${painters})`, { timeout: 10_000 });
    // The live run's lines are on the page's own canvases, and they go on with training.
    const painted = `(${PAINTED_PIXELS})(document.querySelector('figure[aria-label="Loss per head"] canvas[data-layer="A"]'))`;
    await waitForExpression(page, `${painted} > 100`, { timeout: 10_000 });
    const before = (await page.evaluate(painted)) as number;
    const step = (await status(page)).step;
    await waitForStep(page, step + 3);
    await waitForExpression(page, `${painted} !== ${before}`, { timeout: 10_000 });
    assert.equal(await page.locator('.fault').count(), 0, 'no fault notice: training was not touched');
    const others = errors.filter((e) => !/injected line fault/.test(e));
    errors.length = 0;
    assert.deepEqual(others, []);
  }, 90_000),

  e2eTest('the run-file worker cannot load: the page loads its own reader, names a bad file\'s problem and opens a good one', async ({ page, baseURL, errors }) => {
    const scripts = fetchedScripts(page);
    await page.route(/\/assets\/runFile\.worker-[^/]*\.js$/, (route) => route.abort());
    await open(page, baseURL, `backend=wasm&${FAST}`);
    await waitForStep(page, 1);
    assert.equal(scripts.filter((f) => f.startsWith('readRunFile')).length, 0, `the page's reader waits until a file is read: ${scripts.join(', ')}`);
    const input = page.locator('input[type=file]');
    await input.setInputFiles({ name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from('{"format":"nope"}') });
    await page.getByRole('alert').filter({ hasText: 'Could not open “bad.json”: not a GradFlow run file' }).waitFor({ timeout: 20_000 });
    assert.ok(scripts.some((f) => f.startsWith('runFile.worker')), `the worker was tried first: ${scripts.join(', ')}`);
    assert.ok(scripts.some((f) => f.startsWith('readRunFile')), `the page loaded its reader: ${scripts.join(', ')}`);
    await input.setInputFiles({ name: 'run.json', mimeType: 'application/json', buffer: Buffer.from(serializeRun(longHistoryRun(40))) });
    await page.locator('path[data-run="file"][data-series="latest"]').first().waitFor({ timeout: 20_000 });
    assert.equal(await page.getByRole('alert').filter({ hasText: 'bad.json' }).count(), 0, 'a good file clears the error');
    // The aborted worker script is the one error the browser logs.
    const others = errors.filter((e) => !/runFile\.worker|ERR_FAILED/.test(e));
    errors.length = 0;
    assert.deepEqual(others, []);
  }, 90_000),
];
