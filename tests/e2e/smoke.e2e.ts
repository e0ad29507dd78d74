import assert from 'node:assert/strict';
import { join } from 'node:path';
import { e2eTest } from './harness';

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
];
