// One build for every bundle: extension host, engine worker, CLI, benchmarks and webview.
// `vscode` is provided by the host; onnxruntime-node ships a native binary, so it stays in
// node_modules and is resolved at run time.
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';

const watch = process.argv.includes('--watch');
// `--minify` (the .vsix): smaller bundles; the source maps stay in dist/, outside the package.
const minify = process.argv.includes('--minify');
// Native or binary-running packages stay in node_modules (the .vsix ships them in dist/node_modules);
// @huggingface/transformers is bundled, with its image and browser runtimes replaced by a shim.
const external = ['vscode', 'onnxruntime-node', 'esbuild'];
const alias = { sharp: './scripts/shims/unavailable.cjs', 'onnxruntime-web': './scripts/shims/unavailable.cjs' };

// `--only cli,worker` builds just the named bundles (by output file name).
const onlyArg = process.argv.find((a) => a.startsWith('--only='));
const only = onlyArg ? onlyArg.slice('--only='.length).split(',') : null;

const node = (entry, outfile, extra = {}) => ({
  entryPoints: [entry], outfile, bundle: true, platform: 'node', target: 'node20', format: 'cjs',
  sourcemap: true, external, alias, logLevel: 'warning', minify, ...extra,
});

const targets = [
  node('src/cli/main.ts', 'dist/cli.js', { banner: { js: '#!/usr/bin/env node' } }),
  node('src/engine/runtime/worker.ts', 'dist/worker.js'),
  node('bench/main.ts', 'dist/bench.js'),
];
if (existsSync('src/extension/extension.ts')) targets.push(node('src/extension/extension.ts', 'dist/extension.js'));
if (existsSync('src/worker/dream-worker.ts')) targets.push(node('src/worker/dream-worker.ts', 'dist/dream-worker.js'));
// TypeScript's parser for feature discovery, loaded by the extension on first use (src/extension/lazy-discover.ts).
targets.push(node('src/engine/features/discover.ts', 'dist/discover.js'));
// The `reverie` module feature files import: evaluated inside their sandbox, so it is platform-neutral.
targets.push({ entryPoints: ['src/reverie-api/runtime.ts'], outfile: 'dist/reverie-runtime.js', bundle: true,
  platform: 'neutral', target: 'es2022', format: 'iife', logLevel: 'warning' });
if (existsSync('webview/main.ts')) {
  targets.push({ entryPoints: ['webview/main.ts'], outfile: 'dist/webview.js', bundle: true, platform: 'browser',
    target: 'es2022', format: 'esm', sourcemap: true, logLevel: 'warning', minify });
}

// Feature files need the runtime wherever the engine runs, so it is always built.
const selected = only ? targets.filter((t) => t.outfile === 'dist/reverie-runtime.js' || only.some((o) => t.outfile === `dist/${o}.js`)) : targets;

if (watch) {
  for (const t of selected) await (await esbuild.context(t)).watch();
} else {
  await Promise.all(selected.map((t) => esbuild.build(t)));
}
mkdirSync('dist/codicons', { recursive: true });
copyFileSync('src/reverie-api/reverie.d.ts', 'dist/reverie.d.ts');
// The panel's icon font, served from the extension's own files (the webview loads nothing remote).
for (const f of ['codicon.css', 'codicon.ttf']) copyFileSync(`node_modules/@vscode/codicons/dist/${f}`, `dist/codicons/${f}`);
