/** `reverie list <file>`: table and JSON output, diagnostics, the parse-only mode, and the command wiring. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { listFeatures, ListOptions } from '../../src/cli/commands/list';
import { workspace } from './helpers';

async function runList(file: string, opts: Partial<ListOptions>): Promise<{ out: string; err: string; code: number }> {
  let out = '', err = '';
  const code = await listFeatures(file, { eval: true, timeout: '2000', ...opts }, { out: (s) => (out += s), err: (s) => (err += s) });
  return { out, err, code };
}

const SRC = `import { defineFeature, neuron, logit } from 'reverie';
export const first = defineFeature({ model: 'stories260K', objective: neuron(2, 17) });

export const second = defineFeature({ name: 'Happy next', model: 'stories260K', objective: logit(' happy'), description: 'the " happy" logit' });
export const broken = defineFeature({ model: 'stories260K', objective: neuron(2, 17), seqLen: 1 });
`;

test('lists exported features as a table, diagnostics on stderr, exit code 1 on errors', async () => {
  const root = workspace({ 'features.ts': SRC });
  const { out, err, code } = await runList(join(root, 'features.ts'), { root });
  assert.equal(out, [
    'EXPORT  NAME        MODEL        LINE',
    'first   first       stories260K  2',
    'second  Happy next  stories260K  4',
    '',
  ].join('\n'));
  assert.match(err, /features\.ts:5:\d+: error: feature 'broken': 'seqLen' must be an integer ≥ 2 \(prompt tokens\), got 1\n$/);
  assert.equal(code, 1);
});

test('--json gives features and diagnostics; --no-eval only parses', async () => {
  const root = workspace({ 'features.ts': SRC });
  const json = JSON.parse((await runList(join(root, 'features.ts'), { root, json: true })).out);
  assert.equal(json.file, join(root, 'features.ts'));
  assert.deepEqual(json.features, [
    { exportName: 'first', name: 'first', model: 'stories260K', line: 2 },
    { exportName: 'second', name: 'Happy next', model: 'stories260K', line: 4, description: 'the " happy" logit' },
  ]);
  assert.equal(json.diagnostics.length, 1);
  assert.equal(json.diagnostics[0].feature, 'broken');

  const parsed = await runList(join(root, 'features.ts'), { eval: false, json: true });
  assert.deepEqual(JSON.parse(parsed.out).features.map((f: { exportName: string; line: number }) => [f.exportName, f.line]), [['first', 2], ['second', 4], ['broken', 5]]);
  assert.equal(parsed.code, 0);
});

test('the command is wired to commander with its options', () => {
  const root = workspace({ 'features.ts': SRC });
  const script = `
    const { Command } = require('commander');
    const { registerList } = require(${JSON.stringify(resolve('src/cli/commands/list.ts'))});
    const program = new Command().name('reverie');
    registerList(program);
    program.parseAsync(process.argv.slice(1), { from: 'user' });`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script, '--', 'list', join(root, 'features.ts'), '--no-eval', '--timeout', '500'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  // Parsed only: names given as literals are known, the others shown as '?'.
  assert.equal(r.stdout, [
    'EXPORT  NAME        MODEL        LINE',
    'first   ?           stories260K  2',
    'second  Happy next  stories260K  4',
    'broken  ?           stories260K  5',
    '',
  ].join('\n'));
});
