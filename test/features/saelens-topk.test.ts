/**
 * TopK SAEs in SAELens's layout (architecture "topk", test/reference/make_saelens_topk_sae.py): a
 * latent is relu(pre_i) when pre_i = (x − b_dec)·W_enc[:, i] + b_enc[i] is among the token's k
 * largest, else 0; with rescale_acts_by_decoder_norm every pre_i is first multiplied by ‖W_dec[i]‖
 * (which changes which latents are kept). Computed here from the arrays as JSON and the hooks; the
 * gradient agrees with finite differences away from ties of the k-th value.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadFeatureFile } from '../../src/engine/features/load';
import { compileFeature, CompiledFeature } from '../../src/engine/features/compile';
import { featureFnFromSpec } from '../../src/engine/features/spec';
import type { FeatureView } from '../../src/engine/features/feature';
import { stories260K, workspace, runFeatures, row, prng } from './helpers';
import { expectGradient, mulberry, randomInput } from '../helpers/fd';

const FIXTURE = 'test/fixtures/saes/saelens-topk-stories260k';
const arrays = JSON.parse(readFileSync(join(FIXTURE, 'arrays.json'), 'utf8')) as Record<string, { shape: number[]; data: number[] }>;
const [D_IN, D_SAE] = arrays.W_enc.shape;
const K = 4, N = 6;
const decNorm = Array.from({ length: D_SAE }, (_, l) => Math.hypot(...arrays.W_dec.data.slice(l * D_IN, (l + 1) * D_IN)));

function pres(x: number[], rescale: boolean): number[] {
  return Array.from({ length: D_SAE }, (_, l) => {
    const p = x.reduce((s, xr, r) => s + (xr - arrays.b_dec.data[r]) * arrays.W_enc.data[r * D_SAE + l], 0) + arrays.b_enc.data[l];
    return rescale ? p * decNorm[l] : p;
  });
}
function topK(x: number[], i: number, rescale: boolean): number {
  const all = pres(x, rescale);
  const kth = [...all].sort((a, b) => b - a)[K - 1];
  return all[i] >= kth ? Math.max(0, all[i]) : 0;
}

const FEATURES = `import { defineFeature, saeLatent } from 'reverie';
const M = 'stories260K';
${Array.from({ length: 32 }, (_, i) => `export const p${i} = defineFeature({ model: M, objective: saeLatent('./saes/blocks.2.topk', ${i}) });
export const r${i} = defineFeature({ model: M, objective: saeLatent('./saes/blocks.2.topk-rescaled', ${i}) });`).join('\n')}
`;

let compiled: Record<string, CompiledFeature>;

test('SAELens TopK latents equal the kept relu of the (rescaled) pre-activations from the hooks', async () => {
  const root = workspace({ 'features.ts': FEATURES });
  cpSync(FIXTURE, join(root, 'saes'), { recursive: true });
  const model = await stories260K();
  const loaded = await loadFeatureFile(`${root}/features.ts`, { workspaceRoot: root, trusted: true });
  assert.deepEqual(loaded.diagnostics.map((d) => d.format()), []);
  compiled = {};
  for (const f of loaded.features) compiled[f.exportName] = await compileFeature(f, model, { seqLen: N });
  const rand = prng(21);
  const prompts = Array.from({ length: 8 }, () => Array.from({ length: N }, () => 3 + Math.floor(rand() * 509)));
  const run = await runFeatures(model, Object.fromEntries(Object.entries(compiled).map(([k, c]) => [k, c.fn])), ['blocks.2.hook_resid_post'], prompts);
  const x = (b: number) => row(run.hooks['blocks.2.hook_resid_post'], b, N);
  let kept = 0, keptDiffer = 0;
  for (let b = 0; b < prompts.length; b++) {
    for (let i = 0; i < D_SAE; i++) {
      for (const [name, rescale] of [[`p${i}`, false], [`r${i}`, true]] as const) {
        const got = run.features[name][b], want = topK(x(b), i, rescale);
        assert.ok(Math.abs(got - want) <= 1e-5 * (1 + Math.abs(want)), `${name}[${b}]: ${got}, by hand ${want}`);
        if (want > 0) kept++;
      }
      if ((topK(x(b), i, false) > 0) !== (topK(x(b), i, true) > 0)) keptDiffer++;
    }
    const nonzero = Array.from({ length: D_SAE }, (_, i) => run.features[`p${i}`][b]).filter((v) => v > 0).length;
    assert.ok(nonzero <= K, `prompt ${b}: ${nonzero} latents kept, at most k = ${K}`);
  }
  assert.ok(kept > 0 && keptDiffer > 0, `kept ${kept}; latents whose keeping the rescaling changes: ${keptDiffer}`);
});

test("a SAELens TopK latent's gradient agrees with finite differences", async () => {
  const rand = mulberry(9);
  for (let attempt = 0; attempt < 80; attempt++) {
    const input = randomInput(rand, 'h', [2, N + 1, D_IN], { scale: 1.5 });
    const last = (b: number) => input.values.slice((b * (N + 1) + N) * D_IN, (b * (N + 1) + N + 1) * D_IN);
    // A latent kept on both rows, clear of the k-th value and of relu's kink (the rescaled SAE).
    const clear = (l: number) => [0, 1].every((b) => {
      const all = pres(last(b), true);
      const sorted = [...all].sort((p, q) => q - p);
      return all[l] >= sorted[K - 1] && Math.min(all[l] - sorted[K], all[l]) >= 0.05;
    });
    const l = Array.from({ length: D_SAE }, (_, i) => i).find(clear);
    if (l === undefined) continue;
    const fn = featureFnFromSpec(compiled[`r${l}`].spec);
    await expectGradient(`SAELens TopK latent ${l}`, 'float32', [input], ([h]) => fn({ hook: () => h, n: N, offset: 1, forward: undefined } as unknown as FeatureView), { eps: 1e-3 });
    return;
  }
  assert.fail('no input in 80 draws keeps a latent clear of the k-th value on both rows');
});
