/**
 * GPT-NeoX / Pythia graphs: LayerNorm, partial rotary (rotate-half within the first rotary_dim
 * dims of each head), parallel residual x + attn(ln1 x) + mlp(ln2 x), untied head, and an
 * embedding with padded rows past the tokenizer.
 */
import { add, gather, matmul, layerNorm, layerNormalize, mul, SymTensor } from '../graph';
import { activation } from './activation';
import type { BuildContext, ForwardResult, NeoxArch } from './arch';
import { HookSet } from './hooks';
import { attentionSublayer } from './attention-block';
import type { GraphWeights } from './graph-weights';

/**
 * NeoX fuses Q, K and V per head: output row h·3d + j·d + c is part j (q, k, v) of head h.
 * Returns part j as a transposed [hidden, H·d] matrix, or the matching bias.
 */
function fusedPart(W: GraphWeights, prefix: string, a: NeoxArch, part: number, bias: boolean): SymTensor {
  const H = a.numHeads, d = a.headDim, hid = a.hiddenSize;
  const name = `${prefix}attention.query_key_value.${bias ? 'bias' : 'weight'}`;
  const w = W.raw(name, bias ? [3 * hid] : [3 * hid, hid]);
  return W.derived(`${name}#${part}`, bias ? [H * d] : [hid, H * d], () => {
    const src = w.data;
    if (bias) {
      const out = new Float32Array(H * d);
      for (let h = 0; h < H; h++) out.set(src.subarray(h * 3 * d + part * d, h * 3 * d + (part + 1) * d), h * d);
      return out;
    }
    const out = new Float32Array(hid * H * d); // [hidden, H·d]
    for (let h = 0; h < H; h++) {
      for (let c = 0; c < d; c++) {
        const row = h * 3 * d + part * d + c;
        for (let i = 0; i < hid; i++) out[i * H * d + h * d + c] = src[row * hid + i];
      }
    }
    return out;
  });
}

export function buildNeox(ctx: BuildContext & { arch: NeoxArch }): ForwardResult {
  const { arch: a, weights: W, ids } = ctx;
  const d = a.hiddenSize, m = a.intermediateSize, eps = a.layerNormEps;
  const hooks = new HookSet('neox', a.numLayers, ctx.modelName);
  const embed = ctx.inputEmbeds ?? gather(W.get('gpt_neox.embed_in.weight', [a.vocabSize, d]), ids, 0);
  hooks.set('hook_embed', embed);
  let x = embed;
  for (let l = 0; l < a.numLayers; l++) {
    const p = `gpt_neox.layers.${l}.`;
    const b = `blocks.${l}.`;
    hooks.set(`${b}hook_resid_pre`, x);
    const ln = (name: string, t: SymTensor) => layerNorm(t, W.get(`${p}${name}.weight`, [d]), W.get(`${p}${name}.bias`, [d]), eps);
    const h = ln('input_layernorm', x);
    const proj = (part: number) => add(matmul(h, fusedPart(W, p, a, part, false)), fusedPart(W, p, a, part, true));
    const attnOut = attentionSublayer({
      q: proj(0), k: proj(1), v: proj(2),
      numHeads: a.numHeads, numKvHeads: a.numHeads,
      rope: { rotaryDim: a.rotaryDim, theta: a.ropeTheta, pairing: 'half' },
      wo: W.transposed(`${p}attention.dense.weight`, [d, d]),
      bo: W.get(`${p}attention.dense.bias`, [d]),
    }, hooks, l);
    let mlpIn: SymTensor;
    if (a.parallelResidual) {
      mlpIn = ln('post_attention_layernorm', x);
    } else {
      x = add(x, attnOut);
      hooks.set(`${b}hook_resid_mid`, x);
      mlpIn = ln('post_attention_layernorm', x);
    }
    const pre = add(matmul(mlpIn, W.transposed(`${p}mlp.dense_h_to_4h.weight`, [m, d])), W.get(`${p}mlp.dense_h_to_4h.bias`, [m]));
    const post = activation(a.hiddenAct, pre);
    const mlpOut = add(matmul(post, W.transposed(`${p}mlp.dense_4h_to_h.weight`, [d, m])), W.get(`${p}mlp.dense_4h_to_h.bias`, [d]));
    hooks.set(`${b}mlp.hook_pre`, pre);
    hooks.set(`${b}mlp.hook_post`, post);
    hooks.set(`${b}hook_mlp_out`, mlpOut);
    x = a.parallelResidual ? add(add(x, attnOut), mlpOut) : add(x, mlpOut);
    hooks.set(`${b}hook_resid_post`, x);
  }
  const normalized = layerNormalize(x, eps);
  hooks.set('ln_final.hook_normalized', normalized);
  const final = add(mul(normalized, W.get('gpt_neox.final_layer_norm.weight', [d])), W.get('gpt_neox.final_layer_norm.bias', [d]));
  const head = a.tiedEmbeddings ? 'gpt_neox.embed_in.weight' : 'embed_out.weight';
  const logits = W.logits(final, head, [a.vocabSize, d]);
  hooks.set('logits', logits);
  return { hooks, embed, logits };
}
