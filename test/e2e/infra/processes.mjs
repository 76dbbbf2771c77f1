// Process groups: code-server and the test runner (with its Chromium) each run as the leader of
// their own group (spawn's `detached` calls setsid(2)), so one signal to the group ends them and
// every child they started (extension hosts, the engine worker, pty hosts, renderer processes).
import { readdirSync, readFileSync } from 'node:fs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

/** SIGTERM to the whole group, then SIGKILL to whatever is left after `graceMs`. */
export async function stopGroup(pgid, graceMs = 5000) {
  if (!pgid || !groupAlive(pgid)) return;
  try { process.kill(-pgid, 'SIGTERM'); } catch { /* gone meanwhile */ }
  for (let t = 0; t < graceMs && groupAlive(pgid); t += 100) await sleep(100);
  if (groupAlive(pgid)) {
    try { process.kill(-pgid, 'SIGKILL'); } catch { /* gone meanwhile */ }
    for (let t = 0; t < 2000 && groupAlive(pgid); t += 50) await sleep(50);
  }
}

/** Same as stopGroup but synchronous and immediate, for exit handlers. */
export function killGroupNow(pgid) {
  if (!pgid) return;
  try { process.kill(-pgid, 'SIGKILL'); } catch { /* already gone */ }
}

/** Live processes whose command line mentions `marker` (our temporary folder): none may survive a run. */
export function processesMentioning(marker) {
  const found = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    let cmd;
    try {
      cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
    } catch {
      continue; // exited while we looked
    }
    if (cmd.includes(marker)) found.push({ pid: Number(name), cmd });
  }
  return found;
}
