/**
 * Qwen 2 / 2.5 (biases on q, k, v) and Qwen 3 (per-head RMSNorm of q and k before rotary, an
 * explicit head_dim, `attention_bias` for all four projections). Both slide only when
 * `use_sliding_window` is true, and then only on layers ≥ max_window_layers (or as `layer_types` says).
 */
import type { Keys } from '../hf-config';
import type { DecoderConfig } from '../decoder';
import { compact, decoderBase, layerTypes, uniformRope, windowsOf } from './decoder-config';

function qwenWindows(k: Keys, c: DecoderConfig): (number | null)[] | undefined {
  // Many configs carry a sliding_window with use_sliding_window: false — then nothing slides.
  const window = k.bool('use_sliding_window', false) && k.has('sliding_window') ? k.int('sliding_window') : undefined;
  if (window === undefined) return undefined;
  const maxWindowLayers = k.int('max_window_layers', 28);
  return windowsOf(layerTypes(k, c.numLayers, (i) => (i >= maxWindowLayers ? 'sliding_attention' : 'full_attention')), window);
}

export function qwen2Config(k: Keys): DecoderConfig {
  k.require('hidden_act', (v) => v === 'silu', 'the Qwen MLP is SwiGLU with silu');
  const c = decoderBase(k);
  return compact({ ...c, qkvBias: true, windows: qwenWindows(k, c), ropeInvFreq: uniformRope(k, c) });
}

export function qwen3Config(k: Keys): DecoderConfig {
  k.require('hidden_act', (v) => v === 'silu', 'the Qwen MLP is SwiGLU with silu');
  const c = decoderBase(k);
  const bias = k.bool('attention_bias', false);
  return compact({ ...c, qkvBias: bias || undefined, oBias: bias || undefined, qkNorm: true, windows: qwenWindows(k, c), ropeInvFreq: uniformRope(k, c) });
}
