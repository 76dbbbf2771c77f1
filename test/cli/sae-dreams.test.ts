/**
 * SAE and transcoder latents dreamed from a feature file by the CLI, one per kind Reverie reads:
 * ReLU (the example SAE, SAELens), JumpReLU (Gemma Scope params.npz), TopK (sparsify and SAELens),
 * an attention-output SAE on hook_z, and a transcoder. Each dream finishes, names its SAE, latent
 * and hook, and finds prompts on which its latent is active.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCli } from './cli-run';
import { inParallel } from '../../src/engine/util/parallel';

const root = mkdtempSync(join(tmpdir(), 'reverie-sae-dreams-'));
cpSync(resolve('test/fixtures/saes'), join(root, 'saes'), { recursive: true });
cpSync(resolve('examples/saes'), join(root, 'examples'), { recursive: true });

const KINDS: [name: string, objective: string, names: RegExp][] = [
  ['relu', "saeLatent('./examples/stories260K-blocks.2.hook_resid_post', 93)", /SAE \.\/examples\/stories260K-blocks\.2\.hook_resid_post latent 93 \(blocks\.2\.hook_resid_post\)/],
  ['jumprelu', "saeLatent('./saes/gemma-scope-stories260k-res/layer_2/width_32/average_l0_6', 5)", /latent 5 \(blocks\.2\.hook_resid_post\)/],
  ['sparsify', "saeLatent('./saes/sparsify-stories260k/layers.2', 3)", /latent 3 \(blocks\.2\.hook_resid_post\)/],
  ['topk', "saeLatent('./saes/saelens-topk-stories260k/blocks.2.topk', 7)", /latent 7 \(blocks\.2\.hook_resid_post\)/],
  ['attention', "saeLatent('./saes/saelens-attn-stories260k/blocks.1.attn.hook_z', 2)", /latent 2 \(blocks\.1\.attn\.hook_z\)/],
  ['transcoder', "transcoderLatent('./examples/stories260K-blocks.2.mlp-transcoder', 212)", /transcoder .* latent 212 \(blocks\.2\.ln2\.hook_normalized → blocks\.2\.hook_mlp_out\)/],
];

writeFileSync(join(root, 'features.ts'), `import { defineFeature, saeLatent, transcoderLatent } from 'reverie';
${KINDS.map(([name, objective]) => `export const ${name} = defineFeature({ model: 'stories260K', objective: ${objective}, seqLen: 6 });`).join('\n')}
`);

test('a latent of every SAE kind, and a transcoder latent, dreams from a feature file in the CLI', async () => {
  const runs = await inParallel(KINDS.map(([name]) => () => runCli([
    'dream', join(root, `features.ts#${name}`), '--iterations', '12', '--population', '8', '--threads', '1', '--json',
  ])), 2);
  KINDS.forEach(([name, , names], k) => {
    const run = runs[k];
    assert.equal(run.code, 0, `${name}: ${run.stderr}`);
    const result = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
    assert.equal(result.iterationsDone, 12, name);
    assert.match(JSON.stringify(result), names, name);
    const best = Math.max(...result.frontier.map((p: { feature: number }) => p.feature));
    assert.ok(best > 0, `${name}: the dream found no prompt on which the latent is active (best ${best})`);
  });
});
