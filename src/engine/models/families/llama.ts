/** Llama (1–3.x, with Llama 3 rope scaling) and Mistral (sliding-window attention on every layer). */
import type { Keys } from '../hf-config';
import type { DecoderConfig } from '../decoder';
import { compact, decoderBase, uniformRope, windowsOf } from './decoder-config';

export function llamaConfig(k: Keys): DecoderConfig {
  k.require('hidden_act', (v) => v === 'silu', 'the Llama MLP is SwiGLU with silu');
  const c = decoderBase(k);
  const bias = k.bool('attention_bias', false);
  return compact({ ...c, qkvBias: bias || undefined, oBias: bias || undefined, ropeInvFreq: uniformRope(k, c) });
}

export function mistralConfig(k: Keys): DecoderConfig {
  k.require('hidden_act', (v) => v === 'silu', 'the Mistral MLP is SwiGLU with silu');
  const c = decoderBase(k);
  // sliding_window: null (Mistral 7B v0.2 and later) means full attention.
  const window = k.has('sliding_window') ? k.int('sliding_window') : undefined;
  return compact({ ...c, windows: windowsOf(Array(c.numLayers).fill('sliding_attention'), window), ropeInvFreq: uniformRope(k, c) });
}
