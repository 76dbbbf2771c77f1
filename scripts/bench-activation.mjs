#!/usr/bin/env node
// Activation cost of the production extension bundle (dist/extension.js, as packaged), outside VS Code:
// each trial is a fresh Node process that requires the bundle against a stand-in `vscode` module
// (every API a no-op) and calls activate(), as opening a TypeScript workspace with no feature file
// does. Prints the median and range of require + activate over the trials, and checks that neither
// TypeScript's parser (dist/discover.js) nor the engine's runtime (onnxruntime) was loaded.
// Usage: npm run bench:activation [-- trials]   (the VS Code host adds its own overhead on top).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(ROOT, 'dist', 'extension.js');
if (!existsSync(bundle)) { console.error('no dist/extension.js: run `npm run build` first'); process.exit(1); }
const trials = Number(process.argv[2] ?? 15);

// In the child: a Proxy that is callable, constructible and has every property, stands in for vscode.
const child = `
const Module = require('node:module');
const prop = (p) => (p === 'then' ? undefined : p === Symbol.toPrimitive ? () => '' : stub());
// The bundle reads vscode through esbuild's __toESM, which looks properties up on the prototype.
const proto = new Proxy({}, { get: (t, p) => prop(p) });
const stub = () => new Proxy(function () {}, { get: (t, p) => prop(p), set: () => true, defineProperty: () => true, apply: () => stub(), construct: () => stub(), getPrototypeOf: () => proto });
const load = Module._load;
Module._load = function (req, ...rest) { return req === 'vscode' ? stub() : load.call(this, req, ...rest); };
const memento = { get: (k, d) => d, update: async () => {}, keys: () => [] };
const context = { subscriptions: [], workspaceState: memento, globalState: memento, extension: { packageJSON: { version: 'bench' } },
  extensionUri: stub(), extensionPath: ${JSON.stringify(ROOT)}, globalStorageUri: stub(), storageUri: undefined, asAbsolutePath: (p) => p };
const t0 = performance.now();
const ext = require(${JSON.stringify(bundle)});
const t1 = performance.now();
ext.activate(context);
const t2 = performance.now();
const loaded = Object.keys(require.cache).filter((f) => /discover\\.js$|onnxruntime/.test(f));
process.stdout.write(JSON.stringify({ require: t1 - t0, activate: t2 - t1, loaded }));
process.exit(0);
`;

const runs = [];
for (let i = 0; i < trials; i++) {
  const r = spawnSync(process.execPath, ['-e', child], { encoding: 'utf8' });
  if (r.status !== 0) { console.error(r.stderr); process.exit(1); }
  runs.push(JSON.parse(r.stdout));
}
const ms = (xs) => { const s = [...xs].sort((a, b) => a - b); return { median: s[Math.floor(s.length / 2)], min: s[0], max: s.at(-1) }; };
const total = ms(runs.map((r) => r.require + r.activate));
const req = ms(runs.map((r) => r.require));
const act = ms(runs.map((r) => r.activate));
console.log(`dist/extension.js, ${trials} fresh processes, node ${process.version}:`);
console.log(`  require ${req.median.toFixed(1)} ms (${req.min.toFixed(1)}–${req.max.toFixed(1)}), activate() ${act.median.toFixed(1)} ms (${act.min.toFixed(1)}–${act.max.toFixed(1)})`);
console.log(`  require + activate: median ${total.median.toFixed(1)} ms (${total.min.toFixed(1)}–${total.max.toFixed(1)})`);
const loaded = [...new Set(runs.flatMap((r) => r.loaded))];
console.log(loaded.length ? `  loaded at activation (should not be): ${loaded.join(', ')}` : '  TypeScript parser and onnxruntime not loaded at activation');
