// Checks platform .vsix files (default: every dist/reverie-<target>.vsix of scripts/targets.mjs):
// each declares its target, holds ONNX Runtime's binding for that platform —
// read from the binaries' own headers (ELF / Mach-O / PE machine), not their paths — and no other
// platform's, no esbuild (feature files need none at run time), and no source maps. Prints each
// package's size and file count; exits 1 on a problem.
import { existsSync, statSync } from 'node:fs';
import yauzl from 'yauzl';
import { TARGETS } from './targets.mjs';

const files = process.argv.slice(2).length ? process.argv.slice(2) : TARGETS.map((t) => `dist/reverie-${t}.vsix`);

/** Every entry's name, and the first 64 bytes of the entries `want` accepts. */
function readVsix(path, want) {
  return new Promise((done, fail) => {
    yauzl.open(path, { lazyEntries: true }, (err, zip) => {
      if (err) return fail(err);
      const names = [], heads = new Map();
      zip.on('entry', (e) => {
        names.push(e.fileName);
        if (!want(e.fileName)) return zip.readEntry();
        zip.openReadStream(e, (err2, stream) => {
          if (err2) return fail(err2);
          const chunks = [];
          let n = 0;
          stream.on('data', (c) => { if (n < 4096) { chunks.push(c); n += c.length; } });
          stream.on('end', () => { heads.set(e.fileName, Buffer.concat(chunks)); zip.readEntry(); });
          stream.on('error', fail);
        });
      });
      zip.on('end', () => done({ names, heads }));
      zip.on('error', fail);
      zip.readEntry();
    });
  });
}

/** The platform a native binary is built for, from its header. */
function platformOf(b) {
  if (b.readUInt32BE(0) === 0x7f454c46) return `linux-${{ 0x3e: 'x64', 0xb7: 'arm64' }[b.readUInt16LE(18)] ?? `machine ${b.readUInt16LE(18)}`}`;
  if (b.readUInt32LE(0) === 0xfeedfacf) return `darwin-${{ 0x01000007: 'x64', 0x0100000c: 'arm64' }[b.readUInt32LE(4)] ?? `cpu ${b.readUInt32LE(4)}`}`;
  if (b.toString('latin1', 0, 2) === 'MZ') {
    const pe = b.readUInt32LE(0x3c);
    if (b.toString('latin1', pe, pe + 4) === 'PE\0\0') return `win32-${{ 0x8664: 'x64', 0xaa64: 'arm64' }[b.readUInt16LE(pe + 4)] ?? `machine ${b.readUInt16LE(pe + 4)}`}`;
  }
  return 'unknown';
}

let failed = false;
for (const file of files) {
  const target = /reverie-([a-z0-9]+-[a-z0-9]+)\.vsix$/.exec(file)?.[1];
  const problems = [];
  if (!existsSync(file)) { console.error(`check-vsix: ${file} is missing`); failed = true; continue; }
  if (!target) { console.error(`check-vsix: ${file}: cannot tell the target from the name`); failed = true; continue; }
  const [os, arch] = target.split('-');
  const nm = 'extension/dist/node_modules/';
  const binding = `${nm}onnxruntime-node/bin/napi-v6/${os}/${arch}/onnxruntime_binding.node`;
  const { names, heads } = await readVsix(file, (n) => n === binding || n === 'extension.vsixmanifest');
  const manifest = heads.get('extension.vsixmanifest')?.toString('utf8') ?? '';
  if (!manifest.includes(`TargetPlatform="${target}"`)) problems.push(`the manifest does not declare TargetPlatform="${target}"`);
  for (const [what, path] of [['ONNX Runtime binding', binding]]) {
    if (!heads.has(path)) problems.push(`no ${what} (${path})`);
    else if (platformOf(heads.get(path)) !== target) problems.push(`its ${what} is built for ${platformOf(heads.get(path))}`);
  }
  const foreign = names.filter((n) => n.includes('/bin/napi-v6/') && !n.includes(`/bin/napi-v6/${os}/${arch}/`));
  const esbuild = names.filter((n) => n.includes(`${nm}esbuild/`) || n.includes(`${nm}@esbuild/`));
  if (esbuild.length) problems.push(`esbuild, which nothing runs: ${esbuild.slice(0, 2).join(', ')}`);
  if (foreign.length) problems.push(`other platforms' files: ${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ` and ${foreign.length - 3} more` : ''}`);
  const maps = names.filter((n) => n.endsWith('.map'));
  if (maps.length) problems.push(`source maps: ${maps.slice(0, 3).join(', ')}`);
  if (!names.includes('extension/dist/extension.js')) problems.push('no extension/dist/extension.js');
  console.log(`check-vsix: ${file}: ${target}, ${(statSync(file).size / 2 ** 20).toFixed(1)} MiB, ${names.length} files${problems.length ? '' : ', ok'}`);
  for (const p of problems) console.error(`  ${p}`);
  if (problems.length) failed = true;
}
process.exit(failed ? 1 : 0);
