/**
 * Gemma Scope SAEs in their raw release layout (`layer_<L>/width_<W>/average_l0_<K>/params.npz`,
 * written by NumPy itself: test/reference/make_gemma_scope_sae.py): the .npz reader returns the
 * arrays NumPy wrote (stored and deflated), and each latent — by file, by folder, with the hook
 * read from the path or given — equals JumpReLU(x·W_enc + b_enc) computed here from the same
 * arrays as JSON (not through Reverie's reader) and the forward pass's own hook values.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseNpz, readNpz } from '../../src/engine/features/npz';
import { gemmaScopeHook } from '../../src/engine/features/sae';
import { stories260K, workspace, runFeatures, row, prng, locate, compileEach } from './helpers';

const FIXTURE = 'test/fixtures/saes/gemma-scope-stories260k-res/layer_2/width_32/average_l0_6';
const arrays = JSON.parse(readFileSync(join(FIXTURE, 'arrays.json'), 'utf8')) as Record<string, { shape: number[]; data: number[] }>;
const N = 6;

test('the .npz reader returns what NumPy wrote, stored or deflated; a truncated file is named', async () => {
  for (const file of [join(FIXTURE, 'params.npz'), 'test/fixtures/saes/params-compressed.npz']) {
    const got = await readNpz(file);
    assert.deepEqual([...got.keys()].sort(), Object.keys(arrays).sort());
    for (const [name, a] of Object.entries(arrays)) {
      assert.deepEqual(got.get(name)!.shape, a.shape, `${file} ${name}`);
      assert.deepEqual([...got.get(name)!.data], a.data.map(Math.fround), `${file} ${name}`);
    }
  }
  const bytes = readFileSync(join(FIXTURE, 'params.npz'));
  assert.throws(() => parseNpz(bytes.subarray(0, bytes.length - 30), 'cut.npz'), /cut\.npz: not a readable \.npz \(no zip end record\)/);
  assert.throws(() => parseNpz(Buffer.concat([bytes.subarray(0, 200), bytes.subarray(bytes.length - 2000)]), 'holes.npz'), /holes\.npz: not a readable \.npz/);
});

test('a Gemma Scope path says its hook', () => {
  assert.equal(gemmaScopeHook('/hub/gemma-scope-2b-pt-res/layer_12/width_16k/average_l0_82/params.npz'), 'blocks.12.hook_resid_post');
  assert.equal(gemmaScopeHook('gemma-scope-2b-pt-res-canonical/layer_3/width_65k/canonical'), 'blocks.3.hook_resid_post');
  assert.equal(gemmaScopeHook('gemma-scope-9b-pt-mlp/layer_20/width_16k/average_l0_57/params.npz'), 'blocks.20.hook_mlp_out');
  assert.equal(gemmaScopeHook('gemma-scope-2b-pt-att/layer_4/width_16k/x/params.npz'), 'blocks.4.attn.hook_z');
  assert.equal(gemmaScopeHook('gemma-scope-2b-pt-other/layer_4/width_16k/x/params.npz'), undefined);
  assert.equal(gemmaScopeHook('saes/params.npz'), undefined);
});

const FEATURES = `import { defineFeature, saeLatent } from 'reverie';
const M = 'stories260K';
export const byFile = defineFeature({ model: M, objective: saeLatent('./saes/gemma-scope-stories260k-res/layer_2/width_32/average_l0_6/params.npz', 5) });
export const byFolder = defineFeature({ model: M, objective: saeLatent('./saes/gemma-scope-stories260k-res/layer_2/width_32/average_l0_6', 4, { position: 2 }) });
export const givenHook = defineFeature({ model: M, objective: saeLatent('./other/params.npz', 7, { hook: 'blocks.1.hook_resid_post' }) });
export const pre = defineFeature({ model: M, objective: saeLatent('./other/params.npz', 9, { hook: 'blocks.3.hook_resid_post', preActivation: true }) });
export const noHook = defineFeature({ model: M, objective: saeLatent('./other/params.npz', 1) });
`;

test('Gemma Scope latents equal JumpReLU(x·W_enc + b_enc) from the hooks; a file without a hook is a located error', async () => {
  const npz = readFileSync(join(FIXTURE, 'params.npz'));
  const root = workspace({
    'features.ts': FEATURES,
    'saes/gemma-scope-stories260k-res/layer_2/width_32/average_l0_6/params.npz': npz,
    'other/params.npz': npz,
  });
  const model = await stories260K();
  const { diagnostics, compiled, errors } = await compileEach(model, root, 'features.ts', N);
  assert.deepEqual(diagnostics, []);
  assert.deepEqual(Object.keys(errors), ['noHook']);
  assert.match(errors.noHook.message, /SAE '\.\/other\/params\.npz': a Gemma Scope params\.npz has no config naming its hook, and the path does not say it .* give it: saeLatent\(path, latent, \{ hook: 'blocks\.<L>\.hook_resid_post' \}\)/);
  assert.equal(errors.noHook.line, locate(FEATURES, "saeLatent('./other/params.npz', 1)").line);

  const rand = prng(5);
  const prompts = Array.from({ length: 4 }, () => Array.from({ length: N }, () => 3 + Math.floor(rand() * 509)));
  const run = await runFeatures(model, Object.fromEntries(Object.entries(compiled).map(([k, c]) => [k, c.fn])), ['blocks.1.hook_resid_post', 'blocks.2.hook_resid_post', 'blocks.3.hook_resid_post'], prompts);
  const [dIn, dSae] = arrays.W_enc.shape;
  const preOf = (x: number[], i: number) => x.reduce((s, xr, r) => s + xr * arrays.W_enc.data[r * dSae + i], 0) + arrays.b_enc.data[i];
  const jump = (x: number[], i: number) => { const p = preOf(x, i); return p > arrays.threshold.data[i] ? p : 0; };
  assert.equal(dIn, 64);
  const expected: Record<string, (b: number) => number> = {
    byFile: (b) => jump(row(run.hooks['blocks.2.hook_resid_post'], b, N), 5), // BOS is sequence index 0
    byFolder: (b) => jump(row(run.hooks['blocks.2.hook_resid_post'], b, 3), 4),
    givenHook: (b) => jump(row(run.hooks['blocks.1.hook_resid_post'], b, N), 7),
    pre: (b) => preOf(row(run.hooks['blocks.3.hook_resid_post'], b, N), 9),
  };
  let gated = 0;
  for (const [name, ref] of Object.entries(expected)) {
    for (let b = 0; b < prompts.length; b++) {
      const got = run.features[name][b], want = ref(b);
      if (want === 0) gated++;
      assert.ok(Math.abs(got - want) <= 1e-5 * (1 + Math.abs(want)), `${name}[${b}]: ${got}, by hand ${want}`);
    }
  }
  assert.ok(gated < 16, 'not every latent is gated off (the comparison would be vacuous)');
});
