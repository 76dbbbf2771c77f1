/** The Reverie output channel as code-server writes it: <user-data>/logs/<session>/exthost<N>/reverie.reverie/Reverie.log. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export function reverieLogFiles(userData: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/^reverie.*\.log$/i.test(name)) out.push(p);
    }
  };
  const logs = join(userData, 'logs');
  if (existsSync(logs)) walk(logs);
  return out.sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs);
}

/** The last error and warning lines of the newest Reverie log: what went wrong inside the extension. */
export function reverieProblems(userData: string, max = 3): string[] {
  const newest = reverieLogFiles(userData).pop();
  if (!newest) return ['(no Reverie log yet: the extension has not activated)'];
  const lines = readFileSync(newest, 'utf8').split('\n').filter((l) => /\[(error|warning)\]/.test(l));
  return lines.slice(-max).map((l) => l.slice(0, 400));
}
