/**
 * Attention-output SAEs on `attn.hook_z` (test/reference/make_attention_saes.py): SAELens's
 * (cfg.json, reshape_activations "hook_z") and Gemma Scope's (-att release, params.npz) read the
 * per-head outputs [pos, head, d_head] flattened head-major, as SAELens's reshape does. Latents
 * computed here from the arrays as JSON and the forward pass's hook_z; the gradient agrees with
 * finite differences; a per-head hook other than hook_z and a d_in that is not heads × d_head are
 * located errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { featureFnFromSpec } from '../../src/engine/features/spec';
import type { FeatureView } from '../../src/engine/features/feature';
import { encodeSafetensors } from '../../src/engine/features/write-tensors';
import { stories260K, workspace, runFeatures, prng, locate, compileEach } from './helpers';
import { expectGradient, mulberry, randomInput } from '../helpers/fd';

type Arrays = Record<string, { shape: number[]; data: number[] }>;
const SAELENS = 'test/fixtures/saes/saelens-attn-stories260k';
const GEMMA = 'test/fixtures/saes/gemma-scope-stories260k-att';
const GEMMA_SAE = 'layer_1/width_32/average_l0_5';
const saelens = JSON.parse(readFileSync(join(SAELENS, 'arrays.json'), 'utf8')) as Arrays;
const gemma = JSON.parse(readFileSync(join(GEMMA, GEMMA_SAE, 'arrays.json'), 'utf8')) as Arrays;
const N = 6, HOOK = 'blocks.1.attn.hook_z';

const pre = (a: Arrays, x: number[], i: number, subtractBDec: boolean) => {
  const dSae = a.W_enc.shape[1];
  return x.reduce((s, xr, r) => s + (xr - (subtractBDec ? a.b_dec.data[r] : 0)) * a.W_enc.data[r * dSae + i], 0) + a.b_enc.data[i];
};

const FEATURES = `import { defineFeature, saeLatent } from 'reverie';
const M = 'stories260K';
${Array.from({ length: 8 }, (_, i) => `export const s${i} = defineFeature({ model: M, objective: saeLatent('./saes/saelens/${HOOK}', ${3 * i}) });
export const g${i} = defineFeature({ model: M, objective: saeLatent('./saes/gemma-scope-stories260k-att/${GEMMA_SAE}', ${3 * i + 1}) });`).join('\n')}
export const atTwo = defineFeature({ model: M, objective: saeLatent('./saes/saelens/${HOOK}', 5, { position: 2 }) });
export const onQ = defineFeature({ model: M, objective: saeLatent('./saes/on-q', 0) });
export const narrow = defineFeature({ model: M, objective: saeLatent('./saes/narrow', 0) });
`;

function saelensFolder(hook: string, dIn: number): Record<string, string | Uint8Array> {
  const f = (n: number) => new Float32Array(n).fill(0.1);
  return {
    'cfg.json': JSON.stringify({ architecture: 'standard', d_in: dIn, d_sae: 4, apply_b_dec_to_input: true, metadata: { hook_name: hook } }),
    'sae_weights.safetensors': encodeSafetensors({
      W_enc: { shape: [dIn, 4], data: f(4 * dIn) }, b_enc: { shape: [4], data: f(4) }, W_dec: { shape: [4, dIn], data: f(4 * dIn) }, b_dec: { shape: [dIn], data: f(dIn) },
    }),
  };
}

test('hook_z SAEs (SAELens and Gemma Scope -att) read the heads flattened head-major; other per-head hooks and a wrong d_in are located errors', async () => {
  const files: Record<string, string | Uint8Array> = { 'features.ts': FEATURES };
  for (const [name, content] of Object.entries(saelensFolder('blocks.1.attn.hook_q', 64))) files[`saes/on-q/${name}`] = content;
  for (const [name, content] of Object.entries(saelensFolder(HOOK, 32))) files[`saes/narrow/${name}`] = content;
  const root = workspace(files);
  cpSync(SAELENS, join(root, 'saes', 'saelens'), { recursive: true });
  cpSync(GEMMA, join(root, 'saes', 'gemma-scope-stories260k-att'), { recursive: true });
  const model = await stories260K();
  const { diagnostics, compiled, errors } = await compileEach(model, root, 'features.ts', N);
  assert.deepEqual(diagnostics, []);
  assert.deepEqual(Object.keys(errors).sort(), ['narrow', 'onQ']);
  assert.match(errors.onQ.message, /reads 'blocks\.1\.attn\.hook_q' \[pos, head, d_head\]; SAEs on \[pos, channels\] hooks and on hook_z \[pos, head, d_head\] are supported/);
  assert.equal(errors.onQ.line, locate(FEATURES, "saeLatent('./saes/on-q', 0)").line);
  assert.match(errors.narrow.message, /has d_in 32, but stories260K's 'blocks\.1\.attn\.hook_z' has 8 heads × 8 = 64 channels/);

  const rand = prng(13);
  const prompts = Array.from({ length: 6 }, () => Array.from({ length: N }, () => 3 + Math.floor(rand() * 509)));
  const run = await runFeatures(model, Object.fromEntries(Object.entries(compiled).map(([k, c]) => [k, c.fn])), [HOOK], prompts);
  const z = run.hooks[HOOK];
  assert.deepEqual(z.dims, [prompts.length, N + 1, 8, 8]);
  // hook_z at one sequence position, heads then channels (BOS is position 0).
  const flat = (b: number, pos: number) => Array.from(z.data.subarray((b * (N + 1) + pos) * 64, (b * (N + 1) + pos + 1) * 64));
  let active = 0, checked = 0;
  for (let b = 0; b < prompts.length; b++) {
    const x = flat(b, N);
    for (let k = 0; k < 8; k++) {
      const s = Math.max(0, pre(saelens, x, 3 * k, true));
      const p = pre(gemma, x, 3 * k + 1, false), g = p > gemma.threshold.data[3 * k + 1] ? p : 0;
      for (const [name, want] of [[`s${k}`, s], [`g${k}`, g]] as const) {
        const got = run.features[name][b];
        assert.ok(Math.abs(got - want) <= 1e-5 * (1 + Math.abs(want)), `${name}[${b}]: ${got}, by hand ${want}`);
        if (want > 0) active++;
        checked++;
      }
    }
    const want = Math.max(0, pre(saelens, flat(b, 3), 5, true));
    assert.ok(Math.abs(run.features.atTwo[b] - want) <= 1e-5 * (1 + want), `atTwo[${b}]: ${run.features.atTwo[b]}, by hand ${want}`);
  }
  assert.ok(active > checked / 4 && active < checked, `${active} of ${checked} latents active (neither all gated nor none)`);

  // The gradient through the flattening: a latent active on both rows of a random hook_z.
  const r = mulberry(4);
  for (let attempt = 0; attempt < 40; attempt++) {
    const input = randomInput(r, 'h', [2, N + 1, 8, 8], { scale: 1.5 });
    const last = (b: number) => input.values.slice((b * (N + 1) + N) * 64, (b * (N + 1) + N + 1) * 64);
    const l = [0, 3, 6, 9, 12, 15, 18, 21].findIndex((i) => [0, 1].every((b) => pre(saelens, last(b), i, true) > 0.05));
    if (l < 0) continue;
    const fn = featureFnFromSpec(compiled[`s${l}`].spec);
    await expectGradient(`hook_z SAE latent ${3 * l}`, 'float32', [input], ([h]) => fn({ hook: () => h, n: N, offset: 1, forward: undefined } as unknown as FeatureView), { eps: 1e-3 });
    return;
  }
  assert.fail('no input in 40 draws makes a latent active on both rows');
});
