/**
 * The tiny contract between tests/e2e/run.ts and the browser tests: each
 * `*.e2e.ts` file default-exports an array of tests made with `e2eTest`.
 */
import type { Page } from 'playwright-core';

export interface E2EContext {
  /** A fresh page in a fresh browser context, already listening for errors. */
  page: Page;
  /** Where `vite preview` serves dist/, e.g. "http://127.0.0.1:41234/". */
  baseURL: string;
  /** Directory for screenshots and other artifacts (test-results/e2e). */
  artifactsDir: string;
  /**
   * Console errors and uncaught page errors seen so far, as text. The runner also
   * fails any test that leaves something here, after the test body has run.
   */
  errors: string[];
}

export interface E2ETest {
  name: string;
  /** Per-test time limit in ms (default 30 s). */
  timeoutMs?: number;
  run: (ctx: E2EContext) => Promise<void>;
}

/**
 * Console errors and uncaught errors of `page` from now on, as text: what the runner fails a
 * test on (E2EContext.errors), and what a test that opens a browser of its own checks.
 */
export function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') {
      const where = msg.location().url ? ` (${msg.location().url})` : '';
      errors.push(`console.error: ${msg.text()}${where}`);
    }
  });
  page.on('pageerror', (err) => errors.push(`page error: ${err.stack ?? err.message}`));
  return errors;
}

export function e2eTest(name: string, run: E2ETest['run'], timeoutMs?: number): E2ETest {
  return timeoutMs === undefined ? { name, run } : { name, run, timeoutMs };
}

/**
 * Waits until `expression` (JavaScript text evaluated in the page) is truthy, checking
 * every `polling` ms. Use it instead of page.waitForFunction: that one evals its predicate
 * inside the page, which the built page's Content Security Policy refuses (no
 * 'unsafe-eval'), whereas page.evaluate runs through DevTools, outside the policy.
 */
export async function waitForExpression(page: Page, expression: string, options: { timeout?: number; polling?: number } = {}): Promise<void> {
  const { timeout = 30_000, polling = 200 } = options;
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await page.evaluate(expression)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout / 1000} s waiting for ${expression}`);
    await page.waitForTimeout(polling);
  }
}
