// code-server for one test run: its own user-data and extensions folders, the extension installed
// from the packaged .vsix, listening on a free port of 127.0.0.1 with no auth.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { node24Env } from './tools.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function baseArgs(dirs) {
  return ['--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions];
}

export function installExtension(tools, dirs, vsix) {
  const r = spawnSync(tools.node.bin, [tools.codeServer.entry, ...baseArgs(dirs), '--install-extension', vsix], {
    encoding: 'utf8', env: { ...node24Env(tools.node), XDG_CONFIG_HOME: dirs.xdgConfig },
  });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.status !== 0 || !/successfully installed/i.test(out)) {
    throw new Error(`code-server --install-extension ${vsix} failed (exit ${r.status}):\n${out}`);
  }
}

/**
 * Starts code-server as the leader of a new process group (spawn's `detached` is setsid(2)) and
 * resolves once it answers HTTP. The port is the one it reports after binding port 0, so there is
 * no race with another process picking a "free" port first.
 */
export async function startCodeServer(tools, dirs, workspace, { timeoutMs = 60_000 } = {}) {
  const config = join(dirs.root, 'code-server.yaml');
  writeFileSync(config, 'auth: none\ncert: false\n');
  const args = [
    tools.codeServer.entry, ...baseArgs(dirs), '--config', config,
    '--bind-addr', '127.0.0.1:0', '--auth', 'none', '--disable-telemetry', '--disable-update-check',
    // The journey dreams a feature file, which Reverie runs only in trusted workspaces.
    '--disable-workspace-trust',
    workspace,
  ];
  const logPath = join(dirs.logs, 'code-server.log');
  const logFile = createWriteStream(logPath);
  const child = spawn(tools.node.bin, args, {
    detached: true, stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...node24Env(tools.node), XDG_CONFIG_HOME: dirs.xdgConfig },
  });
  let text = '';
  const onData = (d) => { text += d; logFile.write(d); };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  let exited = null;
  child.on('exit', (code, signal) => { exited = signal ?? code; });

  const started = Date.now();
  let url = null;
  while (!url) {
    if (exited !== null) throw new Error(`code-server exited (${exited}) before listening; its output (${logPath}):\n${text}`);
    if (Date.now() - started > timeoutMs) throw new Error(`code-server did not report a listening port in ${timeoutMs} ms; its output:\n${text}`);
    const m = text.match(/HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)\//);
    if (m) url = m[1];
    else await sleep(100);
  }
  for (;;) {
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch { /* not yet */ }
    if (Date.now() - started > timeoutMs) throw new Error(`code-server at ${url} did not answer /healthz in ${timeoutMs} ms`);
    await sleep(200);
  }
  return { url, pid: child.pid, child, logPath, output: () => text };
}
