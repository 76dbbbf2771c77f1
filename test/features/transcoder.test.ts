/**
 * Transcoders in SAELens's layout (test/reference/make_saelens_transcoder.py: a JumpReLU
 * transcoder from block 1's ln2.hook_normalized to its hook_mlp_out): transcoderLatent(…, i) equals
 * relu(pre)·[pre > threshold_i] for pre = x·W_enc[:, i] + b_enc[i] on the input hook — b_dec, in the
 * output space, is never subtracted — computed here from the arrays as JSON and the forward pass's
 * hook values; the ReLU architecture drops the threshold; the gradient agrees with finite
 * differences; and the wrong kind of file, or a config without its output hook, is a located error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadFeatureFile } from '../../src/engine/features/load';
import { compileFeature, CompiledFeature } from '../../src/engine/features/compile';
import { featureFnFromSpec } from '../../src/engine/features/spec';
import { FeatureError } from '../../src/engine/features/errors';
import type { FeatureView } from '../../src/engine/features/feature';
import { stories260K, workspace, runFeatures, row, prng, locate } from './helpers';
import { expectGradient, mulberry, randomInput } from '../helpers/fd';

const FIXTURE = 'test/fixtures/saes/transcoder-stories260k';
const arrays = JSON.parse(readFileSync(join(FIXTURE, 'arrays.json'), 'utf8')) as Record<string, { shape: number[]; data: number[] }>;
const [D_IN, D_SAE] = arrays.W_enc.shape;
const N = 6;
const IN = 'blocks.1.ln2.hook_normalized';

const pre = (x: number[], i: number) => x.reduce((s, xr, r) => s + xr * arrays.W_enc.data[r * D_SAE + i], 0) + arrays.b_enc.data[i];
const jump = (x: number[], i: number) => { const p = pre(x, i); return p > arrays.threshold.data[i] ? Math.max(0, p) : 0; };

const FEATURES = `import { defineFeature, transcoderLatent, saeLatent } from 'reverie';
const M = 'stories260K';
${Array.from({ length: 24 }, (_, i) => `export const t${i} = defineFeature({ model: M, objective: transcoderLatent('./tc/blocks.1.mlp', ${i}) });`).join('\n')}
export const t5at2 = defineFeature({ model: M, objective: transcoderLatent('./tc/blocks.1.mlp', 5, { position: 2 }) });
export const t9pre = defineFeature({ model: M, objective: transcoderLatent('./tc/blocks.1.mlp', 9, { preActivation: true }) });
export const relu9 = defineFeature({ model: M, objective: transcoderLatent('./tc/relu', 9) });
export const asSae = defineFeature({ model: M, objective: saeLatent('./tc/blocks.1.mlp', 9) });
`;

let compiled: Record<string, CompiledFeature>;

test('transcoder latents equal the encoder on the input hook, without b_dec', async () => {
  const root = workspace({ 'features.ts': FEATURES });
  cpSync(join(FIXTURE, 'blocks.1.mlp'), join(root, 'tc', 'blocks.1.mlp'), { recursive: true });
  cpSync(join(FIXTURE, 'blocks.1.mlp'), join(root, 'tc', 'relu'), { recursive: true });
  const cfgPath = join(root, 'tc', 'relu', 'cfg.json');
  writeFileSync(cfgPath, JSON.stringify({ ...JSON.parse(readFileSync(cfgPath, 'utf8')), architecture: 'transcoder' }));
  const model = await stories260K();
  const loaded = await loadFeatureFile(`${root}/features.ts`, { workspaceRoot: root, trusted: true });
  assert.deepEqual(loaded.diagnostics.map((d) => d.format()), []);
  compiled = {};
  for (const f of loaded.features) compiled[f.exportName] = await compileFeature(f, model, { seqLen: N });
  assert.deepEqual(compiled.t3.saeLatents, [{ sae: './tc/blocks.1.mlp', latent: 3, hook: IN, hookOut: 'blocks.1.hook_mlp_out' }]);
  const rand = prng(12);
  const prompts = Array.from({ length: 8 }, () => Array.from({ length: N }, () => 3 + Math.floor(rand() * 509)));
  const run = await runFeatures(model, Object.fromEntries(Object.entries(compiled).map(([k, c]) => [k, c.fn])), [IN], prompts);
  const x = (b: number, p: number) => row(run.hooks[IN], b, p);
  const expected: Record<string, (b: number) => number> = {
    ...Object.fromEntries(Array.from({ length: 24 }, (_, i) => [`t${i}`, (b: number) => jump(x(b, N), i)])),
    t5at2: (b) => jump(x(b, 2 + 1), 5), // prompt position 2 is row 3 (after BOS)
    t9pre: (b) => pre(x(b, N), 9),
    relu9: (b) => Math.max(0, pre(x(b, N), 9)),
    asSae: (b) => jump(x(b, N), 9),
  };
  let on = 0, off = 0, belowThreshold = 0;
  for (const [name, ref] of Object.entries(expected)) {
    for (let b = 0; b < prompts.length; b++) {
      const got = run.features[name][b], want = ref(b);
      if (/^t\d+$/.test(name)) {
        if (want > 0) on++;
        else off++;
        const i = Number(name.slice(1)), p = pre(x(b, N), i);
        if (p > 0 && p <= arrays.threshold.data[i]) belowThreshold++;
      }
      assert.ok(Math.abs(got - want) <= 1e-5 * (1 + Math.abs(want)), `${name}[${b}]: ${got}, by hand ${want}`);
    }
  }
  assert.ok(on > 0 && off > 0 && belowThreshold > 0, `on ${on}, off ${off}, positive but under the threshold ${belowThreshold}`);
});

test('a transcoder latent\'s gradient agrees with finite differences', async () => {
  const fn = featureFnFromSpec(compiled.relu9.spec);
  const rand = mulberry(5);
  for (let attempt = 0; attempt < 50; attempt++) {
    const input = randomInput(rand, 'h', [2, N + 1, D_IN], { scale: 1.5 });
    const last = (b: number) => input.values.slice((b * (N + 1) + N) * D_IN, (b * (N + 1) + N + 1) * D_IN);
    if ([0, 1].some((b) => pre(last(b), 9) < 0.05)) continue; // away from relu's kink
    await expectGradient('transcoder latent 9', 'float32', [input], ([h]) => fn({ hook: () => h, n: N, offset: 1, forward: undefined } as unknown as FeatureView), { eps: 1e-3 });
    return;
  }
  assert.fail('no input in 50 draws has latent 9 clearly on in both rows');
});

test('transcoderLatent on an SAE, and a transcoder config without its output hook, are located errors', async () => {
  const src = `import { defineFeature, transcoderLatent } from 'reverie';
export const notTc = defineFeature({ model: 'stories260K', objective: transcoderLatent('./sae/layers.2', 1) });
export const noOut = defineFeature({ model: 'stories260K', objective: transcoderLatent('./tc/noout', 1) });
export const badOut = defineFeature({ model: 'stories260K', objective: transcoderLatent('./tc/badout', 1) });
export const wideOut = defineFeature({ model: 'stories260K', objective: transcoderLatent('./tc/wideout', 1) });
`;
  const root = workspace({ 'features.ts': src });
  cpSync('test/fixtures/saes/sparsify-stories260k/layers.2', join(root, 'sae', 'layers.2'), { recursive: true });
  cpSync(join(FIXTURE, 'blocks.1.mlp'), join(root, 'tc', 'noout'), { recursive: true });
  const cfgPath = join(root, 'tc', 'noout', 'cfg.json');
  const { hook_name_out: _drop, ...cfg } = JSON.parse(readFileSync(cfgPath, 'utf8'));
  writeFileSync(cfgPath, JSON.stringify(cfg));
  for (const [name, change] of [['badout', { hook_name_out: 'blocks.9.hook_mlp_out' }], ['wideout', { d_out: 65 }]] as const) {
    cpSync(join(FIXTURE, 'blocks.1.mlp'), join(root, 'tc', name), { recursive: true });
    const path = join(root, 'tc', name, 'cfg.json');
    writeFileSync(path, JSON.stringify({ ...JSON.parse(readFileSync(path, 'utf8')), ...change }));
  }
  const loaded = await loadFeatureFile(`${root}/features.ts`, { workspaceRoot: root, trusted: true });
  const model = await stories260K();
  const byName = Object.fromEntries(loaded.features.map((f) => [f.exportName, f]));
  await assert.rejects(compileFeature(byName.notTc, model), (e: FeatureError) =>
    /'\.\/sae\/layers\.2' is an SAE, not a transcoder .*read it with saeLatent/.test(e.message) && e.line === 2 && e.column === locate(src, 'transcoderLatent(').column);
  await assert.rejects(compileFeature(byName.noOut, model), (e: FeatureError) =>
    /cfg\.json of a 'jumprelu_transcoder' names no output hook \(expected "hook_name_out"\)/.test(e.message) && e.line === 3);
  await assert.rejects(compileFeature(byName.badOut, model), (e: FeatureError) => /writes 'blocks\.9\.hook_mlp_out': .*layer 9/.test(e.message) && e.line === 4);
  await assert.rejects(compileFeature(byName.wideOut, model), (e: FeatureError) => /cfg\.json says d_out = 65 but W_dec is \[24, 64\]/.test(e.message) && e.line === 5);
});
