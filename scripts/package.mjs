// Packages the extension as platform-specific .vsix files: the bundles, media, and in
// dist/node_modules only the runtime package that cannot be bundled — ONNX Runtime with its native
// binding for that one platform (feature files are transpiled by TypeScript, which is bundled).
// `--target=<os-arch>` (default: this machine's) or `--target=all` for every platform ONNX Runtime
// ships binaries for. scripts/check-vsix.mjs checks the results.
import { cpSync, mkdirSync, rmSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { TARGETS } from './targets.mjs';

const host = `${process.platform}-${process.arch}`;
const arg = process.argv.find((a) => a.startsWith('--target='))?.slice(9) ?? host;
// The host's package last, so dist/node_modules ends as this machine's.
const targets = arg === 'all' ? [...TARGETS.filter((t) => t !== host), ...(TARGETS.includes(host) ? [host] : [])] : [arg];
for (const t of targets) if (!TARGETS.includes(t)) throw new Error(`package: no ONNX Runtime binaries for ${t} (targets: ${TARGETS.join(', ')})`);

execFileSync(process.execPath, ['scripts/build.mjs', '--minify'], { stdio: 'inherit' });

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

  mkdirSync('dist', { recursive: true });
  const vsix = `dist/reverie-${target}.vsix`;
  const vsce = join('node_modules', '.bin', process.platform === 'win32' ? 'vsce.cmd' : 'vsce');
  execFileSync(vsce, ['package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '--target', target, '--out', vsix], { stdio: 'inherit' });
  console.log(`package: ${vsix} ${(statSync(vsix).size / 2 ** 20).toFixed(1)} MiB`);
}

for (const t of targets) packageFor(t);
