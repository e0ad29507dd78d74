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

export function e2eTest(name: string, run: E2ETest['run'], timeoutMs?: number): E2ETest {
  return timeoutMs === undefined ? { name, run } : { name, run, timeoutMs };
}
