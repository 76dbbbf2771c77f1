#!/usr/bin/env node
// End-to-end tests in a real VS Code: installs what they need (cached in .e2e-cache/), packages the
// extension, starts code-server on 127.0.0.1 with the .vsix installed and a copy of examples/ open,
// runs test/e2e/*.e2e.ts (node's test runner; Playwright drives Debian's Chromium), and stops every
// process it started, even on failure or Ctrl+C. Artifacts: test-results/e2e/ (NN-step.png, logs/).
//
// Usage: node scripts/e2e.mjs [--no-package] [--vsix path] [--keep] [test-name-pattern]
//   --no-package  use the existing dist/reverie-linux-x64.vsix (CI packages it just before)
//   --vsix path   install this .vsix instead
//   --keep        keep the temporary folder (user data, workspace copy) for a look afterwards
//   test-name-pattern  only the tests whose name matches (node --test-name-pattern)
// Environment: E2E_CACHE (default .e2e-cache), CHROMIUM (default /usr/bin/chromium).
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureChromium, ensureCodeServer, ensureNode24 } from '../test/e2e/infra/tools.mjs';
import { installExtension, startCodeServer } from '../test/e2e/infra/code-server.mjs';
import { killGroupNow, processesMentioning, stopGroup } from '../test/e2e/infra/processes.mjs';
import { prepareRun, removeRun } from '../test/e2e/infra/workspace.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(ROOT);
const started = Date.now();
const secs = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;
const log = (m) => console.log(`e2e [${secs()}]: ${m}`);

const argv = process.argv.slice(2);
const take = (flag) => { const i = argv.indexOf(flag); if (i < 0) return false; argv.splice(i, 1); return true; };
const takeValue = (flag) => { const i = argv.indexOf(flag); if (i < 0) return undefined; const v = argv[i + 1]; argv.splice(i, 2); return v; };
const noPackage = take('--no-package');
const keep = take('--keep');
const vsixArg = takeValue('--vsix');
const namePattern = argv[0];

/** The whole run, tests included, must fit in CI: past this everything is stopped. */
const TEST_TIMEOUT_MS = 10 * 60_000;

const cacheDir = resolve(process.env.E2E_CACHE ?? '.e2e-cache');
const resultsDir = resolve('test-results/e2e');
const groups = new Set();
let dirs = null;

function reverieLogs(userData) {
  const out = [];
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/reverie/i.test(name) && name.endsWith('.log')) out.push(p);
    }
  };
  if (existsSync(join(userData, 'logs'))) walk(join(userData, 'logs'));
  return out.sort();
}

function newestScreenshot() {
  if (!existsSync(resultsDir)) return null;
  const shots = readdirSync(resultsDir).filter((f) => f.endsWith('.png')).map((f) => join(resultsDir, f));
  return shots.sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs).pop() ?? null;
}

/** code-server's logs (the Reverie output channel among them) go into the artifacts. */
function collectLogs() {
  if (!dirs) return [];
  const src = join(dirs.userData, 'logs');
  if (existsSync(src)) cpSync(src, join(dirs.logs, 'code-server-logs'), { recursive: true });
  return reverieLogs(dirs.userData);
}

async function cleanup() {
  for (const g of groups) await stopGroup(g);
  groups.clear();
  if (!dirs) return true;
  const survivors = processesMentioning(dirs.root);
  for (const s of survivors) { try { process.kill(s.pid, 'SIGKILL'); } catch { /* gone */ } }
  if (survivors.length) {
    console.error(`e2e: ${survivors.length} process(es) outlived their process group and were killed:\n${survivors.map((s) => `  ${s.pid} ${s.cmd.slice(0, 200)}`).join('\n')}`);
  }
  const still = processesMentioning(dirs.root);
  if (still.length) console.error(`e2e: processes still alive: ${still.map((s) => s.pid).join(', ')}`);
  return survivors.length === 0 && still.length === 0;
}

let exiting = false;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    if (exiting) return;
    exiting = true;
    console.error(`e2e: ${sig}: stopping code-server and the browser`);
    void cleanup().finally(() => process.exit(130));
  });
}
// Last resort if we die without running cleanup (an exception in cleanup itself).
process.on('exit', () => { for (const g of groups) killGroupNow(g); });

async function runTests(env) {
  const files = readdirSync('test/e2e').filter((f) => f.endsWith('.e2e.ts')).map((f) => join('test/e2e', f)).sort();
  const args = ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', `--test-timeout=${TEST_TIMEOUT_MS}`];
  if (namePattern) args.push(`--test-name-pattern=${namePattern}`);
  // Its own process group too, so Chromium and its helpers go with it whatever happens.
  const child = spawn(process.execPath, [...args, ...files], { stdio: 'inherit', detached: true, env: { ...process.env, ...env } });
  groups.add(child.pid);
  const timer = setTimeout(() => {
    console.error(`e2e: the tests ran past ${TEST_TIMEOUT_MS / 60000} min; stopping them`);
    killGroupNow(child.pid);
  }, TEST_TIMEOUT_MS + 30_000);
  const code = await new Promise((r) => child.on('exit', (c, s) => r(c ?? (s ? 1 : 0))));
  clearTimeout(timer);
  await stopGroup(child.pid);
  groups.delete(child.pid);
  return code;
}

async function main() {
  const chromium = ensureChromium();
  const node = ensureNode24(cacheDir);
  const codeServer = ensureCodeServer(cacheDir, node);
  const tools = { node, codeServer };
  log(`tools ready: Node ${node.version}, code-server ${relative(ROOT, codeServer.home)}, ${chromium}`);

  const vsix = vsixArg ? resolve(vsixArg) : resolve('dist/reverie-linux-x64.vsix');
  if (!vsixArg && !noPackage) {
    const r = spawnSync(process.execPath, ['scripts/package.mjs'], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) throw new Error('npm run package failed');
    log(`packaged ${relative(ROOT, vsix)}`);
  }
  if (!existsSync(vsix)) throw new Error(`${vsix} does not exist (run npm run package, or drop --no-package)`);

  dirs = prepareRun(ROOT, resultsDir);
  installExtension(tools, dirs, vsix);
  const server = await startCodeServer(tools, dirs, dirs.workspace);
  groups.add(server.pid);
  log(`code-server ${server.url} (process group ${server.pid}), workspace ${dirs.workspace}`);

  const code = await runTests({
    E2E_URL: server.url, E2E_WORKSPACE: dirs.workspace, E2E_CHROMIUM: chromium,
    E2E_CHROMIUM_PROFILE: dirs.chromiumProfile, E2E_RESULTS: resultsDir, E2E_USER_DATA: dirs.userData,
  });
  const logs = collectLogs();
  if (code !== 0) {
    for (const l of logs) console.error(`\n──── ${relative(ROOT, l)} (Reverie output channel) ────\n${readFileSync(l, 'utf8')}`);
    if (!logs.length) console.error('e2e: no Reverie log found under the user-data logs (did the extension activate?)');
    console.error(`\ne2e: last screenshot: ${newestScreenshot() ?? '(none)'}`);
    console.error(`e2e: artifacts in ${relative(ROOT, resultsDir)}/ (code-server output: logs/code-server.log, browser console: logs/browser-console.log)`);
  }
  return code;
}

let code = 1;
try {
  code = await main();
} catch (e) {
  console.error(`e2e: ${e.stack ?? e.message}`);
  collectLogs();
  code = 1;
} finally {
  const clean = await cleanup();
  if (!clean) code = code || 1;
  else if (dirs) log('no code-server or browser process left');
  // The logs are in test-results/e2e/logs already; --keep leaves the user data and workspace copy too.
  if (dirs && keep) log(`kept ${dirs.root}`);
  else if (dirs) removeRun(dirs);
}
if (exiting) code = 130;
log(code === 0 ? 'passed' : `FAILED (exit ${code})`);
process.exit(code);
