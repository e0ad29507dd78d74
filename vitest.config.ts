import { defineConfig } from 'vitest/config';

/** Unit tests: Node only, no browser (browser tests live in tests/e2e and run through tests/e2e/run.ts). */
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    exclude: ['tests/e2e/**', 'node_modules/**', 'dist/**'],
    environment: 'node',
    pool: 'forks',
    // Model tests train real steps on 2 slow cores: about 60 s each, so allow double.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
