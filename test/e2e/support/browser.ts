/**
 * Debian's Chromium, headless, through playwright-core, with a fresh profile per run. Console errors
 * of the workbench and of the webviews (CSP violations, exceptions in the panel) are kept in a log
 * file among the artifacts.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { E2eEnv } from './env';

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
];

export async function launchBrowser(env: E2eEnv): Promise<{ context: BrowserContext; page: Page }> {
  // launchPersistentContext is how Playwright takes a --user-data-dir of our choosing.
  const context = await chromium.launchPersistentContext(env.chromiumProfile, {
    executablePath: env.chromium,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1600, height: 1000 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const consoleLog = join(env.logs, 'browser-console.log');
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') appendFileSync(consoleLog, `[${m.type()}] ${m.location().url}: ${m.text()}\n`);
  });
  page.on('pageerror', (e) => appendFileSync(consoleLog, `[pageerror] ${e.stack ?? e.message}\n`));
  return { context, page };
}
