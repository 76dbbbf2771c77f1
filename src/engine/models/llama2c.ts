/**
 * Loader for llama2.c "legacy" checkpoints (e.g. Karpathy's stories260K.bin): a 7-int32 header,
 * then raw fp32 arrays. Tensors are renamed to Hugging Face Llama names so one graph builder
 * serves both this format and safetensors checkpoints.
 */
import { readWholeFile } from '../util/read-file';
import type { WeightMap } from './weights';

/** Llama hyper-parameters as both loaders (llama2.c and Hugging Face config.json) report them. */
export interface LlamaConfig {
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  vocabSize: number;
  maxPositions: number;
  rmsNormEps: number;
  ropeTheta: number;
  /** llama2.c rotates adjacent dims (2i, 2i+1) within a head; Hugging Face pairs i with i + d/2. */
  ropePairing: 'adjacent' | 'half';
  tiedEmbeddings: boolean;
}

const HEADER_BYTES = 7 * 4;

/** The header as stored: a negative vocab_size is llama2.c's flag for an untied classifier. */
function parseHeader(bytes: Uint8Array, path: string): LlamaConfig {
  if (bytes.byteLength < HEADER_BYTES) {
    throw new Error(`${path}: ${bytes.byteLength} bytes is too short for a llama2.c checkpoint (the header alone is ${HEADER_BYTES} bytes)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  const [dim, hidden, layers, heads, kvHeads, rawVocab, seqLen] = Array.from({ length: 7 }, (_, i) => view.getInt32(4 * i, true));
  const fields = { dim, hidden_dim: hidden, n_layers: layers, n_heads: heads, n_kv_heads: kvHeads, seq_len: seqLen, vocab_size: Math.abs(rawVocab) };
  for (const [name, v] of Object.entries(fields)) {
    if (!(v > 0)) throw new Error(`${path}: header field ${name} = ${v} must be positive (is this a llama2.c legacy checkpoint?)`);
  }
  if (dim % heads !== 0) throw new Error(`${path}: dim ${dim} is not divisible by n_heads ${heads} (is this a llama2.c legacy checkpoint?)`);
  if (heads % kvHeads !== 0) throw new Error(`${path}: n_heads ${heads} is not divisible by n_kv_heads ${kvHeads}`);
  const headDim = dim / heads;
  if (headDim % 2 !== 0) throw new Error(`${path}: head size ${headDim} must be even for rotary embeddings`);
  return {
    hiddenSize: dim,
    intermediateSize: hidden,
    numLayers: layers,
    numHeads: heads,
    numKvHeads: kvHeads,
    headDim,
    vocabSize: Math.abs(rawVocab),
    maxPositions: seqLen,
    // llama2.c hard-codes these; they are not stored in the file.
    rmsNormEps: 1e-5,
    ropeTheta: 10000,
    ropePairing: 'adjacent',
    tiedEmbeddings: rawVocab > 0,
  };
}

/** The file's arrays in storage order; `perLayer` arrays are stacked [L, ...shape]. */
function layout(c: LlamaConfig): { name: string; shape: number[]; perLayer: boolean; skip?: boolean }[] {
  const d = c.hiddenSize, h = c.intermediateSize, kv = c.numKvHeads * c.headDim;
  const entries = [
    { name: 'model.embed_tokens.weight', shape: [c.vocabSize, d], perLayer: false },
    { name: 'input_layernorm.weight', shape: [d], perLayer: true },
    { name: 'self_attn.q_proj.weight', shape: [d, d], perLayer: true },
    { name: 'self_attn.k_proj.weight', shape: [kv, d], perLayer: true },
    { name: 'self_attn.v_proj.weight', shape: [kv, d], perLayer: true },
    { name: 'self_attn.o_proj.weight', shape: [d, d], perLayer: true },
    { name: 'post_attention_layernorm.weight', shape: [d], perLayer: true },
    { name: 'mlp.gate_proj.weight', shape: [h, d], perLayer: true }, // w1
    { name: 'mlp.down_proj.weight', shape: [d, h], perLayer: true }, // w2
    { name: 'mlp.up_proj.weight', shape: [h, d], perLayer: true }, // w3
    { name: 'model.norm.weight', shape: [d], perLayer: false },
    // Legacy precomputed rotary table (cos then sin, [seq_len, head_size/2] each): recomputed by the graph.
    { name: 'rope_table', shape: [2, c.maxPositions, c.headDim / 2], perLayer: false, skip: true },
  ];
  if (!c.tiedEmbeddings) entries.push({ name: 'lm_head.weight', shape: [c.vocabSize, d], perLayer: false });
  return entries;
}

const numel = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Float count the header implies, so callers (and tests) can check a file's size. */
export function llama2cFloatCount(c: LlamaConfig): number {
  return layout(c).reduce((n, e) => n + numel(e.shape) * (e.perLayer ? c.numLayers : 1), 0);
}

/** Parses an in-memory checkpoint; `path` only labels errors. Tensors are views into `bytes`. */
export function parseLlama2c(bytes: Uint8Array, path: string): { config: LlamaConfig; weights: WeightMap } {
  const config = parseHeader(bytes, path);
  const floats = llama2cFloatCount(config);
  const expected = HEADER_BYTES + 4 * floats;
  if (bytes.byteLength !== expected) {
    throw new Error(
      `${path}: size is ${bytes.byteLength} bytes but the header (dim ${config.hiddenSize}, hidden ${config.intermediateSize}, ` +
        `${config.numLayers} layers, ${config.numHeads} heads, ${config.numKvHeads} kv heads, vocab ${config.vocabSize}, ` +
        `seq_len ${config.maxPositions}, ${config.tiedEmbeddings ? 'tied' : 'untied'} classifier) implies ` +
        `${expected} bytes (28 + 4 × ${floats} floats)`,
    );
  }
  // Float32Array needs 4-byte alignment; Node's file buffers normally have it, copy only if not.
  const start = bytes.byteOffset + HEADER_BYTES;
  const all = start % 4 === 0
    ? new Float32Array(bytes.buffer, start, floats)
    : new Float32Array(bytes.slice(HEADER_BYTES).buffer, 0, floats);

  const weights: WeightMap = new Map();
  let offset = 0;
  const take = (shape: number[]) => {
    const data = all.subarray(offset, offset + numel(shape));
    offset += data.length;
    return data;
  };
  for (const e of layout(config)) {
    if (e.skip) { take(e.shape); continue; }
    if (!e.perLayer) { weights.set(e.name, { shape: e.shape, data: take(e.shape) }); continue; }
    for (let i = 0; i < config.numLayers; i++) {
      weights.set(`model.layers.${i}.${e.name}`, { shape: e.shape, data: take(e.shape) });
    }
  }
  if (config.tiedEmbeddings) {
    const emb = weights.get('model.embed_tokens.weight')!;
    weights.set('lm_head.weight', { shape: emb.shape, data: emb.data });
  }
  return { config, weights };
}

/** Reads a llama2.c legacy checkpoint (stories260K.bin) with Hugging Face Llama tensor names. */
export async function readLlama2c(path: string): Promise<{ config: LlamaConfig; weights: WeightMap }> {
  return parseLlama2c(await readWholeFile(path, 'a llama2.c checkpoint'), path);
}
