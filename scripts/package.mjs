// Packages the extension as platform-specific .vsix files: the bundles, media, and in
// dist/node_modules only the runtime packages that cannot be bundled — ONNX Runtime's native
// binding for that one platform, and esbuild with that platform's binary (feature files are
// bundled at run time). `--target=<os-arch>` (default: this machine's) or `--target=all` for every
// platform ONNX Runtime ships binaries for; esbuild's binaries for other platforms come from the
// npm registry (`npm pack`, cached in .package-cache/). scripts/check-vsix.mjs checks the results.
import { cpSync, mkdirSync, rmSync, statSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { TARGETS } from './targets.mjs';

const host = `${process.platform}-${process.arch}`;
const arg = process.argv.find((a) => a.startsWith('--target='))?.slice(9) ?? host;
// The host's package last, so dist/node_modules ends as this machine's.
const targets = arg === 'all' ? [...TARGETS.filter((t) => t !== host), ...(TARGETS.includes(host) ? [host] : [])] : [arg];
for (const t of targets) if (!TARGETS.includes(t)) throw new Error(`package: no ONNX Runtime binaries for ${t} (targets: ${TARGETS.join(', ')})`);

execFileSync(process.execPath, ['scripts/build.mjs', '--minify'], { stdio: 'inherit' });

const esbuildVersion = JSON.parse(readFileSync('node_modules/esbuild/package.json', 'utf8')).version;

/** node_modules/@esbuild/<target>, or the same package fetched from the registry into .package-cache. */
function esbuildPlatformPackage(target) {
  const installed = join('node_modules', '@esbuild', target);
  if (existsSync(installed)) return installed;
  const cache = join('.package-cache', `esbuild-${target}-${esbuildVersion}`);
  if (!existsSync(join(cache, 'package', 'package.json'))) {
    rmSync(cache, { recursive: true, force: true });
    mkdirSync(cache, { recursive: true });
    execFileSync('npm', ['pack', `@esbuild/${target}@${esbuildVersion}`, '--silent', '--pack-destination', cache], { stdio: ['ignore', 'ignore', 'inherit'] });
    const tgz = readdirSync(cache).find((f) => f.endsWith('.tgz'));
    execFileSync('tar', ['-xzf', join(cache, tgz), '-C', cache]);
  }
  return join(cache, 'package');
}

function packageFor(target) {
  const [os, arch] = target.split('-');
  const out = 'dist/node_modules';
  rmSync(out, { recursive: true, force: true });
  const copy = (from, to = from) => {
    const src = join('node_modules', from);
    if (!existsSync(src)) throw new Error(`package: ${src} is missing (run npm ci)`);
    cpSync(src, join(out, to), { recursive: true, filter: (f) => !f.endsWith('.map') }); // no source maps in the .vsix
  };
  copy('onnxruntime-node/package.json');
  copy('onnxruntime-node/dist');
  copy(`onnxruntime-node/bin/napi-v6/${os}/${arch}`);
  copy('onnxruntime-common/package.json');
  copy('onnxruntime-common/dist/cjs');
  copy('esbuild/package.json');
  copy('esbuild/lib');
  cpSync(esbuildPlatformPackage(target), join(out, '@esbuild', target), { recursive: true });

  mkdirSync('dist', { recursive: true });
  const vsix = `dist/reverie-${target}.vsix`;
  const vsce = join('node_modules', '.bin', process.platform === 'win32' ? 'vsce.cmd' : 'vsce');
  execFileSync(vsce, ['package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '--target', target, '--out', vsix], { stdio: 'inherit' });
  console.log(`package: ${vsix} ${(statSync(vsix).size / 2 ** 20).toFixed(1)} MiB`);
}

for (const t of targets) packageFor(t);
