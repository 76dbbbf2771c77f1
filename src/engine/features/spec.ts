/**
 * A compiled feature as plain JSON: the traced objective with every token, vector and SAE
 * resolved to numbers. It can be saved with a run or sent to a worker, and turned into a
 * FeatureFn anywhere with `featureFnFromSpec` — no feature file, sandbox or disk access needed.
 */
import { SymTensor, add, sub, mul, div, neg, abs, relu, sqrt, where, greater, less, slice, squeeze, reshape, matmul, matmulTransB, topk, reduceSum, reduceMean, reduceMax, layerNormalize, GraphShapeError } from '../graph';
import type { FeatureFn, FeatureView } from './feature';

export type SpecPosition = 'last' | 'max' | 'mean' | number;

export type SpecNode =
  /** A hook, sliced to the prompt on `posAxes` (non-batch axes that run over the sequence). */
  | { op: 'hook'; name: string; posAxes: number[] }
  /** Index (negative from the end) or reduction of non-batch axis `axis`. */
  | { op: 'pick'; x: SpecNode; axis: number; at: SpecPosition }
  | { op: 'binary'; kind: 'add' | 'sub' | 'mul' | 'div'; a: SpecNode | number; b: SpecNode | number }
  | { op: 'unary'; kind: 'neg' | 'abs' | 'relu' | 'square' | 'standardize'; x: SpecNode }
  | { op: 'reduce'; kind: 'sum' | 'mean' | 'max' | 'norm'; x: SpecNode }
  | { op: 'dot'; x: SpecNode; values: number[] }
  | { op: 'margin'; x: SpecNode; token: number }
  | {
    op: 'sae'; hook: string; posAxes: number[]; pos: SpecPosition; wEnc: number[]; bEnc: number; bDec: number[] | null;
    activation: 'relu' | 'jumprelu' | 'none'; threshold?: number;
    /** TopK SAEs: the latent survives only among the token's k largest (sae.ts SaeLatentEncoder.topK). */
    topK?: { k: number; latent: number; dSae: number; w: string; b: string };
    /** SAELens normalize_activations, before b_dec: each token to norm √d_in, or × a factor. */
    inputScale?: 'sqrtDOverNorm' | number;
  };

export interface FeatureSpec {
  version: 1;
  root: SpecNode;
}

/** LayerNorm's epsilon for `standardize` (documented in reverie.d.ts). */
export const STANDARDIZE_EPS = 1e-5;

function constant(like: SymTensor, values: readonly number[]): SymTensor {
  return like.graph.constant(Float32Array.from(values), [values.length]);
}

/** float32 values from base64 (little-endian), as a constant of `shape`. */
function base64Constant(like: SymTensor, b64: string, shape: number[]): SymTensor {
  const bytes = Buffer.from(b64, 'base64');
  const n = shape.reduce((a, b) => a * b, 1);
  if (bytes.length !== 4 * n) throw new GraphShapeError('feature', `an SAE encoder of shape [${shape}] needs ${4 * n} bytes, the spec holds ${bytes.length}`);
  const data = new Float32Array(n);
  new Uint8Array(data.buffer).set(bytes);
  return like.graph.constant(data, shape);
}

/**
 * Latent `latent` of a TopK SAE at x [B, d_in] (b_dec already subtracted): relu(x·Wᵀ + b), kept
 * where it is among the k largest of the token's latents, else 0. The k-th value gates like a
 * threshold (no gradient through the selection; the kept latent's gradient is its own).
 */
function topKLatent(x: SymTensor, t: { k: number; latent: number; dSae: number; w: string; b: string }): SymTensor {
  const dIn = x.shape[1] as number;
  const all = relu(add(matmulTransB(x, base64Constant(x, t.w, [t.dSae, dIn])), base64Constant(x, t.b, [t.dSae]))); // [B, d_sae]
  const [values] = topk(all, t.k); // [B, k], largest first
  const kth = slice(values, 1, t.k - 1, t.k);
  const mine = slice(all, 1, t.latent, t.latent + 1);
  return squeeze(where(less(mine, kth), 0, mine), [1]);
}

/** Removes the BOS prefix from the sequence axes: hook values in prompt coordinates. */
function promptHook(view: FeatureView, name: string, posAxes: number[]): SymTensor {
  let x = view.hook(name);
  for (const a of posAxes) x = slice(x, a + 1, view.offset, view.offset + view.n);
  return x;
}

function pick(x: SymTensor, axis: number, at: SpecPosition): SymTensor {
  const a = axis + 1; // batch first
  const size = x.shape[a];
  if (typeof size !== 'number') throw new GraphShapeError('feature', `axis ${axis} of ${x} is not static`);
  if (at === 'max') return reduceMax(x, [a], false);
  if (at === 'mean') return reduceMean(x, [a], false);
  const i = at === 'last' ? size - 1 : at < 0 ? at + size : at;
  if (!Number.isInteger(i) || i < 0 || i >= size) {
    throw new GraphShapeError('feature', `position/index ${at} is out of range for an axis of ${size} (prompt length ${size}?)`);
  }
  return squeeze(slice(x, a, i, i + 1), [a]);
}

/** Lets a scalar per prompt [B] combine with a [B, ...] value. */
function align(x: SymTensor | number, rank: number): SymTensor | number {
  if (typeof x === 'number' || x.rank === rank || x.rank !== 1) return x;
  return reshape(x, [x.shape[0], ...Array(rank - 1).fill(1)]);
}

export function featureFnFromSpec(spec: FeatureSpec): FeatureFn {
  if (spec?.version !== 1 || !spec.root) throw new Error(`not a feature spec (version ${String(spec?.version)})`);
  return (view) => {
    const ev = (node: SpecNode): SymTensor => {
      switch (node.op) {
        case 'hook': return promptHook(view, node.name, node.posAxes);
        case 'pick': return pick(ev(node.x), node.axis, node.at);
        case 'binary': {
          const a = typeof node.a === 'number' ? node.a : ev(node.a);
          const b = typeof node.b === 'number' ? node.b : ev(node.b);
          const rank = Math.max(typeof a === 'number' ? 0 : a.rank, typeof b === 'number' ? 0 : b.rank);
          const op = { add, sub, mul, div }[node.kind];
          return op(align(a, rank), align(b, rank));
        }
        case 'unary': {
          const x = ev(node.x);
          switch (node.kind) {
            case 'neg': return neg(x);
            case 'abs': return abs(x);
            case 'relu': return relu(x);
            case 'square': return mul(x, x);
            case 'standardize': return layerNormalize(x, STANDARDIZE_EPS);
          }
          break;
        }
        case 'reduce': {
          const x = ev(node.x);
          switch (node.kind) {
            case 'sum': return reduceSum(x, [-1], false);
            case 'mean': return reduceMean(x, [-1], false);
            case 'max': return reduceMax(x, [-1], false);
            case 'norm': return sqrt(reduceSum(mul(x, x), [-1], false));
          }
          break;
        }
        case 'dot': {
          const x = ev(node.x);
          return matmul(x, constant(x, node.values));
        }
        case 'margin': {
          const x = ev(node.x);
          const V = x.shape[x.rank - 1] as number;
          // The best OTHER logit: the target's entry is pushed far below every real logit.
          const penalty = new Array<number>(V).fill(0);
          penalty[node.token] = -1e30;
          const others = reduceMax(add(x, constant(x, penalty)), [-1], false);
          return sub(squeeze(slice(x, x.rank - 1, node.token, node.token + 1), [x.rank - 1]), others);
        }
        case 'sae': {
          let x = pick(promptHook(view, node.hook, node.posAxes), 0, node.pos);
          // hook_z at one position [B, head, d_head], flattened head-major (SAELens reshape_activations "hook_z").
          if (x.rank === 3) x = reshape(x, [x.shape[0], (x.shape[1] as number) * (x.shape[2] as number)]);
          if (x.rank !== 2) throw new GraphShapeError('feature', `SAE hook '${node.hook}' at one position is ${x}, expected [B, d_in]`);
          if (node.inputScale === 'sqrtDOverNorm') x = mul(x, div(Math.sqrt(x.shape[1] as number), sqrt(reduceSum(mul(x, x), [-1], true))));
          else if (typeof node.inputScale === 'number') x = mul(x, node.inputScale);
          if (node.bDec) x = sub(x, constant(x, node.bDec));
          if (node.topK) return topKLatent(x, node.topK);
          const pre = add(matmul(x, constant(x, node.wEnc)), node.bEnc);
          if (node.activation === 'relu') return relu(pre);
          if (node.activation === 'jumprelu') return where(greater(pre, node.threshold ?? 0), pre, 0);
          return pre;
        }
      }
      throw new Error(`unknown feature spec node ${JSON.stringify((node as { op?: unknown }).op)}`);
    };
    return ev(spec.root);
  };
}
