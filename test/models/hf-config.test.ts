import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseHfConfig, readHfConfig } from '../../src/engine/models/hf-config';

/** EleutherAI/pythia-70m's config.json (the values that matter). */
const PYTHIA_70M = {
  architectures: ['GPTNeoXForCausalLM'], model_type: 'gpt_neox', hidden_size: 512, intermediate_size: 2048,
  num_attention_heads: 8, num_hidden_layers: 6, vocab_size: 50304, max_position_embeddings: 2048,
  rotary_pct: 0.25, rotary_emb_base: 10000, use_parallel_residual: true, layer_norm_eps: 1e-5,
  hidden_act: 'gelu', tie_word_embeddings: false, bos_token_id: 0, eos_token_id: 0,
};

/** openai-community/gpt2 (124M). */
const GPT2_124M = {
  architectures: ['GPT2LMHeadModel'], model_type: 'gpt2', n_embd: 768, n_layer: 12, n_head: 12, n_ctx: 1024,
  n_positions: 1024, n_inner: null, vocab_size: 50257, layer_norm_epsilon: 1e-5, activation_function: 'gelu_new',
};

test('tinystories-656k config.json → Llama with rotate-half rope and tied embeddings', async () => {
  const c = await readHfConfig('/work/shared/models/tinystories-656k');
  assert.deepEqual(c, {
    family: 'llama', hiddenSize: 128, intermediateSize: 384, numLayers: 2, numHeads: 8, numKvHeads: 4, headDim: 16,
    vocabSize: 2048, maxPositions: 512, rmsNormEps: 1e-6, ropeTheta: 10000, ropePairing: 'half', tiedEmbeddings: true,
  });
});

test('Pythia-70m config → GPT-NeoX with a quarter of each head rotated', () => {
  const c = parseHfConfig(PYTHIA_70M, 'pythia/config.json');
  assert.deepEqual(c, {
    family: 'neox', hiddenSize: 512, intermediateSize: 2048, numLayers: 6, numHeads: 8, headDim: 64, vocabSize: 50304,
    maxPositions: 2048, layerNormEps: 1e-5, rotaryPct: 0.25, rotaryDim: 16, ropeTheta: 10000, parallelResidual: true,
    hiddenAct: 'gelu', tiedEmbeddings: false,
  });
  const { use_parallel_residual: _p, tie_word_embeddings: _t, ...defaults } = PYTHIA_70M;
  const d = parseHfConfig({ ...defaults, rotary_pct: 1, use_parallel_residual: undefined }, 'x');
  assert.equal(d.family === 'neox' && d.parallelResidual, true);
  assert.equal(d.family === 'neox' && d.tiedEmbeddings, false);
  assert.equal(d.family === 'neox' && d.rotaryDim, 64);
});

test('GPT-2 124M config → GPT-2 with n_inner defaulting to 4·n_embd', () => {
  assert.deepEqual(parseHfConfig(GPT2_124M, 'gpt2/config.json'), {
    family: 'gpt2', hiddenSize: 768, numLayers: 12, numHeads: 12, headDim: 64, intermediateSize: 3072, vocabSize: 50257,
    maxPositions: 1024, layerNormEps: 1e-5, hiddenAct: 'gelu_new',
  });
  const custom = parseHfConfig({ ...GPT2_124M, n_inner: 1000 }, 'x');
  assert.equal(custom.family === 'gpt2' && custom.intermediateSize, 1000);
});

test('errors name the key, the file and the supported families', async () => {
  assert.throws(() => parseHfConfig({ model_type: 'falcon', architectures: ['FalconForCausalLM'] }, '/m/config.json'),
    /\/m\/config\.json: unsupported model \(model_type "falcon", architectures FalconForCausalLM\)\. Supported model types: llama \(Llama\), mistral \(Mistral\), qwen2 \(Qwen 2 \/ 2\.5\), qwen3 \(Qwen 3\), gemma2 \(Gemma 2\), gemma3_text\/gemma3 \(Gemma 3 \(text\)\), gpt_neox \(GPT-NeoX \/ Pythia\), gpt2 \(GPT-2\)/);
  const { hidden_size: _h, ...noHidden } = PYTHIA_70M;
  assert.throws(() => parseHfConfig(noHidden, '/p/config.json'), /\/p\/config\.json: missing required key "hidden_size"/);
  assert.throws(() => parseHfConfig({ ...GPT2_124M, n_head: 7 }, 'g.json'), /g\.json: n_embd 768 is not divisible by n_head 7/);
  assert.throws(() => parseHfConfig({ ...GPT2_124M, n_layer: '12' }, 'g.json'), /g\.json: "n_layer" must be a positive integer, got "12"/);
  assert.throws(() => parseHfConfig({ ...GPT2_124M, scale_attn_by_inverse_layer_idx: true }, 'g.json'), /scale_attn_by_inverse_layer_idx/);
  // Only the architectures list: still recognised.
  const { model_type: _m, ...archOnly } = GPT2_124M;
  assert.equal(parseHfConfig(archOnly, 'g.json').family, 'gpt2');

  const dir = mkdtempSync(join(tmpdir(), 'reverie-cfg-'));
  try {
    const base = { model_type: 'llama', hidden_size: 64, intermediate_size: 128, num_attention_heads: 4, num_hidden_layers: 1, vocab_size: 10, max_position_embeddings: 16 };
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...base, rope_scaling: { rope_type: 'yarn', factor: 8 } }));
    await assert.rejects(readHfConfig(dir), /config\.json: "rope_scaling\.rope_type" "yarn" is not implemented \(supported: default, linear, llama3\)/);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...base, rope_scaling: { rope_type: 'llama3', factor: 8 } }));
    await assert.rejects(readHfConfig(dir), /"rope_scaling\.original_max_position_embeddings" must be a positive number/);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...base, mlp_bias: true }));
    await assert.rejects(readHfConfig(dir), /"mlp_bias": true is not supported/);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(base));
    const c = await readHfConfig(dir);
    assert.equal(c.family === 'llama' && c.numKvHeads, 4, 'num_key_value_heads defaults to the head count');
    assert.equal(c.family === 'llama' && c.tiedEmbeddings, false);
    writeFileSync(join(dir, 'config.json'), '{ "model_type": ');
    await assert.rejects(readHfConfig(dir), /config\.json: invalid JSON/);
    await assert.rejects(readHfConfig(join(dir, 'missing')), /missing: cannot read the model config \(ENOENT\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
