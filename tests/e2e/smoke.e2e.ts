import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FAST, open, waitForStep } from './appPage';
import { e2eTest } from './harness';
import { DIST } from './preview';

export default [
  e2eTest('home page: title, visible heading, no console or page error, screenshot', async ({ page, baseURL, artifactsDir, errors }) => {
    await page.goto(baseURL, { waitUntil: 'networkidle' });

    assert.match(await page.title(), /GradFlow/);
    const heading = page.getByRole('heading', { level: 1, name: 'GradFlow' });
    await heading.waitFor({ state: 'visible', timeout: 10_000 });
    assert.equal(await heading.isVisible(), true);

    await page.screenshot({ path: join(artifactsDir, 'home.png'), fullPage: true });
    assert.deepEqual(errors, [], 'console or page errors');
  }),

  e2eTest('the page is cross-origin isolated, so the wasm backend can use threads', async ({ page, baseURL }) => {
    await page.goto(baseURL);
    // A string expression: this file is type-checked without the DOM lib.
    assert.equal(await page.evaluate('self.crossOriginIsolated'), true);
    assert.equal(await page.evaluate('typeof SharedArrayBuffer'), 'function');
  }),

  e2eTest('a host that sends the gzipped dataset as a plain file: the worker decompresses it and trains', async ({ page, baseURL, errors }) => {
    // The dev and preview servers send it with Content-Encoding: gzip, and the browser decompresses it;
    // a static host may send it as it is, and then the worker does (DecompressionStream).
    // vite build copies public/data into the built app.
    const gzipped = await readFile(join(DIST, 'data', 'mnist.bin.gz'));
    let served = 0;
    await page.route('**/data/mnist.bin.gz', async (route) => {
      served += 1;
      await route.fulfill({ status: 200, body: gzipped, headers: { 'content-type': 'application/gzip', 'cross-origin-resource-policy': 'same-origin' } });
    });
    await open(page, baseURL, FAST);
    await waitForStep(page, 2);
    assert.equal(served, 1, 'the worker asked for the gzipped copy, and got it from the route');
    assert.match(await page.getByRole('status').innerText(), /backend wasm/);
    assert.deepEqual(errors, [], 'console or page errors');
  }, 60_000),
];
