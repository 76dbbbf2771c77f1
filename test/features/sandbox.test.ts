/**
 * Feature files are evaluated in isolation: malformed or hostile-by-mistake files become located
 * diagnostics (never a crash or a hang of the caller), nothing runs in untrusted workspaces, and
 * nothing is read outside the workspace.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadFeatureFile, FeatureFileResult } from '../../src/engine/features/load';
import { compileFeature } from '../../src/engine/features/compile';
import { FeatureError } from '../../src/engine/features/errors';
import { encodeNpy } from '../../src/engine/features/write-tensors';
import { workspace, locate, stories260K } from './helpers';

const HEAD = `import { defineFeature, neuron } from 'reverie';\n`;
const OK = `export const ok = defineFeature({ model: 'stories260K', objective: neuron(2, 17) });\n`;

async function load(src: string, files: Record<string, string | Uint8Array> = {}, timeoutMs = 300, trusted = true): Promise<FeatureFileResult & { root: string }> {
  const root = workspace({ 'features.ts': src, ...files });
  return { ...(await loadFeatureFile(join(root, 'features.ts'), { workspaceRoot: root, trusted, timeoutMs })), root };
}

function only(r: FeatureFileResult): FeatureError {
  assert.equal(r.diagnostics.length, 1, r.diagnostics.map((d) => d.format()).join('\n'));
  return r.diagnostics[0];
}

test('a syntax error is a diagnostic at its line', async () => {
  const src = `${HEAD}${OK}export const broken = defineFeature({ model: 'stories260K', objective: neuron(2, 17) ;\n`;
  const r = await load(src);
  const d = only(r);
  assert.equal(d.code, 'syntax');
  assert.equal(d.line, 3);
  assert.equal(d.message, "',' expected.");
  assert.equal(d.column, src.split('\n')[2].indexOf(' ;') + 2);
  assert.deepEqual(r.features, []);
});

test('code that throws at top level is a diagnostic at the throwing line', async () => {
  const src = `${HEAD}${OK}const table: Record<string, number> = {};\nconst x = (table as any).missing.field;\n`;
  const d = only(await load(src));
  assert.equal(d.code, 'runtime');
  assert.match(d.message, /^TypeError: Cannot read properties of undefined \(reading 'field'\)/);
  assert.equal(d.line, 4);
});

test('an error thrown in an imported helper is located in the helper', async () => {
  const helper = `export function check(n: number): number {\n  if (n > 3) throw new RangeError('too big: ' + n);\n  return n;\n}\n`;
  const src = `${HEAD}import { check } from './lib/helper';\nexport const a = defineFeature({ model: 'stories260K', objective: neuron(2, check(5)) });\n`;
  const r = await load(src, { 'lib/helper.ts': helper });
  const d = only(r);
  assert.equal(d.message, 'RangeError: too big: 5');
  assert.equal(d.file, join(r.root, 'lib/helper.ts'));
  assert.equal(d.line, 2);
});

test('an endless loop at top level times out; so does one in a microtask and in an export getter', async () => {
  for (const loop of ['for (;;) {}', 'Promise.resolve().then(() => { while (true) {} });', 'module.exports = { get ok() { for (;;) {} } };']) {
    const started = Date.now();
    const r = await load(`${HEAD}${OK}${loop}\n`);
    const d = only(r);
    assert.equal(d.code, 'timeout', `${loop}: ${d.format()}`);
    assert.match(d.message, /did not finish within 300 ms/);
    assert.ok(Date.now() - started < 5000, `${loop} took ${Date.now() - started} ms`);
  }
});

test('an objective that loops forever times out when compiled, and the file stays usable', async () => {
  const src = `${HEAD}export const spin = defineFeature({ model: 'stories260K', objective: (m) => { while (m) {} return m as any; } });\n${OK}`;
  const r = await load(src);
  assert.deepEqual(r.diagnostics, []);
  const model = await stories260K();
  const spin = r.features.find((f) => f.exportName === 'spin')!;
  await assert.rejects(compileFeature(spin, model), (e: FeatureError) => e.code === 'timeout' && e.line === 2);
  const ok = await compileFeature(r.features.find((f) => f.exportName === 'ok')!, model);
  assert.equal(ok.seqLen, 12);
});

test('the sandbox has no process, require, timers or code generation', async () => {
  const src = `${HEAD}${OK}
const g = globalThis as any;
console.log(typeof g.process, typeof g.require, typeof g.setTimeout, typeof g.Buffer, typeof g.fetch);
let escaped = 'no';
try { escaped = (neuron as any).constructor('return typeof process')(); } catch (e) { escaped = 'refused: ' + (e as Error).message; }
console.log(escaped);
`;
  const r = await load(src);
  assert.deepEqual(r.diagnostics, []);
  assert.deepEqual(r.logs, ['undefined undefined undefined undefined undefined', 'refused: Code generation from strings disallowed for this context']);
  assert.equal(r.features.length, 1);
});

test('imports other than reverie and relative files are refused at their line', async () => {
  for (const [spec, re] of [['node:fs', /cannot import 'node:fs'/], ['fs', /cannot import 'fs'/], ['typescript', /cannot import 'typescript'/]] as const) {
    const src = `${HEAD}import * as x from '${spec}';\nconsole.log(x);\n${OK}`;
    const d = only(await load(src));
    assert.equal(d.code, 'import');
    assert.match(d.message, re);
    assert.equal(d.line, 2);
  }
  const r = await load(`${HEAD}const fs = require('fs');\n${OK}`);
  assert.equal(only(r).code, 'import');
  // A require the bundler cannot see is the runtime's, which knows only 'reverie'.
  const hidden = await load(`${HEAD}${OK}const req = require;\nconst name = ['f', 's'].join('');\nreq(name);\n`);
  const d = only(hidden);
  assert.equal(d.code, 'runtime');
  assert.equal(d.message, "Error: cannot require 'fs': feature files may import only 'reverie' and relative files");
  assert.equal(d.line, 5);
});

test('imports and vectors outside the workspace are refused, through symlinks too', async () => {
  const outsideDir = workspace({}); // a second scratch folder: outside the workspaces below
  writeFileSync(join(outsideDir, 'secret.ts'), 'export const n = 17;\n');
  writeFileSync(join(outsideDir, 'v.npy'), encodeNpy(new Float32Array(64)));
  const viaParent = await load(`${HEAD}import { n } from '${outsideDir}/secret';\nexport const a = defineFeature({ model: 'stories260K', objective: neuron(2, n) });\n`);
  const d = only(viaParent);
  assert.equal(d.code, 'outside-workspace');
  assert.equal(d.line, 2);

  const src = `${HEAD}import { n } from './link/secret';\nexport const a = defineFeature({ model: 'stories260K', objective: neuron(2, n) });\n`;
  const root = workspace({ 'features.ts': src });
  symlinkSync(outsideDir, join(root, 'link'));
  const viaLink = await loadFeatureFile(join(root, 'features.ts'), { workspaceRoot: root, trusted: true });
  assert.equal(only(viaLink).code, 'outside-workspace');

  const vecSrc = `import { defineFeature, direction } from 'reverie';\nexport const a = defineFeature({ model: 'stories260K', objective: direction('blocks.1.hook_resid_post', './link/v.npy') });\n`;
  const root2 = workspace({ 'features.ts': vecSrc });
  symlinkSync(outsideDir, join(root2, 'link'));
  const r = await loadFeatureFile(join(root2, 'features.ts'), { workspaceRoot: root2, trusted: true });
  assert.deepEqual(r.diagnostics, []);
  await assert.rejects(compileFeature(r.features[0], await stories260K()), (e: FeatureError) =>
    e.code === 'outside-workspace' && e.line === 2 && e.column === locate(vecSrc, 'direction(').column);

  const outsideFile = await loadFeatureFile(join(outsideDir, 'secret.ts'), { workspaceRoot: root2, trusted: true });
  assert.equal(only(outsideFile).code, 'outside-workspace');
});

test('nothing is evaluated in an untrusted workspace', async () => {
  // Were this file run, its syntax error would be reported instead of the refusal.
  const r = await load(`${HEAD}${OK}this is not TypeScript\n`, {}, 300, false);
  const d = only(r);
  assert.equal(d.code, 'untrusted');
  assert.match(d.message, /only in trusted workspaces/);
  assert.deepEqual(r.features, []);
});

test('a missing file is a diagnostic', async () => {
  const root = workspace({});
  const r = await loadFeatureFile(join(root, 'nope.ts'), { workspaceRoot: root, trusted: true });
  assert.match(only(r).message, /does not exist/);
});
