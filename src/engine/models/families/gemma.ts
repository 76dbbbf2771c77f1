/**
 * Gemma 2 and Gemma 3 (text). Both: embeddings × √hidden_size in the checkpoint's dtype, RMSNorm
 * with (1 + w), norms before *and* after attention and the MLP (Gemma's post_attention_layernorm
 * normalises the attention output; pre_feedforward_layernorm is the MLP's input norm), GeGLU with
 * tanh-GELU, q·k scaled by query_pre_attn_scalar^-½, tied embeddings, local (sliding) and global
 * layers. Gemma 2: soft-capped attention scores and logits, every other layer sliding from layer 0.
 * Gemma 3: per-head q/k norms, a separate rotary base for local layers (rope_local_base_freq,
 * unscaled) and rope_scaling on the global ones, layers sliding in the pattern the config gives;
 * a multimodal `gemma3` checkpoint nests the text config in `text_config`.
 */
import type { Keys } from '../hf-config';
import type { DecoderConfig } from '../decoder';
import { compact, configDtype, decoderBase, layerTypes, roundToDtype, windowsOf } from './decoder-config';
import { defaultInvFreq, ropeSpec } from './rope';

function gemmaCommon(k: Keys, dtypeKeys: Keys, defaults: { window: number; queryPreAttnScalar: number }): DecoderConfig {
  const act = k.has('hidden_activation') ? k.str('hidden_activation', '') : k.str('hidden_act', 'gelu_pytorch_tanh');
  if (!['gelu_pytorch_tanh', 'gelu'].includes(act)) throw new Error(`${k.source}: "hidden_activation" ${JSON.stringify(act)} is not supported (Gemma uses gelu_pytorch_tanh)`);
  const c = decoderBase(k, { headDim: 256, tiedEmbeddings: true, maxPositions: 8192 });
  const bias = k.bool('attention_bias', false);
  return {
    ...c,
    qkvBias: bias || undefined,
    oBias: bias || undefined,
    normPlusOne: true,
    sandwichNorms: true,
    embedScale: roundToDtype(Math.sqrt(c.hiddenSize), configDtype(dtypeKeys)),
    hiddenAct: act,
    queryScale: Math.pow(k.num('query_pre_attn_scalar', defaults.queryPreAttnScalar), -0.5),
    windows: undefined,
  };
}

export function gemma2Config(k: Keys): DecoderConfig {
  const c = gemmaCommon(k, k, { window: 4096, queryPreAttnScalar: 256 });
  const types = layerTypes(k, c.numLayers, (i) => ((i + 1) % 2 ? 'sliding_attention' : 'full_attention'));
  const spec = ropeSpec(k, c.headDim, c.ropeTheta);
  return compact({
    ...c,
    attnSoftcap: k.optionalNum('attn_logit_softcapping'),
    finalSoftcap: k.optionalNum('final_logit_softcapping'),
    windows: windowsOf(types, k.int('sliding_window', 4096)),
    ropeInvFreq: spec.invFreq ? types.map(() => spec.invFreq) : undefined,
  });
}

/** `gemma3_text`, or the text tower of a multimodal `gemma3` config (its `text_config`). */
export function gemma3Config(outer: Keys): DecoderConfig {
  const k = outer.raw.model_type === 'gemma3' ? outer.nested('text_config') : outer;
  const c = gemmaCommon(k, k.raw.torch_dtype || k.raw.dtype ? k : outer, { window: 4096, queryPreAttnScalar: 256 });
  const pattern = k.int('sliding_window_pattern', k.has('_sliding_window_pattern') ? k.int('_sliding_window_pattern') : 6);
  const types = layerTypes(k, c.numLayers, (i) => ((i + 1) % pattern ? 'sliding_attention' : 'full_attention'));
  const global = ropeSpec(k, c.headDim, c.ropeTheta, { layerType: 'full_attention' });
  const local = ropeSpec(k, c.headDim, k.num('rope_local_base_freq', 10000), { layerType: 'sliding_attention', scaled: false });
  const localFreq = local.invFreq ?? defaultInvFreq(local.theta, c.headDim);
  return compact({
    ...c,
    qkNorm: true,
    attnSoftcap: k.optionalNum('attn_logit_softcapping'),
    finalSoftcap: k.optionalNum('final_logit_softcapping'),
    windows: windowsOf(types, k.int('sliding_window', 4096)),
    ropeTheta: global.theta,
    ropeInvFreq: types.map((t) => (t === 'sliding_attention' ? localFreq : global.invFreq)),
  });
}
