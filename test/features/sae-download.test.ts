/**
 * Named SAEs download like models when downloads are allowed: from a local stand-in for the Hub
 * (127.0.0.1), into the Hugging Face cache layout, found there offline afterwards, giving the same
 * latents as the same files by path. Offline, a missing SAE is the located error that says how to
 * fetch it; a repo path with no SAE says what was tried.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFeatureFile } from '../../src/engine/features/load';
import { compileFeature } from '../../src/engine/features/compile';
import type { SaeHubOptions } from '../../src/engine/features/sae-sources';
import { FeatureError } from '../../src/engine/features/errors';
import { startHubServer } from '../helpers/hub-server';
import { stories260K, workspace, runFeatures, prng, locate } from './helpers';

const GS = 'test/fixtures/saes/gemma-scope-stories260k-res';
const SP = 'test/fixtures/saes/sparsify-stories260k';
const FEATURES = `import { defineFeature, saeLatent } from 'reverie';
const M = 'stories260K';
export const canonical = defineFeature({ model: M, objective: saeLatent({ release: 'gemma-scope-2b-pt-res-canonical', id: 'layer_2/width_16k/canonical' }, 5) });
export const byPath = defineFeature({ model: M, objective: saeLatent('./gs/params.npz', 5, { hook: 'blocks.2.hook_resid_post' }) });
export const sparsify = defineFeature({ model: M, objective: saeLatent({ repo: 'org/sparsify-tiny', path: 'layers.2' }, 13) });
export const sparsifyByPath = defineFeature({ model: M, objective: saeLatent('./sp/layers.2', 13) });
export const nothing = defineFeature({ model: M, objective: saeLatent({ repo: 'org/sparsify-tiny', path: 'layers.9' }, 1) });
`;

test('named SAEs download into the cache when allowed, and are found there offline afterwards', async () => {
  // The canonical id names layer_2/width_16k/average_l0_141 (sae-releases.json): serve the test SAE there.
  const gsRepo = mkdtempSync(join(tmpdir(), 'reverie-gs-repo-'));
  cpSync(join(GS, 'layer_2/width_32/average_l0_6'), join(gsRepo, 'layer_2/width_16k/average_l0_141'), { recursive: true });
  const hub = await startHubServer({ repos: [
    { id: 'google/gemma-scope-2b-pt-res', dir: gsRepo, commit: 'a'.repeat(40), files: ['layer_2/width_16k/average_l0_141/params.npz'] },
    { id: 'org/sparsify-tiny', dir: SP, commit: 'b'.repeat(40), files: ['layers.2/cfg.json', 'layers.2/sae.safetensors'] },
  ] });
  const cacheDir = mkdtempSync(join(tmpdir(), 'reverie-sae-dl-'));
  const root = workspace({ 'features.ts': FEATURES });
  cpSync(join(GS, 'layer_2/width_32/average_l0_6'), join(root, 'gs'), { recursive: true });
  cpSync(join(SP, 'layers.2'), join(root, 'sp', 'layers.2'), { recursive: true });
  try {
    const model = await stories260K();
    const loaded = await loadFeatureFile(join(root, 'features.ts'), { workspaceRoot: root, trusted: true });
    const f = Object.fromEntries(loaded.features.map((x) => [x.exportName, x]));
    const offline: SaeHubOptions = { cacheDir, endpoint: hub.endpoint, env: {} };
    await assert.rejects(compileFeature(f.canonical, model, { hub: offline }), (e: FeatureError) =>
      /is not in the Hugging Face cache .*`huggingface-cli download google\/gemma-scope-2b-pt-res --include 'layer_2\/width_16k\/average_l0_141\/\*'`, or allow downloads \(the CLI option --allow-download\)/.test(e.message) &&
      e.line === locate(FEATURES, "saeLatent({ release: 'gemma-scope-2b-pt-res-canonical'").line);
    assert.equal(hub.requests.length, 0, 'offline asks the Hub nothing');

    const online: SaeHubOptions = { ...offline, allowDownload: true };
    const compiled = {
      canonical: await compileFeature(f.canonical, model, { hub: online }),
      byPath: await compileFeature(f.byPath, model),
      sparsify: await compileFeature(f.sparsify, model, { hub: online }),
      sparsifyByPath: await compileFeature(f.sparsifyByPath, model),
    };
    assert.ok(existsSync(join(cacheDir, 'models--google--gemma-scope-2b-pt-res', 'snapshots', 'a'.repeat(40), 'layer_2/width_16k/average_l0_141/params.npz')));
    assert.ok(existsSync(join(cacheDir, 'models--org--sparsify-tiny', 'snapshots', 'b'.repeat(40), 'layers.2/sae.safetensors')));
    await assert.rejects(compileFeature(f.nothing, model, { hub: online }), (e: FeatureError) =>
      /org\/sparsify-tiny@main has no SAE at 'layers\.9' \(tried layers\.9\/cfg\.json, layers\.9\/params\.npz\)/.test(e.message));

    const rand = prng(6);
    const prompts = Array.from({ length: 4 }, () => Array.from({ length: 6 }, () => 3 + Math.floor(rand() * 509)));
    const run = await runFeatures(model, Object.fromEntries(Object.entries(compiled).map(([k, c]) => [k, c.fn])), [], prompts);
    assert.deepEqual([...run.features.canonical], [...run.features.byPath]);
    assert.deepEqual([...run.features.sparsify], [...run.features.sparsifyByPath]);

    // Afterwards offline finds them in the cache, asking the Hub nothing more.
    const asked = hub.requests.length;
    await compileFeature(f.canonical, model, { hub: offline });
    await compileFeature(f.sparsify, model, { hub: offline });
    assert.equal(hub.requests.length, asked);
  } finally {
    await hub.close();
    rmSync(cacheDir, { recursive: true, force: true });
    rmSync(gsRepo, { recursive: true, force: true });
  }
});
