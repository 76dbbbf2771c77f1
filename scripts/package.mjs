// Packages the extension as a platform-specific .vsix (linux-x64 by default): the bundles, media,
// and in dist/node_modules only the runtime packages that cannot be bundled — ONNX Runtime's
// native binding for this one platform, and esbuild (feature files are bundled at run time).
import { cpSync, mkdirSync, rmSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';

const target = process.argv.find((a) => a.startsWith('--target='))?.slice(9) ?? `${process.platform}-${process.arch}`;
const [os, arch] = target.split('-');
const ortDir = { linux: 'linux', darwin: 'darwin', win32: 'win32' }[os];
const esbuildPkg = `@esbuild/${os}-${arch}`;

execFileSync(process.execPath, ['scripts/build.mjs', '--minify'], { stdio: 'inherit' });

const out = 'dist/node_modules';
rmSync(out, { recursive: true, force: true });
const copy = (from, to = from) => {
  const src = join('node_modules', from);
  if (!existsSync(src)) throw new Error(`package: ${src} is missing (run npm ci)`);
  cpSync(src, join(out, to), { recursive: true });
};
copy('onnxruntime-node/package.json');
copy('onnxruntime-node/dist');
copy(`onnxruntime-node/bin/napi-v6/${ortDir}/${arch}`);
copy('onnxruntime-common/package.json');
copy('onnxruntime-common/dist/cjs');
copy('esbuild/package.json');
copy('esbuild/lib');
if (existsSync(join('node_modules', esbuildPkg))) copy(esbuildPkg);
else console.warn(`package: ${esbuildPkg} is not installed; feature files will need esbuild for ${target} at run time`);

mkdirSync('dist', { recursive: true });
const vsix = `dist/reverie-${target}.vsix`;
const vsce = join('node_modules', '.bin', process.platform === 'win32' ? 'vsce.cmd' : 'vsce');
execFileSync(vsce, ['package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '--target', target, '--out', vsix], { stdio: 'inherit' });
console.log(`package: ${vsix} ${(statSync(vsix).size / 2 ** 20).toFixed(1)} MiB`);
