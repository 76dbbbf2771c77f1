/**
 * GPT-2 graphs: learned positions, LayerNorm, Conv1D weights stored [in, out], `gelu_new`, and
 * the head tied to the token embedding.
 */
import { add, gather, matmul, layerNorm, layerNormalize, mul, slice, SymTensor } from '../graph';
import type { BuildContext, ForwardResult, Gpt2Arch } from './arch';
import { HookSet } from './hooks';
import { attentionSublayer } from './attention-block';
import { activation } from './activation';
import type { GraphWeights } from './graph-weights';

/** Columns [part·d, (part+1)·d) of the fused Conv1D c_attn weight [d, 3d] (or of its bias). */
function cAttnPart(W: GraphWeights, prefix: string, d: number, part: number, bias: boolean): SymTensor {
  const name = `${prefix}attn.c_attn.${bias ? 'bias' : 'weight'}`;
  const w = W.raw(name, bias ? [3 * d] : [d, 3 * d]);
  return W.derived(`${name}#${part}`, bias ? [d] : [d, d], () => {
    const src = w.data;
    if (bias) return src.slice(part * d, (part + 1) * d);
    const out = new Float32Array(d * d);
    for (let i = 0; i < d; i++) out.set(src.subarray(i * 3 * d + part * d, i * 3 * d + (part + 1) * d), i * d);
    return out;
  });
}

export function buildGpt2(ctx: BuildContext & { arch: Gpt2Arch }): ForwardResult {
  const { arch: a, weights: W, ids } = ctx;
  const d = a.hiddenSize, m = a.intermediateSize, eps = a.layerNormEps;
  const T = ids.shape[1];
  if (typeof T !== 'number' || T > a.maxPositions) throw new Error(`${ctx.modelName}: sequence length ${T} exceeds n_positions ${a.maxPositions}`);
  const hooks = new HookSet('gpt2', a.numLayers, ctx.modelName);
  const wte = W.get('transformer.wte.weight', [a.vocabSize, d]);
  const embed = ctx.inputEmbeds ?? gather(wte, ids, 0);
  const pos = slice(W.get('transformer.wpe.weight', [a.maxPositions, d]), 0, 0, T);
  hooks.set('hook_embed', embed);
  hooks.set('hook_pos_embed', pos);
  let x = add(embed, pos);
  for (let l = 0; l < a.numLayers; l++) {
    const p = `transformer.h.${l}.`;
    const b = `blocks.${l}.`;
    hooks.set(`${b}hook_resid_pre`, x);
    const ln = (name: string, t: SymTensor) => layerNorm(t, W.get(`${p}${name}.weight`, [d]), W.get(`${p}${name}.bias`, [d]), eps);
    const h = ln('ln_1', x);
    const proj = (part: number) => add(matmul(h, cAttnPart(W, p, d, part, false)), cAttnPart(W, p, d, part, true));
    const attnOut = attentionSublayer({
      q: proj(0), k: proj(1), v: proj(2), numHeads: a.numHeads, numKvHeads: a.numHeads,
      wo: W.get(`${p}attn.c_proj.weight`, [d, d]), bo: W.get(`${p}attn.c_proj.bias`, [d]),
    }, hooks, l);
    x = add(x, attnOut);
    hooks.set(`${b}hook_resid_mid`, x);
    const pre = add(matmul(ln('ln_2', x), W.get(`${p}mlp.c_fc.weight`, [d, m])), W.get(`${p}mlp.c_fc.bias`, [m]));
    const post = activation(a.hiddenAct, pre);
    const mlpOut = add(matmul(post, W.get(`${p}mlp.c_proj.weight`, [m, d])), W.get(`${p}mlp.c_proj.bias`, [d]));
    hooks.set(`${b}mlp.hook_pre`, pre);
    hooks.set(`${b}mlp.hook_post`, post);
    hooks.set(`${b}hook_mlp_out`, mlpOut);
    x = add(x, mlpOut);
    hooks.set(`${b}hook_resid_post`, x);
  }
  const normalized = layerNormalize(x, eps);
  hooks.set('ln_final.hook_normalized', normalized);
  const final = add(mul(normalized, W.get('transformer.ln_f.weight', [d])), W.get('transformer.ln_f.bias', [d]));
  const logits = W.logits(final, 'transformer.wte.weight', [a.vocabSize, d]);
  hooks.set('logits', logits);
  return { hooks, embed, logits };
}
