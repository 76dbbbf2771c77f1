/**
 * Waiting on a UI that updates asynchronously: poll a probe that returns what it saw, and on
 * timeout fail with what was expected and the last thing seen, so a failure reads as a bug report
 * rather than "timeout exceeded".
 */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Seen<T> {
  ok: boolean;
  /** What the probe saw, in words (goes into the failure message). */
  seen: string;
  value?: T;
}

/** `p`, or a rejection naming `what` after `ms`: a frame that never answers must not hang the run. */
export function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms); });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

let waiting = '';

/** What the latest waitUntil is (or was last) waiting for, and what it saw: for a step that ran out of time. */
export function lastWait(): string {
  return waiting;
}

export async function waitUntil<T>(expected: string, probe: () => Promise<Seen<T>>, timeoutMs = 30_000, everyMs = 250): Promise<T> {
  const start = Date.now();
  let last = 'nothing yet';
  waiting = `expected ${expected}`;
  for (;;) {
    try {
      const s = await within(Math.max(1000, timeoutMs - (Date.now() - start)), 'the check', probe());
      last = s.seen;
      waiting = `expected ${expected}; last seen: ${last}`;
      if (s.ok) return s.value as T;
    } catch (e) {
      last = `probe failed: ${(e as Error).message.split('\n')[0]}`;
    }
    if (Date.now() - start > timeoutMs) {
      throw new Error(`expected ${expected} within ${Math.round(timeoutMs / 1000)} s; last seen: ${last}`);
    }
    await sleep(everyMs);
  }
}

export { sleep };
