// Lint: ESLint's and typescript-eslint's recommended rules (syntax-level, no type information, so it
// runs in seconds), over the sources, tests, benchmarks and scripts. `npm run lint`; CI runs it.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.e2e-cache/**', '.package-cache/**', '.gpu/**', '.gl/**', 'test-results/**', 'scratch/**', 'out/**', 'examples/**/.reverie/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node },
    },
    rules: {
      // `_`-prefixed names are deliberately unused (destructuring a field away, a required parameter).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  // The webview and the panel harness's page scripts run in a browser.
  { files: ['src/webview/**', 'scripts/panel-harness.mjs', 'scripts/panel-harness/**'], languageOptions: { globals: { ...globals.browser, acquireVsCodeApi: 'readonly' } } },
  // Tests mutate parsed JSON to make bad files.
  { files: ['test/**'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
);
