// ESLint flat config: @eslint/js + typescript-eslint recommended rules for the code
// in src/, tests/ and scripts/ and for the root config files. Other files in the
// root (scratch files) are not linted.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** What is linted. */
const CODE = ['{src,tests,scripts}/**/*.{js,mjs,cjs,ts,mts,cts,tsx}', '*.config.{js,mjs,ts}'];

/**
 * Globals of the Node scripts (.js/.mjs): listed here rather than taken from the
 * `globals` package, which is not a direct dependency. TypeScript files do not need
 * them: typescript-eslint turns `no-undef` off there, since tsc checks names.
 */
const nodeGlobals = Object.fromEntries(
  [
    'process', 'console', 'Buffer', 'URL', 'URLSearchParams', 'TextEncoder', 'TextDecoder',
    'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate',
    'queueMicrotask', 'structuredClone', 'fetch', 'AbortController', 'AbortSignal',
    'performance', 'globalThis',
  ].map((name) => [name, 'readonly']),
);

export default defineConfig(
  globalIgnores(['dist/', 'src/train/backends/simd/assembly/', 'node_modules/', 'public/data/', 'test-results/', 'runs/', '.vite/']),
  {
    files: CODE,
    extends: [js.configs.recommended, tseslint.configs.recommended],
    rules: {
      // `_`-prefixed names mark arguments and bindings kept on purpose (callback
      // signatures, destructuring that drops a field).
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          args: 'after-used',
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
    },
  },
  {
    files: ['{src,tests,scripts}/**/*.{js,mjs,cjs}', '*.config.{js,mjs}'],
    languageOptions: { globals: nodeGlobals },
  },
);
