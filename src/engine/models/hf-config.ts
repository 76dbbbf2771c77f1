/**
 * Hugging Face `config.json` → a typed, validated architecture description for the families the
 * engine builds graphs for. Options that change the computation but that the graphs do not
 * implement (biases in Llama, rope scaling, GPT-2's per-layer attention scaling) are rejected
 * here, so such a model fails loudly instead of producing wrong activations.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { LlamaConfig } from './llama2c';

export type { LlamaConfig };

export interface NeoxConfig {
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  headDim: number;
  /** Embedding rows (Pythia pads past the tokenizer's size). */
  vocabSize: number;
  maxPositions: number;
  layerNormEps: number;
  /** Fraction of each head's dims that are rotated. */
  rotaryPct: number;
  /** headDim · rotaryPct, rounded down as transformers does. */
  rotaryDim: number;
  ropeTheta: number;
  parallelResidual: boolean;
  hiddenAct: string;
  tiedEmbeddings: boolean;
}

export interface Gpt2Config {
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  headDim: number;
  intermediateSize: number;
  vocabSize: number;
  maxPositions: number;
  layerNormEps: number;
  hiddenAct: string;
}

export type HfModelConfig =
  | ({ family: 'llama' } & LlamaConfig)
  | ({ family: 'neox' } & NeoxConfig)
  | ({ family: 'gpt2' } & Gpt2Config);

const SUPPORTED = 'llama (LlamaForCausalLM), gpt_neox (GPTNeoXForCausalLM), gpt2 (GPT2LMHeadModel)';

/** Typed access to the raw JSON, with errors naming the key and the file. */
class Keys {
  constructor(private readonly raw: Record<string, unknown>, private readonly source: string) {}

  private bad(key: string, want: string): Error {
    return new Error(`${this.source}: "${key}" must be ${want}, got ${JSON.stringify(this.raw[key])}`);
  }
  has(key: string): boolean {
    return this.raw[key] !== undefined && this.raw[key] !== null;
  }
  int(key: string, fallback?: number): number {
    if (!this.has(key)) {
      if (fallback === undefined) throw new Error(`${this.source}: missing required key "${key}"`);
      return fallback;
    }
    const v = this.raw[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) throw this.bad(key, 'a positive integer');
    return v;
  }
  num(key: string, fallback?: number): number {
    if (!this.has(key)) {
      if (fallback === undefined) throw new Error(`${this.source}: missing required key "${key}"`);
      return fallback;
    }
    const v = this.raw[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw this.bad(key, 'a positive number');
    return v;
  }
  bool(key: string, fallback: boolean): boolean {
    if (!this.has(key)) return fallback;
    const v = this.raw[key];
    if (typeof v !== 'boolean') throw this.bad(key, 'true or false');
    return v;
  }
  str(key: string, fallback: string): string {
    if (!this.has(key)) return fallback;
    const v = this.raw[key];
    if (typeof v !== 'string') throw this.bad(key, 'a string');
    return v;
  }
  /** Rejects a setting whose non-default value the graphs would silently ignore. */
  require(key: string, ok: (v: unknown) => boolean, why: string): void {
    if (this.has(key) && !ok(this.raw[key])) {
      throw new Error(`${this.source}: "${key}": ${JSON.stringify(this.raw[key])} is not supported (${why})`);
    }
  }
  divide(total: number, totalKey: string, parts: number, partsKey: string): number {
    if (total % parts !== 0) throw new Error(`${this.source}: ${totalKey} ${total} is not divisible by ${partsKey} ${parts}`);
    return total / parts;
  }
}

function family(raw: Record<string, unknown>, source: string): HfModelConfig['family'] {
  const type = raw.model_type;
  const arch = Array.isArray(raw.architectures) ? raw.architectures.filter((a) => typeof a === 'string') : [];
  if (type === 'llama' || (type === undefined && arch.includes('LlamaForCausalLM'))) return 'llama';
  if (type === 'gpt_neox' || (type === undefined && arch.includes('GPTNeoXForCausalLM'))) return 'neox';
  if (type === 'gpt2' || (type === undefined && arch.includes('GPT2LMHeadModel'))) return 'gpt2';
  const what = [type !== undefined ? `model_type ${JSON.stringify(type)}` : 'no model_type', arch.length ? `architectures ${arch.join(', ')}` : '']
    .filter(Boolean).join(', ');
  throw new Error(`${source}: unsupported model (${what}). Supported: ${SUPPORTED}`);
}

function llama(k: Keys): { family: 'llama' } & LlamaConfig {
  k.require('rope_scaling', (v) => v === null, 'rope scaling is not implemented');
  k.require('attention_bias', (v) => v === false, 'attention biases are not implemented for Llama');
  k.require('mlp_bias', (v) => v === false, 'MLP biases are not implemented for Llama');
  k.require('hidden_act', (v) => v === 'silu', 'the Llama MLP is SwiGLU with silu');
  const hiddenSize = k.int('hidden_size');
  const numHeads = k.int('num_attention_heads');
  const numKvHeads = k.int('num_key_value_heads', numHeads);
  k.divide(numHeads, 'num_attention_heads', numKvHeads, 'num_key_value_heads');
  const headDim = k.has('head_dim') ? k.int('head_dim') : k.divide(hiddenSize, 'hidden_size', numHeads, 'num_attention_heads');
  if (headDim % 2 !== 0) throw new Error(`head dim ${headDim} must be even for rotary embeddings`);
  return {
    family: 'llama',
    hiddenSize,
    intermediateSize: k.int('intermediate_size'),
    numLayers: k.int('num_hidden_layers'),
    numHeads,
    numKvHeads,
    headDim,
    vocabSize: k.int('vocab_size'),
    maxPositions: k.int('max_position_embeddings'),
    rmsNormEps: k.num('rms_norm_eps', 1e-6),
    ropeTheta: k.num('rope_theta', 10000),
    ropePairing: 'half',
    tiedEmbeddings: k.bool('tie_word_embeddings', false),
  };
}

function neox(k: Keys): { family: 'neox' } & NeoxConfig {
  k.require('rope_scaling', (v) => v === null, 'rope scaling is not implemented');
  const hiddenSize = k.int('hidden_size');
  const numHeads = k.int('num_attention_heads');
  const headDim = k.divide(hiddenSize, 'hidden_size', numHeads, 'num_attention_heads');
  // Newer transformers releases write the generic names; older Pythia configs the NeoX ones.
  const rotaryPct = k.has('rotary_pct') ? k.num('rotary_pct') : k.num('partial_rotary_factor', 0.25);
  if (rotaryPct > 1) throw new Error(`rotary_pct ${rotaryPct} must be at most 1`);
  const rotaryDim = Math.floor(headDim * rotaryPct);
  if (rotaryDim % 2 !== 0) throw new Error(`rotary dim ${rotaryDim} (head dim ${headDim} × rotary_pct ${rotaryPct}) must be even`);
  return {
    family: 'neox',
    hiddenSize,
    intermediateSize: k.int('intermediate_size'),
    numLayers: k.int('num_hidden_layers'),
    numHeads,
    headDim,
    vocabSize: k.int('vocab_size'),
    maxPositions: k.int('max_position_embeddings'),
    layerNormEps: k.num('layer_norm_eps', 1e-5),
    rotaryPct,
    rotaryDim,
    ropeTheta: k.has('rotary_emb_base') ? k.num('rotary_emb_base') : k.num('rope_theta', 10000),
    parallelResidual: k.bool('use_parallel_residual', true),
    hiddenAct: k.str('hidden_act', 'gelu'),
    tiedEmbeddings: k.bool('tie_word_embeddings', false),
  };
}

function gpt2(k: Keys): { family: 'gpt2' } & Gpt2Config {
  k.require('scale_attn_weights', (v) => v === true, 'attention scores are always scaled by 1/sqrt(head dim)');
  k.require('scale_attn_by_inverse_layer_idx', (v) => v === false, 'per-layer attention scaling is not implemented');
  k.require('reorder_and_upcast_attn', (v) => v === false, 'not implemented');
  const hiddenSize = k.int('n_embd');
  const numHeads = k.int('n_head');
  return {
    family: 'gpt2',
    hiddenSize,
    numLayers: k.int('n_layer'),
    numHeads,
    headDim: k.divide(hiddenSize, 'n_embd', numHeads, 'n_head'),
    intermediateSize: k.int('n_inner', 4 * hiddenSize),
    vocabSize: k.int('vocab_size'),
    maxPositions: k.int('n_positions'),
    layerNormEps: k.num('layer_norm_epsilon', 1e-5),
    hiddenAct: k.str('activation_function', 'gelu_new'),
  };
}

/** Validates parsed `config.json` contents; `source` names the file in errors. */
export function parseHfConfig(raw: unknown, source = 'config.json'): HfModelConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${source}: must be a JSON object`);
  const obj = raw as Record<string, unknown>;
  const keys = new Keys(obj, source);
  try {
    switch (family(obj, source)) {
      case 'llama': return llama(keys);
      case 'neox': return neox(keys);
      case 'gpt2': return gpt2(keys);
    }
  } catch (e) {
    const msg = (e as Error).message;
    throw new Error(msg.startsWith(source) ? msg : `${source}: ${msg}`);
  }
}

/** Reads `config.json` from a model folder (or the file itself). */
export async function readHfConfig(dirOrFile: string): Promise<HfModelConfig> {
  const isDir = await stat(dirOrFile).then((s) => s.isDirectory(), () => false);
  const path = isDir ? join(dirOrFile, 'config.json') : dirOrFile;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`${path}: cannot read the model config (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: invalid JSON (${(e as Error).message})`);
  }
  return parseHfConfig(raw, path);
}
