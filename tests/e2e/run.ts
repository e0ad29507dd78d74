/**
 * Browser tests without a test framework: serves the already-built dist/ with
 * `vite preview` on 127.0.0.1 and a free port, runs every tests/e2e/*.e2e.ts in
 * Debian's headless Chromium (playwright-core), then stops both whatever happened.
 * It builds nothing: run `vite build` first (`npm run test:e2e` does).
 *
 *   npx tsx tests/e2e/run.ts [name filter]
 *
 * The last line printed is always "N passed, N failed"; the exit code is 1 on any failure.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { pageErrors, type E2EContext, type E2ETest } from './harness';
import { CHROMIUM, CHROMIUM_ARGS, DIST, SetupError, startPreview, stopPreview, type PreviewServer } from './preview';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const E2E_DIR = join(ROOT, 'tests', 'e2e');
const DIST_INDEX = join(DIST, 'index.html');
const ARTIFACTS_DIR = join(ROOT, 'test-results', 'e2e');
const DEFAULT_TEST_MS = 30_000;

interface NamedTest extends E2ETest {
  file: string;
}

async function loadTests(filter: string | undefined): Promise<NamedTest[]> {
  const files = readdirSync(E2E_DIR).filter((f) => f.endsWith('.e2e.ts')).sort();
  const tests: NamedTest[] = [];
  for (const file of files) {
    const mod = (await import(pathToFileURL(join(E2E_DIR, file)).href)) as { default?: unknown };
    if (!Array.isArray(mod.default)) throw new SetupError(`${file} must default-export an array of e2eTest(...)`);
    for (const t of mod.default as E2ETest[]) tests.push({ ...t, file });
  }
  return filter ? tests.filter((t) => t.name.includes(filter)) : tests;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function runTest(browser: Browser, test: NamedTest, baseURL: string): Promise<void> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const errors = pageErrors(page);
    const ctx: E2EContext = { page, baseURL, artifactsDir: ARTIFACTS_DIR, errors };
    await withTimeout(test.run(ctx), test.timeoutMs ?? DEFAULT_TEST_MS, 'test');
    if (errors.length > 0) throw new Error(`errors in the page:\n${errors.join('\n')}`);
  } finally {
    await context.close().catch(() => undefined);
  }
}

function indent(text: string): string {
  return text.replace(/^/gm, '    ');
}

async function main(): Promise<number> {
  let passed = 0;
  let failed = 0;
  let server: PreviewServer | undefined;
  let browser: Browser | undefined;

  const stopOnSignal = (signal: NodeJS.Signals) => {
    server?.child.kill('SIGKILL');
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  // Last resort if something below exits the process abruptly.
  process.once('exit', () => server?.child.kill('SIGKILL'));

  let tests: NamedTest[] = [];
  try {
    tests = await loadTests(process.argv[2]);
    if (tests.length === 0) throw new SetupError('no e2e tests found (tests/e2e/*.e2e.ts)');
    if (!existsSync(DIST_INDEX)) {
      throw new SetupError('dist/index.html is missing: build first with `npm run build` (`npm run test:e2e` builds and runs).');
    }
    if (!existsSync(CHROMIUM)) {
      throw new SetupError(`Chromium is missing at ${CHROMIUM}. Install Debian's Chromium: apt-get install -y chromium`);
    }
    mkdirSync(ARTIFACTS_DIR, { recursive: true });

    server = await startPreview();
    console.log(`serving dist/ at ${server.url}`);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    console.log(`chromium ${browser.version()}`);

    for (const test of tests) {
      const started = Date.now();
      try {
        await runTest(browser, test, server.url);
        passed++;
        console.log(`  ok    ${test.file} > ${test.name} (${Date.now() - started} ms)`);
      } catch (err) {
        failed++;
        console.log(`  FAIL  ${test.file} > ${test.name} (${Date.now() - started} ms)`);
        console.log(indent(err instanceof Error ? (err.stack ?? err.message) : String(err)));
      }
    }
  } catch (err) {
    const setup = err instanceof SetupError;
    console.error(`e2e setup failed: ${setup ? err.message : err instanceof Error ? err.stack : String(err)}`);
    failed = Math.max(tests.length - passed, 1);
  } finally {
    await browser?.close().catch(() => undefined);
    if (server) await stopPreview(server.child);
  }

  console.log(`${passed} passed, ${failed} failed`);
  return failed > 0 ? 1 : 0;
}

process.exitCode = await main();
