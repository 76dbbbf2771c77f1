/**
 * Transformer building blocks composed from primitive ops, so their gradients come from the
 * primitives' VJPs (no hand-written backward to get wrong).
 */
import { SymTensor } from '../graph';
import { GraphShapeError, fmt, sameShape } from '../shape';
import { add, sub, mul, div, sqrt, erf, tanh, sigmoid, pow, where, cast } from './elementwise';
import { typedArrayOf } from '../dtype';
import { reduceMean } from './reduce';
import { matmul, softmax } from './linalg';
import { reshape, transpose, mT } from './shape-ops';

/** GELU, exact form: x · Φ(x). */
export function gelu(x: SymTensor): SymTensor {
  return mul(mul(x, 0.5), add(1, erf(mul(x, Math.SQRT1_2))));
}

/** GELU, tanh approximation (GPT-2's `gelu_new`). */
export function geluTanh(x: SymTensor): SymTensor {
  const inner = mul(add(x, mul(pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI));
  return mul(mul(x, 0.5), add(1, tanh(inner)));
}

export function silu(x: SymTensor): SymTensor {
  return mul(x, sigmoid(x));
}

/**
 * `f` of x computed in float32 when x is float16 (and the result cast back): the accumulations
 * of norms and softmaxes lose too much in half precision (Hugging Face upcasts them too).
 */
export function inFloat32(x: SymTensor, f: (x32: SymTensor) => SymTensor): SymTensor {
  return x.dtype === 'float16' ? cast(f(cast(x, 'float32')), 'float16') : f(x);
}

/** RMSNorm over the last axis: x / sqrt(mean(x²) + eps) · weight (the statistics in float32). */
export function rmsNorm(x: SymTensor, weight: SymTensor | null, eps: number): SymTensor {
  const normed = inFloat32(x, (x) => div(x, sqrt(add(reduceMean(mul(x, x), [-1], true), eps))));
  return weight ? mul(normed, weight) : normed;
}

/** The normalised value of LayerNorm (before scale and shift), TransformerLens' `hook_normalized`. */
export function layerNormalize(x: SymTensor, eps: number): SymTensor {
  return inFloat32(x, (x) => {
    const centred = sub(x, reduceMean(x, [-1], true));
    return div(centred, sqrt(add(reduceMean(mul(centred, centred), [-1], true), eps)));
  });
}

export function layerNorm(x: SymTensor, weight: SymTensor | null, bias: SymTensor | null, eps: number): SymTensor {
  let y = layerNormalize(x, eps);
  if (weight) y = mul(y, weight);
  if (bias) y = add(y, bias);
  return y;
}

/** x @ Wᵀ + b for a weight stored as [out, in] (PyTorch's Linear layout). */
export function linear(x: SymTensor, weightOutIn: SymTensor, bias?: SymTensor | null): SymTensor {
  const y = matmul(x, mT(weightOutIn));
  return bias ? add(y, bias) : y;
}

/** [B, n, H·d] → [B, H, n, d] */
export function splitHeads(x: SymTensor, heads: number): SymTensor {
  if (x.rank !== 3) throw new GraphShapeError('splitHeads', `expects [B, n, H·d], got ${fmt(x.shape)}`);
  const [b, n, hd] = x.shape;
  if (typeof hd !== 'number' || hd % heads) throw new GraphShapeError('splitHeads', `${fmt(x.shape)} not divisible into ${heads} heads`);
  return transpose(reshape(x, [b, n, heads, hd / heads]), [0, 2, 1, 3]);
}

/** [B, H, n, d] → [B, n, H·d] */
export function mergeHeads(x: SymTensor): SymTensor {
  if (x.rank !== 4) throw new GraphShapeError('mergeHeads', `expects [B, H, n, d], got ${fmt(x.shape)}`);
  const [b, h, n, d] = x.shape as [string | number, number, number, number];
  return reshape(transpose(x, [0, 2, 1, 3]), [b, n, h * d]);
}

export interface AttentionResult {
  /** Attention probabilities [B, H, n, n] (TransformerLens `attn.hook_pattern`). */
  pattern: SymTensor;
  /** Per-head outputs [B, n, H, d] (TransformerLens `attn.hook_z`). */
  z: SymTensor;
}

export interface AttentionOptions {
  /** Multiplies q·k (default 1/√d). */
  scale?: number;
  /** Soft-cap of the scaled scores, cap·tanh(s/cap), applied before the mask (Gemma 2). */
  softcap?: number;
  /** Sliding window: a query sees the `window` keys ending at itself (itself included). */
  window?: number;
}

/**
 * Causal multi-head attention with grouped-query heads: q [B, H, n, d], k and v [B, KV, n, d],
 * H divisible by KV; query head h reads key/value head h // (H / KV). Masked scores are set to a
 * large negative value before the softmax.
 */
export function causalAttention(q: SymTensor, k: SymTensor, v: SymTensor, opts: AttentionOptions = {}): AttentionResult {
  const shapes = `q ${fmt(q.shape)}, k ${fmt(k.shape)}, v ${fmt(v.shape)}`;
  if (q.rank !== 4 || k.rank !== 4 || v.rank !== 4) throw new GraphShapeError('attention', `expects rank-4 [B, heads, n, d] tensors, got ${shapes}`);
  const [b, H, n, d] = q.shape as [string | number, number, number, number];
  const KV = k.shape[1] as number;
  if (typeof H !== 'number' || typeof KV !== 'number' || typeof n !== 'number' || typeof d !== 'number') {
    throw new GraphShapeError('attention', `heads, sequence length and head dim must be static: ${shapes}`);
  }
  if (!sameShape(k.shape, v.shape) || k.shape[0] !== b || k.shape[2] !== n || k.shape[3] !== d) {
    throw new GraphShapeError('attention', `keys/values do not match the queries (batch, length, head dim): ${shapes}`);
  }
  if (q.dtype !== k.dtype || q.dtype !== v.dtype) throw new GraphShapeError('attention', `dtypes differ: ${q}, ${k}, ${v}`);
  if (H % KV) throw new GraphShapeError('attention', `${H} query heads are not a multiple of ${KV} key/value heads (${shapes})`);
  const group = H / KV;
  const g = q.graph;
  // Group query heads under their shared key/value head: [B, KV, group, n, d] against [B, KV, 1, n, d].
  const qg = reshape(q, [b, KV, group, n, d]);
  const kg = reshape(k, [b, KV, 1, n, d]);
  const vg = reshape(v, [b, KV, 1, n, d]);
  // Scores, soft-cap, mask and softmax in float32 when the model runs in float16.
  let scores = mul(cast(matmul(qg, mT(kg)), q.dtype === 'float16' ? 'float32' : q.dtype), opts.scale ?? 1 / Math.sqrt(d));
  if (opts.softcap !== undefined) scores = mul(tanh(mul(scores, 1 / opts.softcap)), opts.softcap);
  const window = opts.window ?? Infinity;
  if (!(window >= 1)) throw new GraphShapeError('attention', `sliding window must be ≥ 1, got ${window}`);
  const allowed = new Uint8Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) if (i - j < window) allowed[i * n + j] = 1;
  const mask = g.constant(allowed, [n, n]);
  const pattern5 = cast(softmax(where(booleanOf(mask), scores, -1e9), -1), q.dtype);
  const z5 = matmul(pattern5, vg);
  return {
    pattern: reshape(pattern5, [b, H, n, n]),
    z: transpose(reshape(z5, [b, H, n, d]), [0, 2, 1, 3]),
  };
}

function booleanOf(mask: SymTensor): SymTensor {
  return mask.dtype === 'bool' ? mask : mask.graph.emit1('Cast', [mask], { to: { kind: 'int', value: 9 } }, { dtype: 'bool', shape: mask.shape });
}

export interface RotaryOptions {
  rotaryDim: number;
  theta: number;
  pairing: 'adjacent' | 'half';
  offset?: number;
  /** Per-pair inverse frequencies (rotaryDim / 2 of them) when scaled (Llama 3, linear); default theta^(−2p/rotaryDim). */
  invFreq?: readonly number[];
}

/**
 * Rotary position embedding as x·cos + rot(x)·sin, where rot is a fixed signed permutation
 * applied by MatMul. `pairing` picks which dims rotate together: llama2.c pairs adjacent dims
 * (2i, 2i+1); Hugging Face and GPT-NeoX pair i with i + rotDim/2. Dims past `rotaryDim` pass
 * through unchanged (GPT-NeoX's partial rotary). x: [B, H, n, d].
 */
export function rotary(x: SymTensor, opts: RotaryOptions): SymTensor {
  const [, , n, d] = x.shape as [unknown, unknown, number, number];
  if (x.rank !== 4 || typeof n !== 'number' || typeof d !== 'number') {
    throw new GraphShapeError('rotary', `expects [B, H, n, d] with static n and d, got ${fmt(x.shape)}`);
  }
  const { rotaryDim: r, theta, pairing } = opts;
  if (r % 2 || r < 0 || r > d) throw new GraphShapeError('rotary', `rotary dim ${r} must be even and ≤ head dim ${d}`);
  if (opts.invFreq && opts.invFreq.length !== r / 2) throw new GraphShapeError('rotary', `${opts.invFreq.length} inverse frequencies for rotary dim ${r} (need ${r / 2})`);
  if (r === 0) return x;
  const cos = new Float64Array(n * d).fill(1);
  const sin = new Float64Array(n * d);
  const rot = new Float64Array(d * d);
  for (let p = 0; p < r / 2; p++) {
    const [i, j] = pairing === 'adjacent' ? [2 * p, 2 * p + 1] : [p, p + r / 2];
    const freq = opts.invFreq ? opts.invFreq[p] : 1 / Math.pow(theta, (2 * p) / r);
    for (let pos = 0; pos < n; pos++) {
      const angle = (pos + (opts.offset ?? 0)) * freq;
      cos[pos * d + i] = cos[pos * d + j] = Math.cos(angle);
      sin[pos * d + i] = sin[pos * d + j] = Math.sin(angle);
    }
    // rot(x)[i] = -x[j], rot(x)[j] = x[i]; as a right-multiplied matrix: out[c] = Σ_r x[r]·R[r, c].
    rot[j * d + i] = -1;
    rot[i * d + j] = 1;
  }
  const g = x.graph;
  const asType = (a: Float64Array) => (x.dtype === 'float64' ? a : typedArrayOf(x.dtype, a));
  const C = g.constant(asType(cos), [n, d]);
  const S = g.constant(asType(sin), [n, d]);
  const R = g.constant(asType(rot), [d, d]);
  return add(mul(x, C), mul(matmul(x, R), S));
}
