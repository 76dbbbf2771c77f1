/**
 * Rotary frequencies from a config's `rope_scaling` (transformers ≤ 4.x) or `rope_parameters`
 * (5.x): the base, and the per-pair inverse frequencies when scaled. Types Reverie does not
 * implement are an error naming them, never ignored: a scaled model computed unscaled is wrong at
 * every position.
 */
import type { Keys } from '../hf-config';

export const SUPPORTED_ROPE_TYPES = ['default', 'linear', 'llama3'] as const;

export interface RopeSpec {
  theta: number;
  /** headDim / 2 inverse frequencies, or null for theta^(−2p/headDim). */
  invFreq: number[] | null;
}

/** theta^(−2p/dim) for p < dim/2. */
export function defaultInvFreq(theta: number, dim: number): number[] {
  return Array.from({ length: dim / 2 }, (_, p) => 1 / Math.pow(theta, (2 * p) / dim));
}

/**
 * Llama 3.1's scaling (transformers' `_compute_llama3_parameters`): wavelengths longer than
 * original_max_position_embeddings / low_freq_factor are divided by `factor`, shorter than
 * … / high_freq_factor are kept, and those between are interpolated.
 */
export function llama3InvFreq(base: number[], factor: number, low: number, high: number, originalMax: number): number[] {
  const lowWavelen = originalMax / low, highWavelen = originalMax / high;
  return base.map((f) => {
    const wavelen = (2 * Math.PI) / f;
    if (wavelen < highWavelen) return f;
    if (wavelen > lowWavelen) return f / factor;
    const smooth = (originalMax / wavelen - low) / (high - low);
    return (1 - smooth) * (f / factor) + smooth * f;
  });
}

/** The scaling entry for one kind of layer: `rope_scaling`, or `rope_parameters[layerType]` / `rope_parameters`. */
function scalingEntry(k: Keys, layerType?: 'full_attention' | 'sliding_attention'): { entry: Record<string, unknown> | null; where: string } {
  const params = k.raw.rope_parameters;
  if (params && typeof params === 'object' && !Array.isArray(params)) {
    const p = params as Record<string, unknown>;
    if (layerType && p[layerType] && typeof p[layerType] === 'object') return { entry: p[layerType] as Record<string, unknown>, where: `rope_parameters.${layerType}` };
    if (!('full_attention' in p) && !('sliding_attention' in p)) return { entry: p, where: 'rope_parameters' };
  }
  const s = k.raw.rope_scaling;
  if (s === undefined || s === null) return { entry: null, where: 'rope_scaling' };
  if (typeof s !== 'object' || Array.isArray(s)) throw new Error(`${k.source}: "rope_scaling" must be an object or null, got ${JSON.stringify(s)}`);
  return { entry: s as Record<string, unknown>, where: 'rope_scaling' };
}

function num(entry: Record<string, unknown>, key: string, where: string, source: string, fallback?: number): number {
  const v = entry[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new Error(`${source}: "${where}.${key}" must be a positive number, got ${JSON.stringify(entry[key])}`);
  return v;
}

/**
 * The rotary spec for `headDim` with base `theta` (the config's rope_theta, or a local base), scaled
 * as the config says for layers of `layerType`; `scaled: false` ignores scaling (Gemma 3's local layers).
 */
export function ropeSpec(k: Keys, headDim: number, theta: number, opts: { layerType?: 'full_attention' | 'sliding_attention'; scaled?: boolean } = {}): RopeSpec {
  const { entry, where } = scalingEntry(k, opts.layerType);
  if (!entry) return { theta, invFreq: null };
  const t = typeof entry.rope_theta === 'number' ? num(entry, 'rope_theta', where, k.source) : theta;
  if (opts.scaled === false) return { theta: t, invFreq: null };
  const type = entry.rope_type ?? entry.type ?? 'default';
  const base = defaultInvFreq(t, headDim);
  switch (type) {
    case 'default': return { theta: t, invFreq: null };
    case 'linear': return { theta: t, invFreq: base.map((f) => f / num(entry, 'factor', where, k.source)) };
    case 'llama3': {
      const originalMax = num(entry, 'original_max_position_embeddings', where, k.source);
      return {
        theta: t,
        invFreq: llama3InvFreq(base, num(entry, 'factor', where, k.source), num(entry, 'low_freq_factor', where, k.source),
          num(entry, 'high_freq_factor', where, k.source), originalMax),
      };
    }
    default:
      throw new Error(`${k.source}: "${where}.rope_type" ${JSON.stringify(type)} is not implemented (supported: ${SUPPORTED_ROPE_TYPES.join(', ')})`);
  }
}
