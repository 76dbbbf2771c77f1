import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLlama2c, parseLlama2c } from '../../src/engine/models/llama2c';
import { stories260kFile } from './llama2c-files';

const BIN = stories260kFile('stories260K.bin');

test('stories260K: config matches the published architecture', async () => {
  const { config } = await readLlama2c(BIN);
  assert.deepEqual(config, {
    hiddenSize: 64, intermediateSize: 172, numLayers: 5, numHeads: 8, numKvHeads: 4, headDim: 8,
    vocabSize: 512, maxPositions: 512, rmsNormEps: 1e-5, ropeTheta: 10000, ropePairing: 'adjacent',
    tiedEmbeddings: true,
  });
});

test('stories260K: every tensor has its Hugging Face name and shape, 260,032 parameters in all', async () => {
  const { weights } = await readLlama2c(BIN);
  const expected = new Map<string, number[]>([
    ['model.embed_tokens.weight', [512, 64]],
    ['model.norm.weight', [64]],
    ['lm_head.weight', [512, 64]],
  ]);
  for (let i = 0; i < 5; i++) {
    const p = `model.layers.${i}.`;
    expected.set(`${p}input_layernorm.weight`, [64]);
    expected.set(`${p}self_attn.q_proj.weight`, [64, 64]);
    expected.set(`${p}self_attn.k_proj.weight`, [32, 64]);
    expected.set(`${p}self_attn.v_proj.weight`, [32, 64]);
    expected.set(`${p}self_attn.o_proj.weight`, [64, 64]);
    expected.set(`${p}post_attention_layernorm.weight`, [64]);
    expected.set(`${p}mlp.gate_proj.weight`, [172, 64]);
    expected.set(`${p}mlp.down_proj.weight`, [64, 172]);
    expected.set(`${p}mlp.up_proj.weight`, [172, 64]);
  }
  assert.deepEqual([...weights.keys()].sort(), [...expected.keys()].sort());
  let params = 0;
  for (const [name, t] of weights) {
    assert.deepEqual(t.shape, expected.get(name), name);
    assert.equal(t.data.length, t.shape.reduce((a, b) => a * b, 1), `${name} data length`);
    if (name !== 'lm_head.weight') params += t.data.length;
  }
  assert.equal(params, 260_032);
});

test('stories260K: values equal the floats at hand-computed byte offsets (views, not copies)', async () => {
  const file = await readFile(BIN);
  const { weights } = await readLlama2c(BIN);
  const at = (floatIndex: number) => file.readFloatLE(28 + 4 * floatIndex);
  const get = (name: string) => weights.get(name)!.data;

  // Embedding rows 0..2 ( <unk>, <s>, </s> ) are the first 3 × 64 floats after the header.
  const emb = get('model.embed_tokens.weight');
  for (let i = 0; i < 3 * 64; i++) assert.equal(emb[i], at(i), `embedding float ${i}`);
  // Storage order: emb 32768, rms_att 5·64, wq 5·4096, wk 5·2048, wv 5·2048, wo 5·4096, rms_ffn 5·64,
  // w1 5·11008, w2 5·11008, w3 5·11008, rms_final 64, rotary table 4096.
  const rmsAtt = 32768, wq = rmsAtt + 320, wk = wq + 20480, wv = wk + 10240, wo = wv + 10240;
  const rmsFfn = wo + 20480, w1 = rmsFfn + 320, w2 = w1 + 55040, w3 = w2 + 55040, rmsFinal = w3 + 55040;
  assert.equal(rmsFinal + 64 + 4096, (file.length - 28) / 4, 'hand-computed layout covers the file');
  const probes: [string, number, number][] = [
    ['model.layers.0.input_layernorm.weight', 5, rmsAtt + 5],
    ['model.layers.3.self_attn.q_proj.weight', 17 * 64 + 9, wq + 3 * 4096 + 17 * 64 + 9],
    ['model.layers.2.self_attn.k_proj.weight', 31 * 64 + 63, wk + 2 * 2048 + 31 * 64 + 63],
    ['model.layers.1.self_attn.v_proj.weight', 0, wv + 2048],
    ['model.layers.4.self_attn.o_proj.weight', 4095, wo + 4 * 4096 + 4095],
    ['model.layers.4.post_attention_layernorm.weight', 63, rmsFfn + 4 * 64 + 63],
    ['model.layers.1.mlp.gate_proj.weight', 100 * 64 + 1, w1 + 11008 + 100 * 64 + 1],
    ['model.layers.2.mlp.down_proj.weight', 10 * 172 + 171, w2 + 2 * 11008 + 10 * 172 + 171],
    ['model.layers.4.mlp.up_proj.weight', 171 * 64 + 63, w3 + 4 * 11008 + 171 * 64 + 63],
    ['model.norm.weight', 0, rmsFinal],
    ['model.norm.weight', 63, rmsFinal + 63],
  ];
  for (const [name, index, fileIndex] of probes) assert.equal(get(name)[index], at(fileIndex), `${name}[${index}]`);
  // RMSNorm gains of a trained model are nowhere near zero; catches an off-by-one-tensor layout.
  assert.ok(get('model.norm.weight').every((v) => Math.abs(v) > 0.05), 'final norm gains look like gains');

  const buffers = new Set([...weights.values()].map((t) => t.data.buffer));
  assert.equal(buffers.size, 1, 'all tensors are views on one buffer');
});

test('stories260K: tied classifier is the embedding itself', async () => {
  const { weights } = await readLlama2c(BIN);
  assert.equal(weights.get('lm_head.weight')!.data, weights.get('model.embed_tokens.weight')!.data);
});

test('a truncated checkpoint fails with the file name and both sizes', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'llama2c-'));
  try {
    const bytes = await readFile(BIN);
    const path = join(dir, 'truncated.bin');
    await writeFile(path, bytes.subarray(0, bytes.length - 4));
    await assert.rejects(readLlama2c(path), (e: Error) => {
      assert.match(e.message, /truncated\.bin/);
      assert.match(e.message, /1056536 bytes/);
      assert.match(e.message, /1056540 bytes/);
      return true;
    });
    const garbage = join(dir, 'garbage.bin');
    await writeFile(garbage, Buffer.from('not a checkpoint at all, just some text padding'));
    await assert.rejects(readLlama2c(garbage), /garbage\.bin/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a negative vocab_size means an untied classifier stored after the rotary table', () => {
  // dim 4, hidden 6, 1 layer, 2 heads (head size 2), 1 kv head, vocab -3, seq_len 5.
  const header = [4, 6, 1, 2, 1, -3, 5];
  // emb 12, rms_att 4, wq 16, wk 8, wv 8, wo 16, rms_ffn 4, w1 24, w2 24, w3 24, rms_final 4,
  // rotary 2·5·1 = 10, classifier 12: float i holds the value i so offsets can be read back.
  const floats = 12 + 4 + 16 + 8 + 8 + 16 + 4 + 24 * 3 + 4 + 10 + 12;
  const buf = Buffer.alloc(28 + 4 * floats);
  header.forEach((v, i) => buf.writeInt32LE(v, 4 * i));
  for (let i = 0; i < floats; i++) buf.writeFloatLE(i, 28 + 4 * i);
  const { config, weights } = parseLlama2c(buf, 'untied.bin');
  assert.equal(config.tiedEmbeddings, false);
  assert.equal(config.vocabSize, 3);
  const head = weights.get('lm_head.weight')!;
  assert.deepEqual(head.shape, [3, 4]);
  assert.deepEqual([...head.data], Array.from({ length: 12 }, (_, i) => floats - 12 + i));
  assert.notEqual(head.data, weights.get('model.embed_tokens.weight')!.data);
  assert.equal(weights.get('model.norm.weight')!.data[0], floats - 12 - 10 - 4);
  assert.equal(weights.get('model.layers.0.self_attn.k_proj.weight')!.data[0], 12 + 4 + 16);
  // Without the classifier the same file is 12 floats short.
  assert.throws(() => parseLlama2c(buf.subarray(0, buf.length - 48), 'short.bin'), /short\.bin.*untied classifier/);
});
