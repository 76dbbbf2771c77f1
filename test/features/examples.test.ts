/**
 * The examples workspace: every feature loads and compiles on stories260K, gives finite values on
 * real text, and the committed SAE and transcoder reconstruct real activations and have the
 * latents the examples describe.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { loadFeatureFile } from '../../src/engine/features/load';
import { compileFeature } from '../../src/engine/features/compile';
import { readSae } from '../../src/engine/features/sae';
import { loadModel } from '../../src/engine/models/load';
import { stories260K, runFeatures, row } from './helpers';

const ROOT = resolve('examples');
const SAE_DIR = resolve('examples/saes/stories260K-blocks.2.hook_resid_post');
const TRANSCODER_DIR = resolve('examples/saes/stories260K-blocks.2.mlp-transcoder');

test('every example feature compiles and evaluates on real text', async (t) => {
  const loaded = await loadFeatureFile(resolve(ROOT, 'features.ts'), { workspaceRoot: ROOT, trusted: true });
  assert.deepEqual(loaded.diagnostics.map((d) => d.format()), []);
  // Through the real loader: a LoadedModel is what compileFeature gets in the product.
  const model = await loadModel('stories260K');
  const builtins = ['neuron', 'logit', 'logitMargin', 'direction', 'attention', 'saeLatent', 'transcoderLatent', 'combine', 'vector'];
  const source = (await import('node:fs')).readFileSync(resolve(ROOT, 'features.ts'), 'utf8');
  for (const b of builtins) assert.ok(source.includes(`${b}(`), `examples/features.ts does not use ${b}()`);

  const text = 'Once upon a time, there was a big';
  const prompt = model.tokenizer.encode(text);
  const fns: Record<string, import('../../src/engine/features/feature').FeatureFn> = {};
  for (const f of loaded.features) {
    const c = await compileFeature(f, model, { seqLen: prompt.length });
    fns[f.exportName] = c.fn;
    if (f.exportName === 'happyMargin') {
      assert.deepEqual(c.bannedText, ['happy']);
      assert.deepEqual(c.epo, { iterations: 100, seqLen: prompt.length, bannedText: ['happy'] });
    }
    if (f.exportName === 'momNotFriend') assert.deepEqual(c.bannedText, ['mom', 'friend']);
  }
  assert.equal(Object.keys(fns).length, 14);
  const run = await runFeatures(model, fns, [], [prompt]);
  for (const [name, v] of Object.entries(run.features)) assert.ok(Number.isFinite(v[0]), `${name} = ${v[0]}`);
  t.diagnostic(Object.entries(run.features).map(([k, v]) => `${k} ${v[0].toFixed(3)}`).join(', '));
  // The latent the examples call " big" fires on " big" in this prompt.
  assert.ok(run.features.bigLatent[0] > 0.5, `bigLatent on "${text}" = ${run.features.bigLatent[0]}`);
  assert.ok(run.features.bigLatentPre[0] >= run.features.bigLatent[0] - 1e-6);
  // The transcoder latent the examples call "little g" fires on " g" after "a little", not on " big".
  const girl = model.tokenizer.encode('Once upon a time, there was a little g');
  const tc = await compileFeature(loaded.features.find((f) => f.exportName === 'littleGirlTranscoder')!, model, { seqLen: girl.length });
  const onGirl = (await runFeatures(model, { tc: tc.fn }, [], [girl])).features.tc[0];
  assert.ok(onGirl > 0.5 && run.features.littleGirlTranscoder[0] < onGirl / 2, `littleGirlTranscoder: ${onGirl} on "…a little g", ${run.features.littleGirlTranscoder[0]} on "${text}"`);
});

const TEXTS = [
  'Once upon a time, there was a little girl named Lily. She loved to play outside in the sun.',
  'One day, a big dog came to the park. The dog was very happy and wanted to play with the ball.',
  'Tom and his mom went to the store. They bought some apples and a red toy car for Tom.',
];

test('the example SAE reconstructs activations of real text', async (t) => {
  const model = await stories260K();
  const sae = await readSae(SAE_DIR, 'example SAE');
  assert.equal(sae.hookName, 'blocks.2.hook_resid_post');
  const prompts = TEXTS.map((s) => model.tokenizer.encode(s));
  const n = Math.min(...prompts.map((p) => p.length));
  const run = await runFeatures(model, {}, [sae.hookName], prompts.map((p) => p.slice(0, n)));
  const { dIn, dSae } = sae;
  const W = (k: string) => sae.weights.get(k)!.data;
  const [wEnc, bEnc, wDec, bDec] = [W('W_enc'), W('b_enc'), W('W_dec'), W('b_dec')];
  const xs: number[][] = [];
  for (let b = 0; b < prompts.length; b++) for (let p = 1; p <= n; p++) xs.push(row(run.hooks[sae.hookName], b, p));
  const mean = Array.from({ length: dIn }, (_, j) => xs.reduce((s, x) => s + x[j], 0) / xs.length);
  let err = 0, total = 0, active = 0;
  for (const x of xs) {
    const f = Array.from({ length: dSae }, (_, i) => Math.max(0, x.reduce((s, v, j) => s + (v - bDec[j]) * wEnc[j * dSae + i], 0) + bEnc[i]));
    const xHat = Array.from({ length: dIn }, (_, j) => f.reduce((s, a, i) => s + a * wDec[i * dIn + j], bDec[j]));
    err += x.reduce((s, v, j) => s + (v - xHat[j]) ** 2, 0);
    total += x.reduce((s, v, j) => s + (v - mean[j]) ** 2, 0);
    active += f.filter((a) => a > 0).length;
  }
  const fve = 1 - err / total, l0 = active / xs.length;
  t.diagnostic(`${xs.length} activations of real text: fraction of variance explained ${fve.toFixed(3)}, mean L0 ${l0.toFixed(1)}`);
  assert.ok(fve > 0.8, `FVE ${fve}`);
  assert.ok(l0 > 2 && l0 < 40, `L0 ${l0}`);
});

test("the example transcoder predicts block 2's MLP output from its input on real text", async (t) => {
  const model = await stories260K();
  const tc = await readSae(TRANSCODER_DIR, 'example transcoder');
  assert.equal(tc.hookName, 'blocks.2.ln2.hook_normalized');
  assert.deepEqual(tc.transcoder, { hookOut: 'blocks.2.hook_mlp_out', dOut: 64 });
  const prompts = TEXTS.map((s) => model.tokenizer.encode(s));
  const n = Math.min(...prompts.map((p) => p.length));
  const run = await runFeatures(model, {}, [tc.hookName, tc.transcoder!.hookOut], prompts.map((p) => p.slice(0, n)));
  const { dIn, dSae } = tc, dOut = tc.transcoder!.dOut;
  const W = (k: string) => tc.weights.get(k)!.data;
  const [wEnc, bEnc, wDec, bDec] = [W('W_enc'), W('b_enc'), W('W_dec'), W('b_dec')];
  const pairs: [number[], number[]][] = [];
  for (let b = 0; b < prompts.length; b++) for (let p = 1; p <= n; p++) pairs.push([row(run.hooks[tc.hookName], b, p), row(run.hooks[tc.transcoder!.hookOut], b, p)]);
  const mean = Array.from({ length: dOut }, (_, j) => pairs.reduce((s, [, y]) => s + y[j], 0) / pairs.length);
  let err = 0, total = 0, active = 0;
  for (const [x, y] of pairs) {
    // A transcoder's encoder does not subtract b_dec (it is the output's bias).
    const f = Array.from({ length: dSae }, (_, i) => Math.max(0, x.reduce((s, v, j) => s + v * wEnc[j * dSae + i], 0) + bEnc[i]));
    const yHat = Array.from({ length: dOut }, (_, j) => f.reduce((s, a, i) => s + a * wDec[i * dOut + j], bDec[j]));
    err += y.reduce((s, v, j) => s + (v - yHat[j]) ** 2, 0);
    total += y.reduce((s, v, j) => s + (v - mean[j]) ** 2, 0);
    active += f.filter((a) => a > 0).length;
  }
  assert.equal(dIn, 64);
  const fve = 1 - err / total, l0 = active / pairs.length;
  t.diagnostic(`${pairs.length} positions of real text: fraction of the MLP output's variance explained ${fve.toFixed(3)}, mean L0 ${l0.toFixed(1)}`);
  assert.ok(fve > 0.6, `FVE ${fve}`);
  assert.ok(l0 > 2 && l0 < 40, `L0 ${l0}`);
});
