/**
 * Llama-family graphs (RMSNorm, rotary, SwiGLU, grouped-query attention, tied or untied head):
 * stories260K (llama2.c), TinyLlama, Llama-2/3-style Hugging Face checkpoints. Weights use
 * Hugging Face names; the llama2.c loader maps its arrays onto them.
 */
import { add, mul, silu, rmsNorm, gather, matmul } from '../graph';
import type { BuildContext, ForwardResult, LlamaArch } from './arch';
import { HookSet } from './hooks';
import { attentionSublayer } from './attention-block';

export function buildLlama(ctx: BuildContext & { arch: LlamaArch }): ForwardResult {
  const { arch: a, weights: W, ids } = ctx;
  const d = a.hiddenSize, kvDim = a.numKvHeads * a.headDim, qDim = a.numHeads * a.headDim;
  const hooks = new HookSet('llama', a.numLayers, ctx.modelName);
  const embed = ctx.inputEmbeds ?? gather(W.get('model.embed_tokens.weight', [a.vocabSize, d]), ids, 0);
  hooks.set('hook_embed', embed);
  let x = embed;
  for (let l = 0; l < a.numLayers; l++) {
    const p = `model.layers.${l}.`;
    const b = `blocks.${l}.`;
    hooks.set(`${b}hook_resid_pre`, x);
    const h = rmsNorm(x, W.get(`${p}input_layernorm.weight`, [d]), a.rmsNormEps);
    const attnOut = attentionSublayer({
      q: matmul(h, W.transposed(`${p}self_attn.q_proj.weight`, [qDim, d])),
      k: matmul(h, W.transposed(`${p}self_attn.k_proj.weight`, [kvDim, d])),
      v: matmul(h, W.transposed(`${p}self_attn.v_proj.weight`, [kvDim, d])),
      numHeads: a.numHeads,
      numKvHeads: a.numKvHeads,
      rope: { rotaryDim: a.headDim, theta: a.ropeTheta, pairing: a.ropePairing },
      wo: W.transposed(`${p}self_attn.o_proj.weight`, [d, qDim]),
    }, hooks, l);
    x = add(x, attnOut);
    hooks.set(`${b}hook_resid_mid`, x);
    const h2 = rmsNorm(x, W.get(`${p}post_attention_layernorm.weight`, [d]), a.rmsNormEps);
    const gate = matmul(h2, W.transposed(`${p}mlp.gate_proj.weight`, [a.intermediateSize, d]));
    const up = matmul(h2, W.transposed(`${p}mlp.up_proj.weight`, [a.intermediateSize, d]));
    const post = mul(silu(gate), up);
    const mlpOut = matmul(post, W.transposed(`${p}mlp.down_proj.weight`, [d, a.intermediateSize]));
    hooks.set(`${b}mlp.hook_pre`, gate);
    hooks.set(`${b}mlp.hook_pre_linear`, up);
    hooks.set(`${b}mlp.hook_post`, post);
    hooks.set(`${b}hook_mlp_out`, mlpOut);
    x = add(x, mlpOut);
    hooks.set(`${b}hook_resid_post`, x);
  }
  const normalized = rmsNorm(x, null, a.rmsNormEps);
  hooks.set('ln_final.hook_normalized', normalized);
  const headName = a.tiedEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight';
  const logits = matmul(mul(normalized, W.get('model.norm.weight', [d])), W.transposed(headName, [a.vocabSize, d]));
  hooks.set('logits', logits);
  return { hooks, embed, logits };
}
