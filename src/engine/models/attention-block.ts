/** The attention sub-layer of GPT-2 and GPT-NeoX (the Llama-like families build theirs in decoder.ts). */
import { SymTensor, causalAttention, rotary, splitHeads, transpose, reshape, matmul, add } from '../graph';
import type { HookSet } from './hooks';

export interface AttentionInputs {
  /** [B, T, H·d], [B, T, KV·d], [B, T, KV·d] projections. */
  q: SymTensor;
  k: SymTensor;
  v: SymTensor;
  numHeads: number;
  numKvHeads: number;
  rope?: { rotaryDim: number; theta: number; pairing: 'adjacent' | 'half' };
  /** W_O as [H·d, d_model] (already transposed) and an optional bias. */
  wo: SymTensor;
  bo?: SymTensor | null;
}

/**
 * Causal attention with hooks recorded under `blocks.{layer}` as TransformerLens names them:
 * hook_q/hook_k are the projections, hook_rot_q/hook_rot_k the rotated values the scores use.
 */
export function attentionSublayer(x: AttentionInputs, hooks: HookSet, layer: number): SymTensor {
  let q = splitHeads(x.q, x.numHeads);
  let k = splitHeads(x.k, x.numKvHeads);
  const v = splitHeads(x.v, x.numKvHeads);
  const p = `blocks.${layer}.`;
  const tl = (t: SymTensor) => () => transpose(t, [0, 2, 1, 3]);
  hooks.set(`${p}attn.hook_q`, tl(q));
  hooks.set(`${p}attn.hook_k`, tl(k));
  if (x.rope) {
    q = rotary(q, x.rope);
    k = rotary(k, x.rope);
    hooks.set(`${p}attn.hook_rot_q`, tl(q));
    hooks.set(`${p}attn.hook_rot_k`, tl(k));
  }
  const { pattern, z } = causalAttention(q, k, v);
  hooks.set(`${p}attn.hook_v`, tl(v));
  hooks.set(`${p}attn.hook_pattern`, pattern);
  hooks.set(`${p}attn.hook_z`, z);
  const [b, n, h, d] = z.shape as [string, number, number, number];
  let out = matmul(reshape(z, [b, n, h * d]), x.wo);
  if (x.bo) out = add(out, x.bo);
  hooks.set(`${p}hook_attn_out`, out);
  return out;
}
