/**
 * Every way a feature can fail to fit the model gives its message, naming the feature, at the
 * line (and column) of the user's code that caused it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadFeatureFile } from '../../src/engine/features/load';
import { compileFeature } from '../../src/engine/features/compile';
import { FeatureError } from '../../src/engine/features/errors';
import { encodeNpy, encodeSafetensors } from '../../src/engine/features/write-tensors';
import { stories260K, workspace, locate } from './helpers';

const SRC = `import { defineFeature, neuron, logit, direction, attention, saeLatent, combine } from 'reverie';
const M = 'stories260K';
export const badLayer = defineFeature({ model: M, objective: neuron(7, 0) });
export const badNeuron = defineFeature({ model: M, objective: neuron(2, 500) });
export const badHookLayer = defineFeature({
  model: M,
  objective: (m) => m.hook('blocks.9.mlp.hook_post').at('last').index(0),
});
export const typoHook = defineFeature({ model: M, objective: (m) => m.hook('blocks.1.mlp.hook_psot' as any).at(0).index(0) });
export const familyHook = defineFeature({ model: M, objective: (m) => m.posEmbed.at(0).index(0) });
export const shortVector = defineFeature({ model: M, objective: direction('blocks.2.hook_resid_post', './short.npy') });
export const inlineVector = defineFeature({ model: M, objective: (m) => m.blocks[0].resid.post.at(0).dot([1, 2, 3]) });
export const notScalar = defineFeature({
  model: M,
  objective: (m) => m.blocks[1].resid.post,
});
export const notScalarComponent = defineFeature({ model: M, objective: (m) => m.blocks[1].mlp.post.at('last') });
export const multiToken = defineFeature({ model: M, objective: logit(' doghouse') });
export const noSpace = defineFeature({ model: M, objective: logit('happy') });
export const badPosition = defineFeature({ model: M, seqLen: 6, objective: (m) => m.blocks[0].resid.post.at(12).index(0) });
export const badHead = defineFeature({ model: M, objective: attention(1, 9, 'last', 0) });
export const noSae = defineFeature({ model: M, objective: saeLatent('./missing-sae', 0) });
export const badLatent = defineFeature({ model: M, objective: saeLatent('./sae', 999) });
export const outside = defineFeature({ model: M, objective: direction('blocks.2.hook_resid_post', '../outside.npy') });
export const throws = defineFeature({ model: M, objective: (m) => { throw new Error('nope'); } });
export const number = defineFeature({ model: M, objective: (() => 3) as any });
export const mismatch = defineFeature({ model: M, objective: (m) => m.blocks[0].resid.post.at(0).add(m.blocks[0].mlp.post.at(0)).sum() });
export const badId = defineFeature({ model: M, objective: logit(5000) });
export const badCombine = defineFeature({ model: M, objective: combine([[neuron(2, 1), 1], [(m) => m.logits.at(0), 2]]) });
export const loops = defineFeature({ model: M, objective: (m) => { for (;;) {} } });
export const fine = defineFeature({ model: M, objective: neuron(2, 1) });
`;

function expectError(e: unknown, feature: string, message: string | RegExp, where: { line: number; column?: number }, code?: string): void {
  assert.ok(e instanceof FeatureError, `expected a FeatureError, got ${String(e)}`);
  assert.equal(e.featureName, feature);
  if (typeof message === 'string') assert.equal(e.message, message);
  else assert.match(e.message, message);
  assert.equal(e.line, where.line, `${feature}: line of ${e.format()}`);
  if (where.column !== undefined) assert.equal(e.column, where.column, `${feature}: column of ${e.format()}`);
  if (code) assert.equal(e.code, code);
}

test('each compile error names the feature, the file, the line and what was expected', async () => {
  const root = workspace({
    'features.ts': SRC,
    'short.npy': encodeNpy(new Float32Array(32)),
    'sae/cfg.json': JSON.stringify({ hook_name: 'blocks.2.hook_resid_post' }),
    'sae/sae_weights.safetensors': encodeSafetensors({
      W_enc: { shape: [64, 16], data: new Float32Array(64 * 16) }, b_enc: { shape: [16], data: new Float32Array(16) },
      W_dec: { shape: [16, 64], data: new Float32Array(64 * 16) }, b_dec: { shape: [64], data: new Float32Array(64) },
    }),
  });
  const file = `${root}/features.ts`;
  const loaded = await loadFeatureFile(file, { workspaceRoot: root, trusted: true, timeoutMs: 500 });
  assert.deepEqual(loaded.diagnostics, []);
  const model = await stories260K();
  const byName = new Map(loaded.features.map((f) => [f.exportName, f]));
  const compile = async (name: string) => {
    const f = byName.get(name);
    assert.ok(f, `feature ${name} not loaded`);
    try {
      await compileFeature(f, model);
    } catch (e) {
      assert.ok(e instanceof FeatureError && e.file === file, `${name}: error not located in ${file}: ${String(e)}`);
      return e;
    }
    return assert.fail(`${name} compiled without error`);
  };
  const L = (needle: string) => locate(SRC, needle);
  const decl = (name: string) => locate(SRC, `export const ${name} = defineFeature`);
  const defineAt = (name: string) => ({ line: decl(name).line, column: decl(name).column + `export const ${name} = `.length });

  expectError(await compile('badLayer'), 'badLayer', 'layer 7 does not exist: stories260K has layers 0–4', L('neuron(7, 0)'), 'objective');
  expectError(await compile('badNeuron'), 'badNeuron', 'neuron 500 does not exist: stories260K has 172 MLP neurons per layer (0–171)', L('neuron(2, 500)'));
  expectError(await compile('badHookLayer'), 'badHookLayer', 'layer 9 does not exist: stories260K has layers 0–4', { line: L("m.hook('blocks.9").line });
  expectError(await compile('typoHook'), 'typoHook', /^unknown hook 'blocks\.1\.mlp\.hook_psot'; per-layer hooks are blocks\.L\.hook_resid_pre, .*blocks\.L\.mlp\.hook_post/, { line: L('hook_psot').line });
  expectError(await compile('familyHook'), 'familyHook', "'hook_pos_embed' does not exist in llama models (stories260K)", { line: L('m.posEmbed').line });
  expectError(await compile('shortVector'), 'shortVector', /^vector '\.\/short\.npy' has 32 entries, but it is dotted with a value whose last axis \(d_model\) has 64/, L("direction('blocks.2.hook_resid_post', './short.npy')"));
  expectError(await compile('inlineVector'), 'inlineVector', ".dot(): the vector has 3 entries but the value's last axis (d_model) has 64", { line: L('.dot([1, 2, 3])').line });
  expectError(await compile('notScalar'), 'notScalar',
    "objective of 'notScalar' must return a scalar per prompt; got a value of shape [pos, d_model] — select a position with .at(...) and a component with .index(...)", defineAt('notScalar'));
  expectError(await compile('notScalarComponent'), 'notScalarComponent',
    "objective of 'notScalarComponent' must return a scalar per prompt; got a value of shape [d_mlp] — a component with .index(...)", defineAt('notScalarComponent'));
  expectError(await compile('multiToken'), 'multiToken', "' doghouse' is 5 tokens for stories260K: ' do' 'g' 'h' 'ou' 'se' — give a single token", L("logit(' doghouse')"));
  expectError(await compile('noSpace'), 'noSpace', "'happy' is not a token of stories260K as written; it encodes as ' happy' (id 393) — write ' happy'", L("logit('happy')"));
  expectError(await compile('badPosition'), 'badPosition', '.at(): position 12 is outside the prompt (positions 0–5, or −6…−1 from the end)', { line: L('.at(12)').line });
  expectError(await compile('badHead'), 'badHead', 'head 9 does not exist: stories260K has heads 0–7', L('attention(1, 9'));
  expectError(await compile('noSae'), 'noSae', /^SAE '\.\/missing-sae': no cfg\.json in .*missing-sae \(an SAELens SAE is a folder with cfg\.json and sae_weights\.safetensors\)$/, L("saeLatent('./missing-sae'"));
  expectError(await compile('badLatent'), 'badLatent', "latent 999 does not exist: SAE './sae' has 16 latents (0–15)", L("saeLatent('./sae', 999)"));
  expectError(await compile('outside'), 'outside', /^vector '\.\.\/outside\.npy' resolves to .*, outside the workspace/, L("direction('blocks.2.hook_resid_post', '../outside.npy')"), 'outside-workspace');
  expectError(await compile('throws'), 'throws', 'Error: nope', L("new Error('nope')"), 'runtime');
  expectError(await compile('number'), 'number', "objective of 'number' must return a value of the model (from m or a built-in), got the number 3", defineAt('number'));
  expectError(await compile('mismatch'), 'mismatch', '.add(): shapes [d_model] and [d_mlp] differ; they must match, or one side must be a scalar per prompt', { line: L('.add(m.blocks[0].mlp.post').line });
  expectError(await compile('badId'), 'badId', "token id 5000 is outside stories260K's vocabulary (0–511)", L('logit(5000)'));
  expectError(await compile('badCombine'), 'badCombine', 'combine(): term 1 must give a scalar per prompt, got shape [vocab]', L('combine('));
  expectError(await compile('loops'), 'loops', /^tracing the objective of 'loops' did not finish within 500 ms/, defineAt('loops'), 'timeout');
  // The sandbox is still usable after a timeout elsewhere.
  await compileFeature(byName.get('fine')!, model);
});

test('bad options are reported at the defineFeature call, and the other features still load', async () => {
  const src = `import { defineFeature, neuron } from 'reverie';
export const typo = defineFeature({ model: 'stories260K', objectve: neuron(2, 17) } as any);
export const badEpo = defineFeature({ model: 'stories260K', objective: neuron(2, 17), epo: { population: 0 } });
export const unknownEpo = defineFeature({ model: 'stories260K', objective: neuron(2, 17), epo: { populaton: 3 } as any });
export const twice = defineFeature({ model: 'stories260K', objective: neuron(2, 17), seqLen: 8, epo: { seqLen: 9 } });
export const noModel = defineFeature({ objective: neuron(2, 17) } as any);
export const shortSeq = defineFeature({ model: 'stories260K', objective: neuron(2, 17), seqLen: 1 });
export const badDtype = defineFeature({ model: 'stories260K', objective: neuron(2, 17), dtype: 'fp8' as any });
export const good = defineFeature({ model: 'stories260K', objective: neuron(2, 17), epo: { population: 4, seed: 7 }, bannedText: 'once', dtype: 'fp16' });
const hidden = defineFeature({ model: 'stories260K', objective: neuron(2, 17) });
`;
  const root = workspace({ 'f.ts': src });
  const r = await loadFeatureFile(`${root}/f.ts`, { workspaceRoot: root, trusted: true });
  assert.deepEqual(r.features.map((f) => f.exportName), ['good']);
  assert.deepEqual(r.features[0].epo, { population: 4, seed: 7 });
  assert.deepEqual(r.features[0].bannedText, ['once']);
  assert.equal(r.features[0].dtype, 'fp16');
  const got = r.diagnostics.map((d) => [d.featureName, d.line, d.column, d.severity, d.message]);
  const line = (name: string) => locate(src, `const ${name} =`).line;
  const col = (name: string) => locate(src, `const ${name} =`).column + `const ${name} = `.length;
  assert.deepEqual(got, [
    ['typo', line('typo'), col('typo'), 'error', "unknown option 'objectve' (options are name, model, objective, seqLen, bannedText, epo, dtype, description)"],
    ['typo', line('typo'), col('typo'), 'error', "'objective' must be a built-in such as neuron(2, 17) or a function (m) => …, got undefined"],
    ['badEpo', line('badEpo'), col('badEpo'), 'error', 'epo.population must be an integer ≥ 1, got 0'],
    ['unknownEpo', line('unknownEpo'), col('unknownEpo'), 'error', "unknown EPO setting 'epo.populaton' (settings are iterations, population, islands, childrenPerMember, topK, modelShare, shiftShare, seqLen, restartEvery, lambdaMin, lambdaMax, cappedSlots, xeCapMin, xeCapMax, restartLambdaMin, restartLambdaMax, seed, batchSize, bannedText, retokenize)"],
    ['twice', line('twice'), col('twice'), 'error', "'seqLen' is 8 but 'epo.seqLen' is 9; give it once"],
    ['noModel', line('noModel'), col('noModel'), 'error', "'model' must be a model reference such as 'stories260K', got undefined"],
    ['shortSeq', line('shortSeq'), col('shortSeq'), 'error', "'seqLen' must be an integer ≥ 2 (prompt tokens), got 1"],
    ['badDtype', line('badDtype'), col('badDtype'), 'error', "'dtype' must be one of 'auto', 'fp32', 'fp16', 'bf16', got \"fp8\""],
    [undefined, line('hidden'), col('hidden'), 'warning', 'this feature is not exported, so Reverie cannot find it: add `export const name = defineFeature(…)`'],
  ].sort((a, b) => (a[1] as number) - (b[1] as number) || 0));
});

test('model references: names and Hub ids stay as written, ./ and ../ paths become absolute', async () => {
  const src = `import { defineFeature, neuron } from 'reverie';
export const bundled = defineFeature({ model: 'stories260K', objective: neuron(2, 17) });
export const hub = defineFeature({ model: 'roneneldan/TinyStories-1M', objective: neuron(2, 17) });
export const local = defineFeature({ model: './models/tiny', objective: neuron(2, 17) });
`;
  const helper = `import { defineFeature, neuron } from 'reverie';\nexport const up = defineFeature({ model: '../weights/m.bin', objective: neuron(0, 0) });\n`;
  const root = workspace({ 'sub/features.ts': `${src}export { up } from './lib/helper';\n`, 'sub/lib/helper.ts': helper });
  const r = await loadFeatureFile(`${root}/sub/features.ts`, { workspaceRoot: root, trusted: true });
  assert.deepEqual(r.diagnostics, []);
  assert.deepEqual(Object.fromEntries(r.features.map((f) => [f.exportName, f.modelRef])), {
    bundled: 'stories260K',
    hub: 'roneneldan/TinyStories-1M',
    local: `${root}/sub/models/tiny`,
    up: `${root}/sub/weights/m.bin`, // relative to the helper that wrote it (sub/lib)
  });
});
