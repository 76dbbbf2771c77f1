/**
 * Hook points named as in TransformerLens, so features read like the field's papers. Values
 * include the BOS prefix position when the model uses one (see ForwardResult.offset).
 */
import type { SymTensor } from '../graph';
import { FAMILIES, isDecoderFamily, type Family } from './families';

export type { Family };

export interface HookInfo {
  /** Human description of the value and its shape, for errors and hovers. */
  description: string;
}

const when = (ok: (f: Family) => boolean | undefined, text: string) => (f: Family) => (ok(f) ? text : null);
const rotaryFamily = (f: Family) => !FAMILIES[f].learnedPositions;

/** Per-layer hooks with their TransformerLens meaning; null where a family has no such value. */
const PER_LAYER: Record<string, (f: Family) => string | null> = {
  hook_resid_pre: () => 'residual stream entering the block [batch, pos, d_model]',
  hook_resid_mid: when((f) => !FAMILIES[f].parallelResidual, 'residual stream after attention [batch, pos, d_model]'),
  hook_resid_post: () => 'residual stream leaving the block [batch, pos, d_model]',
  'ln1.hook_normalized': when(isDecoderFamily, 'attention input norm, before its weight [batch, pos, d_model]'),
  'ln1_post.hook_normalized': when((f) => FAMILIES[f].sandwichNorms, 'norm of the attention output, before its weight [batch, pos, d_model]'),
  'ln2.hook_normalized': when(isDecoderFamily, 'MLP input norm, before its weight [batch, pos, d_model]'),
  'ln2_post.hook_normalized': when((f) => FAMILIES[f].sandwichNorms, 'norm of the MLP output, before its weight [batch, pos, d_model]'),
  'attn.hook_q': (f) => (rotaryFamily(f) ? 'queries: the projection, before q norm and rotary [batch, pos, head, d_head]' : 'queries [batch, pos, head, d_head]'),
  'attn.hook_k': (f) => (rotaryFamily(f) ? 'keys: the projection, before k norm and rotary [batch, pos, kv_head, d_head]' : 'keys [batch, pos, kv_head, d_head]'),
  'attn.q_norm.hook_normalized': when((f) => FAMILIES[f].qkNorm, 'queries normalised per head, before the q norm weight [batch, pos, head, d_head]'),
  'attn.k_norm.hook_normalized': when((f) => FAMILIES[f].qkNorm, 'keys normalised per head, before the k norm weight [batch, pos, kv_head, d_head]'),
  'attn.hook_rot_q': when(rotaryFamily, 'queries after rotary: what the scores use [batch, pos, head, d_head]'),
  'attn.hook_rot_k': when(rotaryFamily, 'keys after rotary: what the scores use [batch, pos, kv_head, d_head]'),
  'attn.hook_v': () => 'values [batch, pos, kv_head, d_head]',
  'attn.hook_pattern': () => 'attention probabilities [batch, head, query_pos, key_pos]',
  'attn.hook_z': () => 'per-head attention outputs before W_O [batch, pos, head, d_head]',
  hook_attn_out: () => 'attention output added to the residual [batch, pos, d_model]',
  'mlp.hook_pre': () => 'MLP pre-activation (the gate for gated MLPs) [batch, pos, d_mlp]',
  'mlp.hook_pre_linear': when(isDecoderFamily, 'gated MLP up projection [batch, pos, d_mlp]'),
  'mlp.hook_post': () => 'MLP neuron activations: the input of the down projection [batch, pos, d_mlp]',
  hook_mlp_out: () => 'MLP output added to the residual [batch, pos, d_model]',
};

const GLOBAL: Record<string, (f: Family) => string | null> = {
  hook_embed: () => 'token embeddings [batch, pos, d_model]',
  hook_pos_embed: (f) => (f === 'gpt2' ? 'learned position embeddings [batch, pos, d_model]' : null),
  'ln_final.hook_normalized': () => 'final residual normalised, before the norm weight [batch, pos, d_model]',
  logits: () => 'output logits [batch, pos, vocab]',
};

/** Every hook name a model of this family and depth exposes, with descriptions. */
export function hookNames(family: Family, nLayers: number): Map<string, HookInfo> {
  const out = new Map<string, HookInfo>();
  for (const [k, d] of Object.entries(GLOBAL)) {
    const description = d(family);
    if (description) out.set(k, { description });
  }
  for (let l = 0; l < nLayers; l++) {
    for (const [k, d] of Object.entries(PER_LAYER)) {
      const description = d(family);
      if (description) out.set(`blocks.${l}.${k}`, { description });
    }
  }
  return out;
}

/** Explains why a hook name is not available, e.g. a layer past the model's depth. */
export function explainUnknownHook(name: string, family: Family, nLayers: number, modelName: string): string {
  const m = /^blocks\.(\d+)\.(.+)$/.exec(name);
  if (m) {
    const layer = Number(m[1]);
    if (layer >= nLayers) return `layer ${layer} does not exist: ${modelName} has layers 0–${nLayers - 1}`;
    if (PER_LAYER[m[2]] && !PER_LAYER[m[2]](family)) return `'${m[2]}' does not exist in ${family} models (${modelName})`;
    return `unknown hook '${name}'; per-layer hooks are ${Object.keys(PER_LAYER).filter((k) => PER_LAYER[k](family)).map((k) => `blocks.L.${k}`).join(', ')}`;
  }
  if (GLOBAL[name] && !GLOBAL[name](family)) return `'${name}' does not exist in ${family} models (${modelName})`;
  return `unknown hook '${name}'; model-level hooks are ${Object.keys(GLOBAL).filter((k) => GLOBAL[k](family)).join(', ')}, and blocks.L.* per layer`;
}

export class HookSet {
  // Values that need extra nodes (e.g. a transpose into TransformerLens layout) are thunks,
  // emitted only when a feature asks for them.
  private readonly values = new Map<string, SymTensor | (() => SymTensor)>();
  constructor(readonly family: Family, readonly nLayers: number, readonly modelName: string) {}

  set(name: string, value: SymTensor | (() => SymTensor)): void {
    this.values.set(name, value);
  }

  get(name: string): SymTensor {
    const v = this.values.get(name);
    if (!v) throw new Error(explainUnknownHook(name, this.family, this.nLayers, this.modelName));
    if (typeof v !== 'function') return v;
    const t = v();
    this.values.set(name, t);
    return t;
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  names(): string[] {
    return [...this.values.keys()];
  }
}
