/**
 * The pre-norm decoder block shared by the Llama-like families (Llama 1–3, Mistral, Qwen 2/3,
 * Gemma 2/3): RMSNorm, rotary, grouped-query attention, gated MLP. What a family changes is data
 * in `DecoderConfig` (read from its config.json by its file in families/), not code here:
 * biases, q/k norms, Gemma's (1 + w) norms and the norms after attention and MLP, the embedding
 * scale, the attention scale and soft-caps, sliding-window layers and per-layer rotary.
 *
 * Hooks are TransformerLens': `attn.hook_q`/`hook_k` are the projections (before any q/k norm and
 * before rotary), `attn.hook_rot_q`/`hook_rot_k` what the scores are computed from; the norms'
 * `hook_normalized` values are before their weight.
 */
import { add, mul, rmsNorm, gather, matmul, tanh, splitHeads, rotary, causalAttention, transpose, reshape, SymTensor } from '../graph';
import { activation } from './activation';
import type { BuildContext, DecoderArch, ForwardResult } from './arch';
import type { GraphWeights } from './graph-weights';
import { HookSet } from './hooks';
import type { LlamaConfig } from './llama2c';

/** Llama's hyper-parameters (llama2c.ts) plus everything a Llama-like family may change; absent fields mean Llama's behaviour. */
export interface DecoderConfig extends LlamaConfig {
  /** Weight-name prefix of the decoder (`model.`; a Gemma 3 multimodal checkpoint nests it). */
  prefix?: string;
  /** The head's name when untied (default `lm_head.weight`). */
  headName?: string;
  /** q, k, v projections have biases (Qwen 2; Llama/Qwen 3 `attention_bias`). */
  qkvBias?: boolean;
  /** o_proj has a bias (Llama/Qwen 3 `attention_bias`). */
  oBias?: boolean;
  /** Per-head RMSNorm of q and k before rotary (Qwen 3, Gemma 3). */
  qkNorm?: boolean;
  /** Gemma's RMSNorm scales by (1 + w). */
  normPlusOne?: boolean;
  /** Gemma 2/3: norms after attention and after the MLP too (pre_feedforward_layernorm is the MLP's input norm). */
  sandwichNorms?: boolean;
  /** Gemma: embeddings × √hidden_size, rounded to the checkpoint's dtype as upstream does. */
  embedScale?: number;
  /** The gate's activation: silu (default), gelu_pytorch_tanh (Gemma), gelu. */
  hiddenAct?: string;
  /** Multiplies q·k (default headDim^-½; Gemma: query_pre_attn_scalar^-½). */
  queryScale?: number;
  /** cap·tanh(scores / cap) before the mask (Gemma 2). */
  attnSoftcap?: number;
  /** cap·tanh(logits / cap) (Gemma 2). */
  finalSoftcap?: number;
  /** Sliding-window size per layer, null for global attention (default: all global). */
  windows?: (number | null)[];
  /** Rotary inverse frequencies per layer (headDim / 2 each) when not theta^(−2p/headDim): scaled or local bases. */
  ropeInvFreq?: (readonly number[] | null)[];
}

/** RMSNorm's weight as the graph multiplies it: w, or 1 + w for Gemma. */
function normWeight(W: GraphWeights, name: string, d: number, plusOne: boolean): SymTensor {
  if (!plusOne) return W.get(name, [d]);
  const w = W.raw(name, [d]);
  return W.derived(`${name}+1`, [d], () => Float32Array.from(w.data, (v) => 1 + v));
}

export function buildDecoder(ctx: BuildContext & { arch: DecoderArch }): ForwardResult {
  const { arch: a, weights: W, ids } = ctx;
  const d = a.hiddenSize, m = a.intermediateSize, hd = a.headDim, eps = a.rmsNormEps;
  const qDim = a.numHeads * hd, kvDim = a.numKvHeads * hd;
  const pre = a.prefix ?? 'model.';
  const hooks = new HookSet(a.family, a.numLayers, ctx.modelName);
  const plusOne = !!a.normPlusOne;
  /** Normalises, records `hook_normalized` (before the weight), applies the weight. */
  const norm = (x: SymTensor, weight: string, hook: string, dim = d) => {
    const normalized = rmsNorm(x, null, eps);
    hooks.set(hook, normalized);
    return mul(normalized, normWeight(W, weight, dim, plusOne));
  };
  const linear = (x: SymTensor, name: string, out: number, inDim: number, bias: boolean) => {
    const y = matmul(x, W.transposed(`${name}.weight`, [out, inDim]));
    return bias ? add(y, W.get(`${name}.bias`, [out])) : y;
  };

  // ForwardResult.embed stays the raw lookup: one-hot gradients are (∂/∂embed)·Eᵀ.
  const embed = ctx.inputEmbeds ?? gather(W.get(`${pre}embed_tokens.weight`, [a.vocabSize, d]), ids, 0);
  let x = a.embedScale !== undefined ? mul(embed, a.embedScale) : embed;
  hooks.set('hook_embed', x);
  for (let l = 0; l < a.numLayers; l++) {
    const p = `${pre}layers.${l}.`;
    const b = `blocks.${l}.`;
    hooks.set(`${b}hook_resid_pre`, x);
    const h = norm(x, `${p}input_layernorm.weight`, `${b}ln1.hook_normalized`);
    let attnOut = attention(h, l);
    if (a.sandwichNorms) attnOut = norm(attnOut, `${p}post_attention_layernorm.weight`, `${b}ln1_post.hook_normalized`);
    hooks.set(`${b}hook_attn_out`, attnOut);
    x = add(x, attnOut);
    hooks.set(`${b}hook_resid_mid`, x);
    // Llama's post_attention_layernorm is the MLP's input norm; Gemma's is the one after attention.
    const h2 = norm(x, `${p}${a.sandwichNorms ? 'pre_feedforward_layernorm' : 'post_attention_layernorm'}.weight`, `${b}ln2.hook_normalized`);
    const gate = linear(h2, `${p}mlp.gate_proj`, m, d, false);
    const up = linear(h2, `${p}mlp.up_proj`, m, d, false);
    const post = mul(activation(a.hiddenAct ?? 'silu', gate), up);
    let mlpOut = linear(post, `${p}mlp.down_proj`, d, m, false);
    hooks.set(`${b}mlp.hook_pre`, gate);
    hooks.set(`${b}mlp.hook_pre_linear`, up);
    hooks.set(`${b}mlp.hook_post`, post);
    if (a.sandwichNorms) mlpOut = norm(mlpOut, `${p}post_feedforward_layernorm.weight`, `${b}ln2_post.hook_normalized`);
    hooks.set(`${b}hook_mlp_out`, mlpOut);
    x = add(x, mlpOut);
    hooks.set(`${b}hook_resid_post`, x);
  }
  const final = norm(x, `${pre}norm.weight`, 'ln_final.hook_normalized');
  const head = a.tiedEmbeddings ? `${pre}embed_tokens.weight` : (a.headName ?? 'lm_head.weight');
  let logits = W.logits(final, head, [a.vocabSize, d]);
  if (a.finalSoftcap !== undefined) logits = mul(tanh(mul(logits, 1 / a.finalSoftcap)), a.finalSoftcap);
  hooks.set('logits', logits);
  return { hooks, embed, logits };

  function attention(h: SymTensor, l: number): SymTensor {
    const p = `${pre}layers.${l}.self_attn.`;
    const b = `blocks.${l}.attn.`;
    let q = splitHeads(linear(h, `${p}q_proj`, qDim, d, !!a.qkvBias), a.numHeads);
    let k = splitHeads(linear(h, `${p}k_proj`, kvDim, d, !!a.qkvBias), a.numKvHeads);
    const v = splitHeads(linear(h, `${p}v_proj`, kvDim, d, !!a.qkvBias), a.numKvHeads);
    const tl = (t: SymTensor) => () => transpose(t, [0, 2, 1, 3]); // [B, H, n, d] → TransformerLens' [B, n, H, d]
    hooks.set(`${b}hook_q`, tl(q));
    hooks.set(`${b}hook_k`, tl(k));
    hooks.set(`${b}hook_v`, tl(v));
    if (a.qkNorm) {
      const headNorm = (t: SymTensor, which: 'q' | 'k') => {
        const normalized = rmsNorm(t, null, eps);
        hooks.set(`${b}${which}_norm.hook_normalized`, tl(normalized));
        return mul(normalized, normWeight(W, `${p}${which}_norm.weight`, hd, plusOne));
      };
      q = headNorm(q, 'q');
      k = headNorm(k, 'k');
    }
    const invFreq = a.ropeInvFreq?.[l] ?? undefined;
    const rope = { rotaryDim: hd, theta: a.ropeTheta, pairing: a.ropePairing, invFreq };
    q = rotary(q, rope);
    k = rotary(k, rope);
    hooks.set(`${b}hook_rot_q`, tl(q));
    hooks.set(`${b}hook_rot_k`, tl(k));
    const window = a.windows?.[l] ?? undefined;
    const { pattern, z } = causalAttention(q, k, v, { scale: a.queryScale, softcap: a.attnSoftcap, window: window === null ? undefined : window });
    hooks.set(`${b}hook_pattern`, pattern);
    hooks.set(`${b}hook_z`, z);
    const [bb, n, H, dh] = z.shape as [string, number, number, number];
    return linear(reshape(z, [bb, n, H * dh]), `${p}o_proj`, d, qDim, !!a.oBias);
  }
}
