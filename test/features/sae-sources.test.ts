/**
 * SAEs by name from the Hugging Face cache: `{ release, id }` and `{ repo, path }` resolve to the
 * cached snapshot (the same latents as the same files by path), and what is not cached is an
 * error at the saeLatent call that gives the download command.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseNamedSae } from '../../src/engine/features/sae-sources';
import { stories260K, workspace, runFeatures, prng, locate, compileEach } from './helpers';

const COMMIT = 'c'.repeat(40);
function cachedRepo(cache: string, repo: string, files: Record<string, string>): void {
  const root = join(cache, `models--${repo.replace('/', '--')}`);
  mkdirSync(join(root, 'refs'), { recursive: true });
  writeFileSync(join(root, 'refs', 'main'), COMMIT);
  for (const [to, from] of Object.entries(files)) cpSync(from, join(root, 'snapshots', COMMIT, to), { recursive: true });
}

test('SAE names parse to a repo, a revision and a path', () => {
  assert.deepEqual(parseNamedSae('release:gemma-scope-2b-pt-res/layer_12/width_16k/average_l0_82'), { repo: 'google/gemma-scope-2b-pt-res', revision: 'main', path: 'layer_12/width_16k/average_l0_82' });
  assert.deepEqual(parseNamedSae('hf:EleutherAI/sae-llama-3-8b-32x@v1/layers.6'), { repo: 'EleutherAI/sae-llama-3-8b-32x', revision: 'v1', path: 'layers.6' });
  assert.deepEqual(parseNamedSae('hf:org/repo'), { repo: 'org/repo', revision: 'main', path: '' });
  // -canonical ids name an average_l0 folder through SAELens's table (sae-releases.json).
  assert.deepEqual(parseNamedSae('release:gemma-scope-2b-pt-res-canonical/layer_12/width_16k/canonical'), { repo: 'google/gemma-scope-2b-pt-res', revision: 'main', path: 'layer_12/width_16k/average_l0_82' });
  assert.deepEqual(parseNamedSae('release:gemma-scope-9b-pt-mlp-canonical/layer_0/width_16k/canonical').repo, 'google/gemma-scope-9b-pt-mlp');
  assert.throws(() => parseNamedSae('release:gemma-scope-2b-pt-res-canonical/layer_12/width_8k/canonical'),
    /has no id 'layer_12\/width_8k\/canonical'; for layer_12 it has layer_12\/width_16k\/canonical, layer_12\/width_1m\/canonical/);
  assert.throws(() => parseNamedSae('release:gemma-scope-2b-pt-res-canonical'), /needs an id \(e\.g\. 'layer_0\/width_16k\/canonical'\)/);
  assert.deepEqual(parseNamedSae('release:gemma-scope-2b-pt-att-canonical/layer_5/width_16k/canonical').repo, 'google/gemma-scope-2b-pt-att');
  assert.throws(() => parseNamedSae('release:gpt2-small-attn-out-v5-32k/blocks.0.hook_z'), /not one Reverie knows/);
  assert.throws(() => parseNamedSae('release:gemma-scope-2b-pt-res'), /needs an id/);
});

const FEATURES = `import { defineFeature, saeLatent, transcoderLatent } from 'reverie';
const M = 'stories260K';
export const byCanonical = defineFeature({ model: M, objective: saeLatent({ release: 'gemma-scope-2b-pt-res-canonical', id: 'layer_2/width_16k/canonical' }, 5) });
export const tcByRelease = defineFeature({ model: M, objective: transcoderLatent({ release: 'gemma-scope-2b-pt-transcoders', id: 'layer_1/width_32/average_l0_6' }, 5) });
export const tcByPath = defineFeature({ model: M, objective: transcoderLatent('./gemma-scope-2b-pt-transcoders/layer_1/width_32/average_l0_6', 5) });
export const byRelease = defineFeature({ model: M, objective: saeLatent({ release: 'gemma-scope-2b-pt-res', id: 'layer_2/width_32/average_l0_6' }, 5) });
export const byPath = defineFeature({ model: M, objective: saeLatent('./gemma-scope-res/layer_2/width_32/average_l0_6', 5) });
export const byRepo = defineFeature({ model: M, objective: saeLatent({ repo: 'org/sparsify-tiny', path: 'layers.2' }, 13) });
export const sparsifyByPath = defineFeature({ model: M, objective: saeLatent('./sp/layers.2', 13) });
export const absent = defineFeature({ model: M, objective: saeLatent({ repo: 'org/absent', path: 'layers.1' }, 0) });
`;

test('named SAEs come from the cache, as the same files by path do; an uncached one says how to fetch it', async () => {
  const cache = mkdtempSync(join(tmpdir(), 'reverie-sae-cache-'));
  const gs = 'test/fixtures/saes/gemma-scope-stories260k-res/layer_2/width_32/average_l0_6';
  const sp = 'test/fixtures/saes/sparsify-stories260k/layers.2';
  // The canonical id's folder holds the same test SAE, so it must give the same latents.
  cachedRepo(cache, 'google/gemma-scope-2b-pt-res', { 'layer_2/width_32/average_l0_6': gs, 'layer_2/width_16k/average_l0_141': gs });
  // The same params.npz as a Gemma Scope transcoder of block 1 (d_in = d_out = 64): ln2.hook_normalized in, hook_mlp_out out.
  cachedRepo(cache, 'google/gemma-scope-2b-pt-transcoders', { 'layer_1/width_32/average_l0_6': gs });
  cachedRepo(cache, 'org/sparsify-tiny', { 'layers.2': sp });
  const root = workspace({ 'features.ts': FEATURES });
  cpSync(gs, join(root, 'gemma-scope-res', 'layer_2', 'width_32', 'average_l0_6'), { recursive: true });
  cpSync(sp, join(root, 'sp', 'layers.2'), { recursive: true });
  cpSync(gs, join(root, 'gemma-scope-2b-pt-transcoders', 'layer_1', 'width_32', 'average_l0_6'), { recursive: true });
  const saved = process.env.HF_HUB_CACHE;
  process.env.HF_HUB_CACHE = cache;
  try {
    const model = await stories260K();
    const { diagnostics, compiled, errors } = await compileEach(model, root, 'features.ts', 6);
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(Object.keys(errors), ['absent']);
    assert.deepEqual(compiled.byRelease.saeLatents, [{ sae: 'gemma-scope-2b-pt-res/layer_2/width_32/average_l0_6', latent: 5, hook: 'blocks.2.hook_resid_post' }]);
    assert.deepEqual(compiled.byRepo.saeLatents, [{ sae: 'org/sparsify-tiny/layers.2', latent: 13, hook: 'blocks.2.hook_resid_post' }]);
    assert.match(errors.absent.message, /org\/absent \(main\) is not in the Hugging Face cache at .*models--org--absent; fetch it with `huggingface-cli download org\/absent --include 'layers\.1\/\*'`/);
    assert.equal(errors.absent.line, locate(FEATURES, "saeLatent({ repo: 'org/absent'").line);
    const rand = prng(4);
    const prompts = Array.from({ length: 4 }, () => Array.from({ length: 6 }, () => 3 + Math.floor(rand() * 509)));
    const run = await runFeatures(model, Object.fromEntries(Object.entries(compiled).map(([k, c]) => [k, c.fn])), [], prompts);
    assert.deepEqual([...run.features.byRelease], [...run.features.byPath]);
    assert.deepEqual([...run.features.byCanonical], [...run.features.byPath]);
    assert.deepEqual(compiled.byCanonical.saeLatents[0].sae, 'gemma-scope-2b-pt-res-canonical/layer_2/width_16k/canonical');
    assert.deepEqual(compiled.tcByRelease.saeLatents, [{ sae: 'gemma-scope-2b-pt-transcoders/layer_1/width_32/average_l0_6', latent: 5, hook: 'blocks.1.ln2.hook_normalized', hookOut: 'blocks.1.hook_mlp_out' }]);
    assert.deepEqual([...run.features.tcByRelease], [...run.features.tcByPath]);
    assert.notDeepEqual([...run.features.tcByRelease], [...run.features.byPath], 'the transcoder reads its own (input) hook');
    assert.deepEqual([...run.features.byRepo], [...run.features.sparsifyByPath]);
    assert.ok([...run.features.byPath].some((v) => v !== 0), 'not every value is gated off');
  } finally {
    if (saved === undefined) delete process.env.HF_HUB_CACHE; else process.env.HF_HUB_CACHE = saved;
  }
});
