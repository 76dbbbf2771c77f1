/** What scripts/e2e.mjs hands the journey: the running code-server, the workspace copy, where artifacts go. */
import { join } from 'node:path';

function need(name: string): string {
  const v = process.env[name];
  if (!v) {
    throw new Error(`${name} is not set: the end-to-end tests are started by \`npm run test:e2e\` (scripts/e2e.mjs), which installs and starts code-server first`);
  }
  return v;
}

export interface E2eEnv {
  /** code-server's base URL, e.g. http://127.0.0.1:40123 */
  url: string;
  /** The copy of examples/ that code-server has open. */
  workspace: string;
  chromium: string;
  chromiumProfile: string;
  /** test-results/e2e: screenshots NN-step.png go here. */
  results: string;
  logs: string;
  /** code-server's user-data folder (its logs/ hold the Reverie output channel). */
  userData: string;
}

export function e2eEnv(): E2eEnv {
  const results = need('E2E_RESULTS');
  return {
    url: need('E2E_URL'),
    workspace: need('E2E_WORKSPACE'),
    chromium: need('E2E_CHROMIUM'),
    chromiumProfile: need('E2E_CHROMIUM_PROFILE'),
    results,
    logs: join(results, 'logs'),
    userData: need('E2E_USER_DATA'),
  };
}
