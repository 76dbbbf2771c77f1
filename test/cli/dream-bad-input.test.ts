/**
 * `reverie dream` on bad numbers and bad input: a non-finite feature or model is named at the first
 * iteration, a prompt longer than the context and a non-numeric --threads are refused, a folder
 * where a model file belongs is named; `--logit` names a token as feature files do.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli-run';

const dir = mkdtempSync(join(tmpdir(), 'reverie-dream-bad-'));
const TINY = '/work/shared/models/tinystories-656k';
const QUICK = ['--iterations', '1', '--population', '4', '--children', '4', '--threads', '1', '-q'];

test('a feature that evaluates to NaN or ∞ is named with the value and the prompt, at the initial population', async () => {
  const file = join(dir, 'nan.ts');
  writeFileSync(file, `import { defineFeature } from 'reverie';
export const overflow = defineFeature({ model: 'stories260K', objective: (m) => m.hook('blocks.2.mlp.hook_post').at('last').index(17).div(0) });
export const undefinedRatio = defineFeature({ model: 'stories260K', objective: (m) => m.hook('blocks.2.mlp.hook_post').at('last').index(17).mul(0).div(0) });
`);
  const inf = await runCli(['dream', `${file}#overflow`, ...QUICK]);
  assert.equal(inf.code, 1);
  assert.match(inf.stderr, /^reverie: the feature 'overflow' is -?Infinity \(not a finite number\) on the prompt ".*" \(the initial population\): its objective divides by zero/m);
  const nan = await runCli(['dream', `${file}#undefinedRatio`, ...QUICK]);
  assert.equal(nan.code, 1);
  assert.match(nan.stderr, /the feature 'undefinedRatio' is NaN/);
  assert.doesNotMatch(nan.stderr + inf.stderr, /topK|not an allowed token|\n\s+at /);
});

test('a model whose weights produce NaN is named, not printed as a table of NaN with exit 0', async () => {
  const model = join(dir, 'nan-model');
  mkdirSync(model);
  const bin = readFileSync('media/models/stories260K/stories260K.bin');
  // The first RMSNorm weight of layer 0 (after the 28-byte header and the 512 × 64 embedding table): NaN poisons every logit.
  bin.writeFloatLE(NaN, 28 + 512 * 64 * 4);
  writeFileSync(join(model, 'stories260K.bin'), bin);
  copyFileSync('media/models/stories260K/tok512.bin', join(model, 'tok512.bin'));
  const r = await runCli(['dream', '--neuron', '0.1', '--model', model, ...QUICK]);
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stderr, /the model .*nan-model gives a cross-entropy of NaN on the prompt/);
});

test('--seq-len beyond the context, a non-numeric --threads and a folder for a model file are refused by name', async () => {
  const long = await runCli(['dream', '--neuron', '2.17', '--seq-len', '100000', ...QUICK]);
  assert.equal(long.code, 1);
  assert.match(long.stderr, /reverie: a prompt \(seqLen\) of 100000 tokens plus BOS exceeds stories260K's context of 512 tokens/);
  const threads = await runCli(['dream', '--neuron', '2.17', '--iterations', '1', '--threads', 'abc']);
  assert.notEqual(threads.code, 0);
  assert.match(threads.stderr, /option '--threads <n>' argument 'abc' is invalid\. not an integer/);
  const model = join(dir, 'folder-model');
  mkdirSync(join(model, 'stories260K.bin'), { recursive: true });
  copyFileSync('media/models/stories260K/tok512.bin', join(model, 'tok512.bin'));
  const folder = await runCli(['dream', '--neuron', '2.17', '--model', model, ...QUICK]);
  assert.equal(folder.code, 1);
  assert.match(folder.stderr, /folder-model\/stories260K\.bin is a folder, not a llama2\.c checkpoint/);
});

// tinystories-656k's BPE vocabulary keeps spaces apart from words: its token is 'happy'.
for (const [kind, model, token] of [['SentencePiece', 'stories260K', ' happy'], ['byte-level BPE', TINY, 'happy']] as const) {
  test(`--logit ${JSON.stringify(token)} and a feature file's logit(${JSON.stringify(token)}) dream the same token (${kind})`, async () => {
    const file = join(dir, `happy-${kind.replace(/\W/g, '')}.ts`);
    writeFileSync(file, `import { defineFeature, logit } from 'reverie';\nexport const happy = defineFeature({ model: ${JSON.stringify(model)}, objective: logit(${JSON.stringify(token)}) });\n`);
    const args = ['--iterations', '0', '--threads', '1', '--json', '--model', model];
    const cli = await runCli(['dream', '--logit', token, ...args]);
    assert.equal(cli.code, 0, cli.stderr);
    const fromFile = await runCli(['dream', `${file}#happy`, ...args]);
    assert.equal(fromFile.code, 0, fromFile.stderr);
    const result = (out: string) => JSON.parse(out.trim().split('\n').at(-1)!);
    const a = result(cli.stdout), b = result(fromFile.stdout);
    assert.deepEqual(a.frontier.map((p: { ids: number[] }) => p.ids), b.frontier.map((p: { ids: number[] }) => p.ids), 'the same banned text, so the same prompts');
    a.frontier.forEach((p: { feature: number }, i: number) => assert.ok(Math.abs(p.feature - b.frontier[i].feature) < 1e-5, 'the same logit'));
  });
}

test('--logit with another spelling of a token or several tokens is an error that shows the tokens', async () => {
  const bare = await runCli(['dream', '--logit', 'happy', ...QUICK]);
  assert.equal(bare.code, 1);
  assert.match(bare.stderr, /'happy' is not a token of stories260K as written; it encodes as ' happy' \(id \d+\) — write ' happy'/);
  const two = await runCli(['dream', '--logit', ' doghouse', ...QUICK]);
  assert.equal(two.code, 1);
  assert.match(two.stderr, /' doghouse' is \d+ tokens for stories260K: ' do' 'g'/);
});
