/** The config.json fields every Llama-like family shares, read into a DecoderConfig. */
import type { Keys } from '../hf-config';
import type { DecoderConfig } from '../decoder';
import { ropeSpec } from './rope';

export type LayerType = 'full_attention' | 'sliding_attention';
const LAYER_TYPES = ['full_attention', 'sliding_attention'] as const;

/** `c` without its undefined fields (a config lists only what a family uses). */
export function compact<T extends object>(c: T): T {
  return Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined)) as T;
}

/** Upstream defaults a family's config class supplies when a key is absent. */
export interface Defaults {
  headDim?: number;
  numKvHeads?: number;
  rmsNormEps?: number;
  ropeTheta?: number;
  maxPositions?: number;
  tiedEmbeddings?: boolean;
  hiddenAct?: string;
}

export function decoderBase(k: Keys, defaults: Defaults = {}): DecoderConfig {
  const hiddenSize = k.int('hidden_size');
  const numHeads = k.int('num_attention_heads');
  const numKvHeads = k.int('num_key_value_heads', defaults.numKvHeads ?? numHeads);
  k.divide(numHeads, 'num_attention_heads', numKvHeads, 'num_key_value_heads');
  // head_dim is its own key where it differs from hidden / heads (Gemma, Qwen 3, Mistral NeMo).
  const headDim = k.has('head_dim') ? k.int('head_dim') : defaults.headDim ?? k.divide(hiddenSize, 'hidden_size', numHeads, 'num_attention_heads');
  if (headDim % 2 !== 0) throw new Error(`head dim ${headDim} must be even for rotary embeddings`);
  k.require('mlp_bias', (v) => v === false, 'MLP biases are not implemented');
  return {
    hiddenSize,
    intermediateSize: k.int('intermediate_size'),
    numLayers: k.int('num_hidden_layers'),
    numHeads,
    numKvHeads,
    headDim,
    vocabSize: k.int('vocab_size'),
    maxPositions: k.int('max_position_embeddings', defaults.maxPositions),
    rmsNormEps: k.num('rms_norm_eps', defaults.rmsNormEps ?? 1e-6),
    ropeTheta: ropeTheta(k, defaults.ropeTheta ?? 10000),
    ropePairing: 'half',
    tiedEmbeddings: k.bool('tie_word_embeddings', defaults.tiedEmbeddings ?? false),
  };
}

/** rope_theta, or transformers 5's rope_parameters.rope_theta. */
function ropeTheta(k: Keys, fallback: number): number {
  if (k.has('rope_theta')) return k.num('rope_theta');
  const p = k.raw.rope_parameters as Record<string, unknown> | undefined;
  const t = p && typeof p === 'object' ? (p.rope_theta ?? (p.full_attention as Record<string, unknown> | undefined)?.rope_theta) : undefined;
  return typeof t === 'number' && t > 0 ? t : fallback;
}

/** The layers' kinds from `layer_types`, else from `fallback(i)`; checked against num_hidden_layers. */
export function layerTypes(k: Keys, numLayers: number, fallback: (i: number) => LayerType): LayerType[] {
  const listed = k.stringList('layer_types', LAYER_TYPES) as LayerType[] | undefined;
  if (listed && listed.length !== numLayers) throw new Error(`${k.source}: "layer_types" has ${listed.length} entries for ${numLayers} layers`);
  return listed ?? Array.from({ length: numLayers }, (_, i) => fallback(i));
}

/** Per-layer windows: `window` on sliding layers, null on full ones; undefined when none slides. */
export function windowsOf(types: LayerType[], window: number | undefined): (number | null)[] | undefined {
  if (window === undefined || !types.includes('sliding_attention')) return undefined;
  return types.map((t) => (t === 'sliding_attention' ? window : null));
}

/** Per-layer rotary frequencies (null entries: the plain theta^(−2p/d)); undefined when no layer is scaled. */
export function uniformRope(k: Keys, c: DecoderConfig): (number[] | null)[] | undefined {
  const spec = ropeSpec(k, c.headDim, c.ropeTheta);
  return spec.invFreq ? Array.from({ length: c.numLayers }, () => spec.invFreq) : undefined;
}

/** A value as the checkpoint's dtype stores it (Gemma multiplies by √hidden in that dtype). */
export function roundToDtype(v: number, dtype: string | undefined): number {
  const f32 = Math.fround(v);
  if (dtype === 'bfloat16') {
    const u = new Uint32Array(new Float32Array([f32]).buffer)[0];
    const rounded = (u + 0x7fff + ((u >>> 16) & 1)) & 0xffff0000; // round to nearest even
    return new Float32Array(new Uint32Array([rounded >>> 0]).buffer)[0];
  }
  if (dtype === 'float16') {
    // float16 keeps 11 significant bits: round the float32's mantissa to 10 stored bits.
    const e = Math.floor(Math.log2(Math.abs(f32)));
    const step = Math.pow(2, e - 10);
    return Math.round(f32 / step) * step;
  }
  return f32;
}

/** The checkpoint's dtype as config.json names it (torch_dtype; transformers 5: dtype). */
export function configDtype(k: Keys): string | undefined {
  const v = k.raw.torch_dtype ?? k.raw.dtype;
  return typeof v === 'string' ? v : undefined;
}
