/**
 * A journey is a sequence of steps that depend on each other: each runs as a subtest, leaves a
 * screenshot `NN-step-name.png` of the state it reached, and after the first failure the remaining
 * steps are skipped (their preconditions are gone) instead of piling up consequential failures.
 */
import type { TestContext } from 'node:test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { lastWait, within } from './wait';

/** A step that hangs (a frame that never answers, a click that never lands) fails alone instead of eating the run's time. */
const STEP_LIMIT_MS = 4 * 60_000;

let counter = 0;

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60);

export class Journey {
  private failedAt: string | null = null;

  constructor(private readonly t: TestContext, private readonly page: () => Page, private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  /** Runs `fn`, then saves the screenshot; on failure the screenshot (suffix -FAILED) path is in the error. */
  async step(name: string, fn: () => Promise<void>): Promise<void> {
    await this.t.test(name, async (st) => {
      if (this.failedAt) {
        st.skip(`skipped: "${this.failedAt}" failed`);
        return;
      }
      const file = join(this.dir, `${String(++counter).padStart(2, '0')}-${slug(name)}`);
      try {
        await within(STEP_LIMIT_MS, `step "${name}"`, fn());
      } catch (e) {
        this.failedAt = name;
        const shot = await this.shoot(`${file}-FAILED.png`);
        const err = e as Error;
        const late = err.message.startsWith(`step "${name}" did not answer`) ? ` (the last wait: ${lastWait()})` : '';
        err.message = `step "${name}" failed: ${err.message}${late}\n    screenshot: ${shot}`;
        throw err;
      }
      const shot = await this.shoot(`${file}.png`);
      st.diagnostic(`screenshot: ${shot}`);
    });
  }

  private async shoot(path: string): Promise<string> {
    try {
      await this.page().screenshot({ path });
      return path;
    } catch (e) {
      return `(none: ${(e as Error).message.split('\n')[0]})`;
    }
  }
}
