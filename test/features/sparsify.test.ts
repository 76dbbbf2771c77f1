/**
 * TopK SAEs in EleutherAI sparsify's layout (a hookpoint folder `layers.2` with cfg.json and
 * sae.safetensors: test/reference/make_sparsify_sae.py): a latent equals
 * relu((x − b_dec)·encoder.weightᵀ + encoder.bias)[i] when it is among the token's k largest and 0
 * otherwise — computed here from the arrays as JSON and the forward pass's hook values — and its
 * gradient agrees with finite differences (inputs away from ties of the k-th value).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadFeatureFile } from '../../src/engine/features/load';
import { compileFeature, CompiledFeature } from '../../src/engine/features/compile';
import { featureFnFromSpec } from '../../src/engine/features/spec';
import { sparsifyHook } from '../../src/engine/features/sae';
import type { FeatureView } from '../../src/engine/features/feature';
import { stories260K, workspace, runFeatures, row, prng } from './helpers';
import { expectGradient, mulberry, randomInput } from '../helpers/fd';

const FIXTURE = 'test/fixtures/saes/sparsify-stories260k';
const arrays = JSON.parse(readFileSync(join(FIXTURE, 'arrays.json'), 'utf8')) as Record<string, { shape: number[]; data: number[] }>;
const [D_SAE, D_IN] = arrays['encoder.weight'].shape;
const K = 4, N = 6;

/** relu((x − b_dec)·Wᵀ + b) for every latent, from the JSON arrays. */
function latents(x: number[]): number[] {
  const W = arrays['encoder.weight'].data, b = arrays['encoder.bias'].data, bDec = arrays['b_dec'].data;
  return Array.from({ length: D_SAE }, (_, l) => Math.max(0, x.reduce((s, xr, r) => s + (xr - bDec[r]) * W[l * D_IN + r], 0) + b[l]));
}
function topKLatent(x: number[], i: number): number {
  const all = latents(x);
  const kth = [...all].sort((a, b) => b - a)[K - 1];
  return all[i] >= kth ? all[i] : 0;
}

test('a sparsify hookpoint says its hook', () => {
  assert.equal(sparsifyHook('layers.2'), 'blocks.2.hook_resid_post');
  assert.equal(sparsifyHook('layers.11.mlp'), 'blocks.11.hook_mlp_out');
  assert.equal(sparsifyHook('gpt_neox.layers.5'), 'blocks.5.hook_resid_post');
  assert.equal(sparsifyHook('h.3'), 'blocks.3.hook_resid_post');
  assert.equal(sparsifyHook('embed_tokens'), undefined);
});

// Every latent at the last position (so each prompt keeps exactly k of them), and a few variants.
const FEATURES = `import { defineFeature, saeLatent } from 'reverie';
const M = 'stories260K';
${Array.from({ length: 32 }, (_, i) => `export const l${i} = defineFeature({ model: M, objective: saeLatent('./saes/layers.2', ${i}) });`).join('\n')}
export const l7at3 = defineFeature({ model: M, objective: saeLatent('./saes/layers.2', 7, { position: 3 }) });
export const l13pre = defineFeature({ model: M, objective: saeLatent('./saes/layers.2', 13, { preActivation: true }) });
export const other = defineFeature({ model: M, objective: saeLatent('./saes/renamed', 21, { hook: 'blocks.1.hook_resid_post' }) });
`;

let compiled: Record<string, CompiledFeature>;

test('TopK latents equal the kept relu((x − b_dec)·Wᵀ + b) from the hooks', async () => {
  const root = workspace({ 'features.ts': FEATURES });
  cpSync(join(FIXTURE, 'layers.2'), join(root, 'saes', 'layers.2'), { recursive: true });
  cpSync(join(FIXTURE, 'layers.2'), join(root, 'saes', 'renamed'), { recursive: true });
  const model = await stories260K();
  const loaded = await loadFeatureFile(`${root}/features.ts`, { workspaceRoot: root, trusted: true });
  assert.deepEqual(loaded.diagnostics.map((d) => d.format()), []);
  compiled = {};
  for (const f of loaded.features) compiled[f.exportName] = await compileFeature(f, model, { seqLen: N });
  // What the panel's header and the CLI's summary say the feature reads.
  assert.deepEqual(compiled.l13.saeLatents, [{ sae: './saes/layers.2', latent: 13, hook: 'blocks.2.hook_resid_post' }]);
  assert.deepEqual(compiled.other.saeLatents, [{ sae: './saes/renamed', latent: 21, hook: 'blocks.1.hook_resid_post' }]);
  const rand = prng(8);
  const prompts = Array.from({ length: 8 }, () => Array.from({ length: N }, () => 3 + Math.floor(rand() * 509)));
  const run = await runFeatures(model, Object.fromEntries(Object.entries(compiled).map(([k, c]) => [k, c.fn])), ['blocks.1.hook_resid_post', 'blocks.2.hook_resid_post'], prompts);
  const r2 = (b: number, p: number) => row(run.hooks['blocks.2.hook_resid_post'], b, p);
  const expected: Record<string, (b: number) => number> = {
    ...Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`l${i}`, (b: number) => topKLatent(r2(b, N), i)])),
    l7at3: (b) => topKLatent(r2(b, 3 + 1), 7), // prompt position 3 is row 4 (after BOS)
    l13pre: (b) => { const W = arrays['encoder.weight'].data, bDec = arrays['b_dec'].data; return r2(b, N).reduce((s, x, r) => s + (x - bDec[r]) * W[13 * D_IN + r], 0) + arrays['encoder.bias'].data[13]; },
    other: (b) => topKLatent(row(run.hooks['blocks.1.hook_resid_post'], b, N), 21),
  };
  let kept = 0, dropped = 0;
  for (const [name, ref] of Object.entries(expected)) {
    for (let b = 0; b < prompts.length; b++) {
      const got = run.features[name][b], want = ref(b);
      if (name !== 'l13pre') { if (want > 0) kept++; else dropped++; }
      assert.ok(Math.abs(got - want) <= 1e-5 * (1 + Math.abs(want)), `${name}[${b}]: ${got}, by hand ${want}`);
    }
  }
  assert.ok(kept > 0 && dropped > 0, `both kept (${kept}) and dropped (${dropped}) latents are compared`);
  for (let b = 0; b < prompts.length; b++) {
    const nonzero = Array.from({ length: 32 }, (_, i) => run.features[`l${i}`][b]).filter((v) => v > 0).length;
    assert.ok(nonzero <= K, `prompt ${b}: ${nonzero} latents kept, at most k = ${K}`);
  }
});

test('a TopK latent\'s gradient agrees with finite differences', async () => {
  const { spec } = compiled.l13;
  const fn = featureFnFromSpec(spec);
  // Find a residual input where latent 13 is kept and clear of the k-th value on both rows.
  const rand = mulberry(3);
  for (let attempt = 0; attempt < 50; attempt++) {
    const input = randomInput(rand, 'h', [2, N + 1, D_IN], { scale: 1.5 });
    const last = (b: number) => input.values.slice((b * (N + 1) + N) * D_IN, (b * (N + 1) + N + 1) * D_IN);
    const margins = [0, 1].map((b) => {
      const all = latents(last(b));
      const sorted = [...all].sort((x, y) => y - x);
      return all[13] >= sorted[K - 1] ? Math.min(all[13] - sorted[K], all[13]) : -1;
    });
    if (margins.some((m) => m < 0.05)) continue;
    await expectGradient('TopK latent 13', 'float32', [input], ([h]) => {
      const view = { hook: () => h, n: N, offset: 1, forward: undefined } as unknown as FeatureView;
      return fn(view);
    }, { eps: 1e-3 });
    return;
  }
  assert.fail('no input in 50 draws keeps latent 13 clear of the k-th value on both rows');
});
