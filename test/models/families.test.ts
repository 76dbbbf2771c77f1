/**
 * Llama 3 (rope scaling), Mistral, Qwen 2, Qwen 3, Gemma 2, Gemma 3 and a multimodal Gemma 3: tiny
 * random checkpoints in the real Hugging Face layouts (test/reference/make_family_models.py), loaded
 * through the real loader, against the independent NumPy float64 reference
 * (test/reference/families_ref.py): logits, per-token NLL and TransformerLens hooks — q/k before and
 * after rotary, q/k norms, Gemma's extra norms, every layer's attention pattern (sliding windows).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadModel } from '../../src/engine/models/load';
import { runForwardWithHooks } from '../helpers/forward-run';

interface Tensor { shape: number[]; data: number[] }
interface Case {
  source: { config: { path: string; sha256: string }; weights: { path: string; sha256: string } };
  summary: { model_type: string };
  input_ids: number[];
  logits: Tensor;
  per_token_nll: Tensor;
  argmax_margin: Tensor;
  hooks: Record<string, Tensor>;
}
const fixture = JSON.parse(readFileSync('test/fixtures/families-reference.json', 'utf8')) as { models: Record<string, Case> };

const FAMILY: Record<string, string> = {
  'llama3-tiny': 'llama', 'mistral-tiny': 'mistral', 'qwen2-tiny': 'qwen2', 'qwen3-tiny': 'qwen3',
  'gemma2-tiny': 'gemma2', 'gemma3-tiny': 'gemma3', 'gemma3-mm-tiny': 'gemma3',
};

for (const [name, c] of Object.entries(fixture.models)) {
  test(`${name} (${c.summary.model_type}) matches the NumPy reference: logits, NLL, hooks`, async (t) => {
    const dir = `test/fixtures/models/${name}`;
    assert.equal(createHash('sha256').update(readFileSync(c.source.weights.path)).digest('hex'), c.source.weights.sha256, 'the weights the fixture was made from');
    const model = await loadModel(dir);
    assert.equal(model.arch.family, FAMILY[name]);
    const hooks = Object.keys(c.hooks);
    const out = await runForwardWithHooks(model.arch, model.weights, name, c.input_ids, hooks);
    let worst = 0;
    const compare = (what: string, got: ArrayLike<number>, want: Tensor) => {
      assert.equal(got.length, want.data.length, `${what}: ${got.length} values, reference ${want.data.length}`);
      let scale = 0;
      for (const w of want.data) scale = Math.max(scale, Math.abs(w));
      for (let i = 0; i < got.length; i++) {
        const err = Math.abs(got[i] - want.data[i]) / Math.max(scale, 1e-3);
        worst = Math.max(worst, err);
        if (!(err <= 1e-4)) assert.fail(`${name} ${what}[${i}]: got ${got[i]}, reference ${want.data[i]} (relative error ${err.toExponential(2)})`);
      }
    };
    const logits = out.logits.data as Float32Array;
    compare('logits', logits, c.logits);
    const V = model.arch.vocabSize;
    const nll = c.input_ids.slice(1).map((next, p) => {
      let m = -Infinity, z = 0;
      for (let v = 0; v < V; v++) m = Math.max(m, logits[p * V + v]);
      for (let v = 0; v < V; v++) z += Math.exp(logits[p * V + v] - m);
      return m + Math.log(z) - logits[p * V + next];
    });
    compare('per-token NLL', nll, c.per_token_nll);
    hooks.forEach((h, i) => compare(h, out[`h${i}`].data as Float32Array, c.hooks[h]));
    t.diagnostic(`${hooks.length} hooks; max relative error ${worst.toExponential(2)}`);
  });
}

test('the peculiarities the fixtures exercise change the result (each is tested, not just present)', async () => {
  // A sliding window shorter than the text masks keys the causal mask alone would keep.
  const pattern = fixture.models['mistral-tiny'].hooks['blocks.0.attn.hook_pattern'];
  const [, n] = pattern.shape;
  assert.equal(pattern.data[(n - 1) * n + 0], 0, 'the last query sees nothing outside its window of 6');
  // Qwen 2 carries sliding_window 4 with use_sliding_window false: the first key stays visible.
  const qwen2 = fixture.models['qwen2-tiny'].hooks['blocks.1.attn.hook_pattern'];
  assert.ok(qwen2.data[(n - 1) * n + 0] > 0);
  // Gemma 2's soft-cap (2.0) bounds the scores; rotary changes q at every position but the first.
  const g2 = fixture.models['gemma2-tiny'].hooks;
  assert.notDeepEqual(g2['blocks.0.attn.hook_q'].data, g2['blocks.0.attn.hook_rot_q'].data);
  const llama3 = await loadModel('test/fixtures/models/llama3-tiny');
  const inv = (llama3.arch as { ropeInvFreq?: number[][] }).ropeInvFreq![0];
  const plain = [1, 0.1, 0.01, 0.001];
  assert.ok(Math.abs(inv[0] - plain[0]) < 1e-12, 'high frequency kept');
  assert.ok(inv[1] < plain[1] && inv[1] > plain[1] / 8, 'medium frequency smoothed');
  assert.ok(Math.abs(inv[2] - plain[2] / 8) < 1e-12 && Math.abs(inv[3] - plain[3] / 8) < 1e-12, 'low frequencies divided by the factor');
});

test('a tied checkpoint that stores the shared matrix only as lm_head.weight loads (no __metadata__ alias needed)', async () => {
  const { mkdtempSync, cpSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { loadSafetensorsFolder } = await import('../../src/engine/models/safetensors');
  const dir = mkdtempSync(join(tmpdir(), 'reverie-tied-'));
  try {
    cpSync('test/fixtures/models/qwen2-tiny', dir, { recursive: true });
    // Rewrite the weights with the embedding renamed to the head (as some exporters save tied models).
    const { weights } = await loadSafetensorsFolder(dir);
    const entries = [...weights].map(([k, v]) => [k === 'model.embed_tokens.weight' ? 'lm_head.weight' : k, v] as const);
    const header: Record<string, unknown> = {};
    let offset = 0;
    for (const [k, v] of entries) { header[k] = { dtype: 'F32', shape: v.shape, data_offsets: [offset, offset + v.data.byteLength] }; offset += v.data.byteLength; }
    let h = Buffer.from(JSON.stringify(header));
    h = Buffer.concat([h, Buffer.alloc((8 - (h.length % 8)) % 8, 0x20)]);
    const len = Buffer.alloc(8); len.writeBigUInt64LE(BigInt(h.length));
    writeFileSync(join(dir, 'model.safetensors'), Buffer.concat([len, h, ...entries.map(([, v]) => Buffer.from(v.data.buffer, v.data.byteOffset, v.data.byteLength))]));
    const model = await loadModel(dir);
    const original = await loadModel('test/fixtures/models/qwen2-tiny');
    assert.deepEqual(model.weights.get('model.embed_tokens.weight')!.data, original.weights.get('model.embed_tokens.weight')!.data);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a long load says what it is doing', async () => {
  const stages: string[] = [];
  await loadModel('test/fixtures/models/gemma2-tiny', { onStage: (m) => stages.push(m), announceFrom: 0 });
  assert.equal(stages.length, 2);
  assert.match(stages[0], /^reading 0\.00 GiB of weights from 1 file in .*gemma2-tiny …$/);
  assert.match(stages[1], /^read in \d+\.\d s$/);
  const lazy: string[] = [];
  await loadModel('test/fixtures/models/gemma2-tiny', { onStage: (m) => lazy.push(m), announceFrom: 0, lazyWeights: true });
  assert.match(lazy[1], /^headers checked; the tensors are read while the graphs are built$/);
  const quiet: string[] = [];
  await loadModel('test/fixtures/models/gemma2-tiny', { onStage: (m) => quiet.push(m) });
  assert.deepEqual(quiet, [], 'small models load without announcements');
});
