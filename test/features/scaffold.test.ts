/**
 * The scaffolded workspace type-checks with plain `tsc` (what the editor's TypeScript server
 * does), type errors in feature files are reported, and the starter file loads and compiles.
 * The examples workspace type-checks the same way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { scaffoldFeatureWorkspace } from '../../src/reverie-api/scaffold';
import { loadFeatureFile } from '../../src/engine/features/load';
import { compileFeature } from '../../src/engine/features/compile';
import { workspace, stories260K } from './helpers';

const TSC = resolve('node_modules/typescript/bin/tsc');

function tsc(dir: string): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [TSC, '--noEmit', '-p', '.'], { cwd: dir, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

test('a scaffolded workspace type-checks, and tsc reports type errors in feature files', async () => {
  const dir = workspace({});
  const r = scaffoldFeatureWorkspace(dir);
  assert.deepEqual(r.written.map((p) => p.slice(dir.length + 1)).sort(), ['.reverie/reverie.d.ts', 'features.ts', 'tsconfig.json']);
  assert.equal(readFileSync(join(dir, '.reverie/reverie.d.ts'), 'utf8'), readFileSync('src/reverie-api/reverie.d.ts', 'utf8'));
  const clean = tsc(dir);
  assert.equal(clean.status, 0, clean.out);

  const loaded = await loadFeatureFile(join(dir, 'features.ts'), { workspaceRoot: dir, trusted: true });
  assert.deepEqual(loaded.diagnostics, []);
  assert.deepEqual(loaded.features.map((f) => f.exportName), ['storyNeuron', 'nextHappy', 'custom']);
  for (const f of loaded.features) await compileFeature(f, await stories260K());

  const starterLines = readFileSync(join(dir, 'features.ts'), 'utf8').split('\n').length;
  appendFileSync(join(dir, 'features.ts'), [
    "export const typo = defineFeature({ model: 'stories260K', objective: (m) => m.blocks[2].mlp.psot.at('last').index(1) });",
    "export const wrongArg = defineFeature({ model: 'stories260K', objective: neuron('2', 17) });",
    "export const badHook = defineFeature({ model: 'stories260K', objective: (m) => m.hook('blocks.2.mlp.hook_psot').at(0).index(0) });",
    '',
  ].join('\n'));
  const bad = tsc(dir);
  assert.equal(bad.status, 2, bad.out);
  const errors = bad.out.trim().split('\n').filter((l) => l.includes('error TS'));
  assert.equal(errors.length, 3, bad.out);
  assert.match(errors[0], new RegExp(`^features\\.ts\\(${starterLines},\\d+\\): error TS2339: Property 'psot' does not exist`));
  assert.match(errors[1], new RegExp(`^features\\.ts\\(${starterLines + 1},\\d+\\): error TS2345: Argument of type 'string' is not assignable to parameter of type 'number'`));
  assert.match(errors[2], new RegExp(`^features\\.ts\\(${starterLines + 2},\\d+\\): error TS2345: Argument of type '"blocks\\.2\\.mlp\\.hook_psot"' is not assignable to parameter of type 'HookName'`));
});

test('scaffolding keeps existing files but refreshes the declarations', () => {
  const dir = workspace({ 'features.ts': '// mine\n', 'tsconfig.json': '{}\n', '.reverie/reverie.d.ts': 'old' });
  const r = scaffoldFeatureWorkspace(dir);
  assert.deepEqual(r.kept.map((p) => p.slice(dir.length + 1)).sort(), ['features.ts', 'tsconfig.json']);
  assert.equal(readFileSync(join(dir, 'features.ts'), 'utf8'), '// mine\n');
  assert.notEqual(readFileSync(join(dir, '.reverie/reverie.d.ts'), 'utf8'), 'old');
});

test('the examples workspace type-checks against the current declarations', () => {
  const dir = workspace({});
  cpSync('examples', dir, { recursive: true });
  scaffoldFeatureWorkspace(dir); // refreshes .reverie/reverie.d.ts; keeps the examples' own files
  const r = tsc(dir);
  assert.equal(r.status, 0, r.out);
  // When the examples carry their own copy of the declarations, it must be the current one.
  if (existsSync('examples/.reverie/reverie.d.ts')) {
    assert.equal(readFileSync('examples/.reverie/reverie.d.ts', 'utf8'), readFileSync('src/reverie-api/reverie.d.ts', 'utf8'),
      'examples/.reverie/reverie.d.ts is stale: copy src/reverie-api/reverie.d.ts over it');
  }
  writeFileSync(join(dir, 'broken.ts'), "import { neuron } from 'reverie';\nexport const x: string = neuron(1, 2);\n");
  assert.match(tsc(dir).out, /broken\.ts\(2,14\): error TS2322/);
});
