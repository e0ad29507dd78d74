import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { claimCores, wasmPthreads } from './appPage';
import { e2eTest, waitForExpression } from './harness';

/** Tiny, fast settings: steps take a fraction of a second on wasm with 2 slow cores. */
const FAST = 'backend=wasm&batch=4&width=1/8&eval=1000';

/** The content of the page's Content-Security-Policy meta tags, in document order. */
async function policies(page: Page): Promise<string[]> {
  // A string expression: this file is type-checked without the DOM lib.
  return (await page.evaluate(
    `Array.from(document.querySelectorAll('meta[http-equiv="Content-Security-Policy" i]'), (m) => m.getAttribute('content') ?? '')`,
  )) as string[];
}

export default [
  e2eTest('the built page carries a Content Security Policy without unsafe-eval, and trains under it on the threaded wasm build', async ({ page, baseURL, errors }) => {
    // The threaded build starts its pthread workers from blob: URLs and serialises its factory
    // (vite.config.ts): the policy must allow both. It is what machines with 4 or more logical
    // cores load (src/worker/wasmThreads.ts), so the training worker is told there are 8.
    await claimCores(page, 8);
    const violations: string[] = [];
    page.on('console', (msg) => {
      if (/Content Security Policy/i.test(msg.text())) violations.push(msg.text());
    });
    await page.goto(`${baseURL}#${FAST}`);
    await page.getByRole('heading', { level: 1, name: 'GradFlow' }).waitFor();

    const [policy, ...more] = await policies(page);
    assert.equal(more.length, 0, 'exactly one CSP meta tag');
    assert.ok(policy, 'the page has a CSP meta tag');
    const directives = new Map(policy.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));
    assert.ok(!policy.includes("'unsafe-eval'"), `the policy allows eval: ${policy}`);
    assert.deepEqual(directives.get('default-src'), ["'self'"]);
    assert.deepEqual(directives.get('script-src'), ["'self'", "'wasm-unsafe-eval'"]);
    assert.deepEqual(directives.get('object-src'), ["'none'"]);
    assert.deepEqual(directives.get('base-uri'), ["'none'"]);

    // The app plays by itself: wait for its first step on the wasm backend.
    await waitForExpression(page, `(/step (\\d+)/.exec(document.querySelector('[role=status]')?.textContent ?? '')?.[1] ?? 0) >= 1`, { timeout: 60_000, polling: 200 });
    assert.match(await page.getByRole('status').innerText(), /backend wasm/);
    assert.ok(wasmPthreads(page) > 0, 'the threaded wasm build started its pthread workers');
    assert.equal(await page.getByText('without its SIMD backward kernels', { exact: false }).count(), 0);
    assert.deepEqual(violations, [], 'CSP violations');
    assert.deepEqual(errors, [], 'console or page errors');

    // The policy is in force: an inline script added to the page does not run.
    const ran = await page.evaluate(`(() => {
      const script = document.createElement('script');
      script.textContent = 'window.inlineScriptRan = true';
      document.head.append(script);
      return window.inlineScriptRan === true;
    })()`);
    assert.equal(ran, false, 'an inline script ran');
    // That refusal is reported as a console error, expected here: drop it, and only it.
    await page.waitForTimeout(200);
    const refused = (e: string): boolean => /inline script/i.test(e) && /Content Security Policy/.test(e);
    assert.ok(errors.some(refused), `no CSP report for the inline script: ${JSON.stringify(errors)}`);
    const others = errors.filter((e) => !refused(e));
    errors.length = 0;
    assert.deepEqual(others, [], 'console or page errors');
  }, 90_000),
];
