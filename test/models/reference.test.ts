/**
 * Logits and hook values of the engine's graphs against the independent NumPy references in
 * test/reference/ (fixtures committed with the scripts that made them): stories260K and
 * TinyStories-656K (real pretrained Llama models), and random GPT-2 and GPT-NeoX checkpoints.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { readLlama2c } from '../../src/engine/models/llama2c';
import { readHfConfig } from '../../src/engine/models/hf-config';
import { loadSafetensorsFolder } from '../../src/engine/models/safetensors';
import { runForwardWithHooks } from '../helpers/forward-run';
import type { Arch } from '../../src/engine/models/arch';
import type { WeightMap } from '../../src/engine/models/weights';

interface Tensor { shape: number[]; data: number[] }
interface Fixture {
  logits_vocab_ids: number[] | null;
  cases: { name: string; input_ids: number[]; logits: Tensor; logsumexp: Tensor; argmax: number[]; argmax_margin: Tensor; hooks: Record<string, Tensor> }[];
  mean_nll?: { case: string; value: number };
}

function sharedModel(name: string): string {
  for (const base of [process.env.REVERIE_MODELS_DIR, '../shared/models', 'shared/models']) {
    if (base && existsSync(resolve(base, name))) return resolve(base, name);
  }
  throw new Error(`shared model ${name} not found (set REVERIE_MODELS_DIR)`);
}

async function check(t: { diagnostic: (s: string) => void }, fixturePath: string, arch: Arch, weights: WeightMap, tol: number): Promise<void> {
  const fx = JSON.parse(readFileSync(fixturePath, 'utf8')) as Fixture;
  let worst = 0;
  for (const c of fx.cases) {
    const hooks = Object.keys(c.hooks);
    const out = await runForwardWithHooks(arch, weights, 'ref', c.input_ids, hooks);
    const V = arch.vocabSize;
    const logits = out.logits.data as Float32Array;
    const compare = (what: string, got: (i: number) => number, want: number[]) => {
      let scale = 0;
      for (const w of want) scale = Math.max(scale, Math.abs(w));
      want.forEach((w, i) => {
        const err = Math.abs(got(i) - w) / Math.max(scale, 1e-3);
        worst = Math.max(worst, err);
        if (err > tol) assert.fail(`${c.name} ${what}[${i}]: got ${got(i)}, reference ${w} (relative error ${err.toExponential(2)})`);
      });
    };
    const cols = fx.logits_vocab_ids;
    if (cols) compare('logits', (i) => logits[Math.floor(i / cols.length) * V + cols[i % cols.length]], c.logits.data);
    else compare('logits', (i) => logits[i], c.logits.data);
    const lse = (p: number) => { let m = -Infinity, z = 0; for (let v = 0; v < V; v++) m = Math.max(m, logits[p * V + v]); for (let v = 0; v < V; v++) z += Math.exp(logits[p * V + v] - m); return m + Math.log(z); };
    compare('logsumexp', lse, c.logsumexp.data);
    c.argmax.forEach((a, p) => {
      if (c.argmax_margin.data[p] > 1e-3) {
        let best = 0; for (let v = 1; v < V; v++) if (logits[p * V + v] > logits[p * V + best]) best = v;
        assert.equal(best, a, `${c.name} argmax at ${p}`);
      }
    });
    hooks.forEach((h, i) => {
      const got = out[`h${i}`];
      assert.deepEqual(got.dims.slice(1).reduce((a, b) => a * b, 1), c.hooks[h].shape.reduce((a, b) => a * b, 1), `${h} size`);
      compare(h, (j) => (got.data as Float32Array)[j], c.hooks[h].data);
    });
  }
  t.diagnostic(`max relative error vs NumPy float64 reference: ${worst.toExponential(2)}`);
}

test('stories260K logits and hooks match the NumPy reference', async (t) => {
  const { config, weights } = await readLlama2c('media/models/stories260K/stories260K.bin');
  await check(t, 'test/fixtures/stories260k-reference.json', { family: 'llama', ...config }, weights, 1e-4);
});

test('TinyStories-656K (Hugging Face safetensors, rotate-half rotary) matches the NumPy reference', async (t) => {
  const dir = sharedModel('tinystories-656k');
  const arch = await readHfConfig(dir);
  const { weights } = await loadSafetensorsFolder(dir);
  await check(t, 'test/fixtures/tinystories656k-reference.json', arch, weights, 1e-4);
});

test('GPT-2 (random, Conv1D layout, learned positions, gelu_new) matches the NumPy reference', async (t) => {
  const dir = 'test/fixtures/models/gpt2-tiny';
  await check(t, 'test/fixtures/gpt2-tiny-reference.json', await readHfConfig(dir), (await loadSafetensorsFolder(dir)).weights, 1e-4);
});

test('GPT-NeoX (random bf16, fused QKV, partial rotary, parallel residual) matches the NumPy reference', async (t) => {
  const dir = 'test/fixtures/models/pythia-tiny';
  await check(t, 'test/fixtures/pythia-tiny-reference.json', await readHfConfig(dir), (await loadSafetensorsFolder(dir)).weights, 1e-4);
});
