/**
 * The JSON schemas VS Code validates `*.run.json` and `*.frontier.json` with (package.json
 * `jsonValidation`, schemas/) agree with the engine's own validators, which are the authority:
 * files the engine writes pass the schema, and each bad file the engine refuses for a field the
 * schema can express (type, enum, required, constant) the schema refuses too. The schemas are
 * stricter in one way only: an unknown top-level field is flagged (a typo, in an editor).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import { runEpo } from '../../src/engine/epo/run';
import { makeRunFile, parseRunFile } from '../../src/engine/epo/run-file';
import { frontierFromRun, parseFrontierFile } from '../../src/engine/frontier-file';
import { makeToy } from './toy-backend';

const ajv = new Ajv({ allErrors: true, strict: true });
const schema = (name: string) => ajv.compile(JSON.parse(readFileSync(`schemas/${name}.schema.json`, 'utf8')));
const runSchema = schema('run'), frontierSchema = schema('frontier');
const errors = (v: ReturnType<typeof schema>) => ajv.errorsText(v.errors);

const META = {
  model: { id: 'toy', files: [{ name: 'toy.bin', sha256: 'ab'.repeat(32), bytes: 123 }] },
  feature: { name: 'neuron 2.17', description: 'toy', sourceHash: 'cd'.repeat(32), kind: 'neuron' as const, spec: '2.17' },
};

async function files(): Promise<{ run: string; frontier: string }> {
  const a = makeToy({ seed: 3 });
  const r = await runEpo(a.backend, a.tokenizer, { seqLen: 6, iterations: 3, topK: 12, childrenPerMember: 8, seed: 1 });
  const run = makeRunFile(r, META);
  const frontier = { ...frontierFromRun(run, 'toy.run.json'), dataset: [{ ids: [1, 2, 3], text: 'a b c', feature: 1.5, xe: 3.2, source: 'corpus.txt' }] };
  return { run: JSON.stringify(run), frontier: JSON.stringify(frontier) };
}

test('files the engine writes pass the schemas (also without the optional parts)', async () => {
  const { run, frontier } = await files();
  assert.ok(runSchema(JSON.parse(run)), errors(runSchema));
  const slim = JSON.parse(run);
  delete slim.history; delete slim.resume; slim.feature = { name: 'x', description: 'y', sourceHash: 'z' };
  assert.ok(runSchema(slim), errors(runSchema));
  parseRunFile(JSON.stringify(slim), 'slim.run.json');
  assert.ok(frontierSchema(JSON.parse(frontier)), errors(frontierSchema));
  parseFrontierFile(frontier, 'toy.frontier.json');
});

test('what the engine refuses, the schemas refuse', async () => {
  const { run, frontier } = await files();
  const mutate = (text: string, f: (c: Record<string, any>) => void) => { const c = JSON.parse(text); f(c); return c; };
  const runCases: [string, (c: Record<string, any>) => void][] = [
    ['format', (c) => { c.format = 'reverie.checkpoint'; }],
    ['version', (c) => { c.version = 9; }],
    ['model file without sha256', (c) => { delete c.model.files[0].sha256; }],
    ['sourceHash a number', (c) => { c.feature.sourceHash = 5; }],
    ['feature kind unknown', (c) => { c.feature.kind = 'sae'; }],
    ['feature spec a number', (c) => { c.feature.spec = 2.17; }],
    ['seed a fraction', (c) => { c.seed = 1.5; }],
    ['cancelled a string', (c) => { c.cancelled = 'no'; }],
    ['frontier not an array', (c) => { c.frontier = {}; }],
    ['no population', (c) => { delete c.population; }],
  ];
  for (const [what, f] of runCases) {
    const bad = mutate(run, f);
    assert.throws(() => parseRunFile(JSON.stringify(bad), 'r.json'), Error, `the engine refuses: ${what}`);
    assert.equal(runSchema(bad), false, `the run schema refuses: ${what}`);
  }
  const frontierCases: [string, (c: Record<string, any>) => void][] = [
    ['format', (c) => { c.format = 'reverie.run'; }],
    ['feature kind unknown', (c) => { c.feature.kind = 'sae'; }],
    ['no sourceTextHash', (c) => { delete c.feature.sourceTextHash; }],
    ['run without savedAt', (c) => { delete c.runs[0].savedAt; }],
    ['point without text', (c) => { delete c.frontier[0].text; }],
    ['point iteration below -1', (c) => { c.frontier[0].iteration = -2; }],
    ['dataset point without source', (c) => { delete c.dataset[0].source; }],
  ];
  for (const [what, f] of frontierCases) {
    const bad = mutate(frontier, f);
    assert.throws(() => parseFrontierFile(JSON.stringify(bad), 'f.json'), Error, `the engine refuses: ${what}`);
    assert.equal(frontierSchema(bad), false, `the frontier schema refuses: ${what}`);
  }
  assert.equal(runSchema(mutate(run, (c) => { c.sed = 1; })), false, 'an unknown top-level field is flagged');
});

test('package.json has VS Code validate both kinds of file with these schemas', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
  assert.deepEqual(pkg.contributes.jsonValidation, [
    { fileMatch: '*.run.json', url: './schemas/run.schema.json' },
    { fileMatch: '*.frontier.json', url: './schemas/frontier.schema.json' },
  ]);
  assert.match(readFileSync('.vscodeignore', 'utf8'), /^!schemas\/\*\*$/m, 'the schemas ship in the .vsix');
});
