/**
 * Hugging Face `config.json` → a typed, validated architecture description for the families the
 * engine builds graphs for (the table is families/index.ts; GPT-NeoX and GPT-2 are read here). Options that change the computation but that the graphs do not
 * implement (biases in Llama, rope scaling, GPT-2's per-layer attention scaling) are rejected
 * here, so such a model fails loudly instead of producing wrong activations.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { LlamaConfig } from './llama2c';
import type { DecoderConfig } from './decoder';
import { FAMILIES, familyOf, supportedList, type DecoderFamily } from './families';

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
  | ({ family: DecoderFamily } & DecoderConfig)
  | ({ family: 'neox' } & NeoxConfig)
  | ({ family: 'gpt2' } & Gpt2Config);

/** Typed access to the raw JSON, with errors naming the key and the file. */
export class Keys {
  constructor(readonly raw: Record<string, unknown>, readonly source: string) {}

  /** The keys of a nested object (e.g. Gemma 3's `text_config`), named `parent.key` in errors. */
  nested(key: string): Keys {
    const v = this.raw[key];
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw this.bad(key, 'an object');
    return new Keys(v as Record<string, unknown>, `${this.source} ${key}`);
  }
  /** A positive number, or undefined when absent or null (an optional feature that is off). */
  optionalNum(key: string): number | undefined {
    return this.has(key) ? this.num(key) : undefined;
  }
  /** An array of strings from `allowed`, or undefined when absent. */
  stringList(key: string, allowed: readonly string[]): string[] | undefined {
    if (!this.has(key)) return undefined;
    const v = this.raw[key];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || !allowed.includes(x))) throw this.bad(key, `a list of ${allowed.map((a) => JSON.stringify(a)).join(' / ')}`);
    return v as string[];
  }

  bad(key: string, want: string): Error {
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

export function neoxConfig(k: Keys): NeoxConfig {
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

export function gpt2Config(k: Keys): Gpt2Config {
  k.require('scale_attn_weights', (v) => v === true, 'attention scores are always scaled by 1/sqrt(head dim)');
  k.require('scale_attn_by_inverse_layer_idx', (v) => v === false, 'per-layer attention scaling is not implemented');
  k.require('reorder_and_upcast_attn', (v) => v === false, 'not implemented');
  const hiddenSize = k.int('n_embd');
  const numHeads = k.int('n_head');
  return {
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
  const family = familyOf(obj);
  if (!family) {
    const archs = Array.isArray(obj.architectures) ? obj.architectures.filter((a) => typeof a === 'string') : [];
    const what = [obj.model_type !== undefined ? `model_type ${JSON.stringify(obj.model_type)}` : 'no model_type', archs.length ? `architectures ${archs.join(', ')}` : '']
      .filter(Boolean).join(', ');
    throw new Error(`${source}: unsupported model (${what}). Supported model types: ${supportedList()}`);
  }
  try {
    return { family, ...FAMILIES[family].read(new Keys(obj, source)) } as HfModelConfig;
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
