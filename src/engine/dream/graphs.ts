/**
 * The three graphs a dream needs, for prompts of length n (plus an optional fixed BOS prefix):
 *  - score:    ids → feature f [B], per-token NLL [B, n-1], self cross-entropy XE [B]
 *  - topk:     ids, λ → top-k allowed ids per position by -∂(-f + λ·XE)/∂onehot [B, n, k], and the
 *              model's own kLm most likely allowed next tokens at each position it predicts [B, n', kLm]
 *  - saliency: ids → (∂f/∂e_i)·e_i [B, n]
 * The (B, n, V) gradient never leaves the graph: TopK runs inside it.
 */
import {
  Graph, SymTensor, grad, add, mul, neg, where, slice, padAxis, unsqueeze, reshape, matmulTransB,
  logSoftmax, gatherElements, reduceMean, reduceSum, topk, toOnnx, GraphShapeError, cast,
} from '../graph';
import { toOnnxBranches } from '../graph/branches';
import type { Arch } from '../models/arch';
import type { ExternalStore } from '../graph/external-store';
import type { WeightMap } from '../models/weights';
import { buildForward, embeddingName } from '../models/forward';
import { GraphWeights, type WeightDType } from '../models/graph-weights';
import type { FeatureFn, FeatureView } from '../features/feature';

export interface DreamModel {
  name: string;
  arch: Arch;
  weights: WeightMap;
}

export interface DreamGraphSpec {
  model: DreamModel;
  feature: FeatureFn;
  /** Prompt length n (≥ 2: XE needs at least one scored token). */
  n: number;
  /** Fixed BOS prefix id, when the model expects one. */
  bosId?: number;
  /** Where large weights go as ONNX external data (shared by all of a dream's graphs); absent: inline. */
  store?: ExternalStore;
  /**
   * What the model computes in (default float32). In float16 the norms, attention softmax, logits,
   * log-softmax, cross-entropy, the feature and the gradient's last products run in float32; the
   * feature reads its hooks as float32.
   */
  dtype?: WeightDType;
}

interface Traced {
  g: Graph;
  /** The model's logits [B, T, V]. */
  logits: SymTensor;
  W: GraphWeights;
  ids: SymTensor;
  offset: number;
  feature: SymTensor;
  logprobs: SymTensor;
  nll: SymTensor;
  xe: SymTensor;
  embed: SymTensor;
}

function trace(spec: DreamGraphSpec, name: string, withEmbedsInput = false): Traced {
  const { model, n } = spec;
  if (!Number.isInteger(n) || n < 2) throw new GraphShapeError('dream', `prompt length must be an integer ≥ 2, got ${n}`);
  const offset = spec.bosId === undefined ? 0 : 1;
  const T = n + offset;
  const g = new Graph(name);
  const dtype = spec.dtype ?? 'float32';
  const W = new GraphWeights(g, model.weights, model.name, spec.store, dtype);
  const ids = g.input('ids', 'int64', ['B', T]);
  // With an 'embeds' input the labels still come from `ids` (gradient checks perturb embeddings only).
  const embeds = withEmbedsInput ? g.input('embeds', 'float32', ['B', T, model.arch.hiddenSize]) : undefined;
  const fwd = buildForward(g, model.arch, W, ids, model.name, embeds && cast(embeds, dtype));
  const view: FeatureView = { hook: (h) => cast(fwd.hooks.get(h), 'float32'), n, offset, forward: fwd };
  const feature = cast(spec.feature(view), 'float32');
  if (feature.rank !== 1 || feature.shape[0] !== 'B') {
    throw new GraphShapeError('feature', `must give one scalar per prompt (shape [B]), got [${feature.shape}]`);
  }
  // Token i of the prompt (sequence index offset+i) is predicted by the logits at offset+i-1.
  const logprobs = logSoftmax(slice(fwd.logits, 1, offset, offset + n - 1), -1); // [B, n-1, V]
  const targets = unsqueeze(slice(ids, 1, offset + 1, offset + n), [2]); // [B, n-1, 1]
  const nll = neg(reshape(gatherElements(logprobs, targets, 2), ['B', n - 1]));
  const xe = reduceMean(nll, [1], false);
  return { g, W, ids, offset, feature, logprobs, nll, xe, embed: fwd.embed, logits: fwd.logits };
}

function scoreGraph(spec: DreamGraphSpec): Graph {
  const t = trace(spec, 'score');
  t.g.output('feature', t.feature);
  t.g.output('nll', t.nll);
  t.g.output('xe', t.xe);
  return t.g;
}

export function buildScoreGraph(spec: DreamGraphSpec): Uint8Array {
  return toOnnx(scoreGraph(spec), spec.store);
}

/**
 * G[b, i, v] = ∂loss_b/∂e_i · W_E[v] + (i ≥ 1 ? -λ_b/(n-1) · log p(v | t_<i) : 0) for
 * loss_b = -f_b + λ_b·XE_b, the second term being the one-hot's role as the cross-entropy label
 * (epo.md, step 1). Returns G [B, n, V].
 */
function oneHotGradient(t: Traced, spec: DreamGraphSpec): SymTensor {
  const { g } = t;
  const { n, model } = spec;
  const V = model.arch.vocabSize;
  const lambda = g.input('lambda', 'float32', ['B']);
  const loss = reduceSum(add(neg(t.feature), mul(lambda, t.xe)), [0], false);
  const [gEmbed] = grad(loss, [t.embed]);
  const gPrompt = slice(gEmbed, 1, t.offset, t.offset + n); // [B, n, d]
  // Against the embedding as stored ([V, d]): a transposed copy would be one more vocabulary-sized matrix.
  const viaEmbedding = cast(matmulTransB(gPrompt, t.W.get(embeddingName(model.arch), [V, model.arch.hiddenSize])), 'float32');
  const labelTerm = mul(padAxis(t.logprobs, 1, 1, 0), mul(reshape(lambda, ['B', 1, 1]), -1 / (n - 1)));
  return add(viaEmbedding, labelTerm);
}

function topkGraph(spec: DreamGraphSpec, allowed: Uint8Array, k?: number, withModelTopK = false): Graph {
  const t = trace(spec, 'topk');
  t.g.output('topk', allowedTopK(t, spec, allowed, k ?? t.g.input('k', 'int64', [1])));
  if (withModelTopK) t.g.output('lmTopk', modelTopK(t, spec, allowed, t.g.input('kLm', 'int64', [1])));
  return t.g;
}

/**
 * The model's own most likely allowed tokens at each prompt position it predicts, best first
 * [B, n - 1 + offset, kLm]: positions 0 … n−1 after a BOS prefix, else 1 … n−1 (nothing predicts
 * the first token). Ranked by logit, which ranks as p(v | t_<i) does.
 */
function modelTopK(t: Traced, spec: DreamGraphSpec, allowed: Uint8Array, k: SymTensor): SymTensor {
  const V = spec.model.arch.vocabSize;
  const logits = cast(slice(t.logits, 1, 0, t.offset + spec.n - 1), 'float32');
  const mask = t.g.constant(allowed, [V]);
  const boolMask = t.g.emit1('Cast', [mask], { to: { kind: 'int', value: 9 } }, { dtype: 'bool', shape: [V] });
  return topk(where(boolMask, logits, -Infinity), k)[1];
}

/** Top-k allowed ids per position by -G, [B, n, k]; disallowed ids never enter the top-k. */
export function buildTopKGraph(spec: DreamGraphSpec, allowed: Uint8Array, k: number): Uint8Array {
  return toOnnx(topkGraph(spec, allowed, k), spec.store);
}

/** The full gradient G [B, n, V] (tests and diagnostics; EPO itself only needs the top-k). */
export function buildGradientGraph(spec: DreamGraphSpec, withEmbedsInput = false): Uint8Array {
  const t = trace(spec, 'gradient', withEmbedsInput);
  t.g.output('G', oneHotGradient(t, spec));
  t.g.output('feature', t.feature);
  t.g.output('xe', t.xe);
  t.g.output('logprobs', t.logprobs);
  return toOnnx(t.g, spec.store);
}

/** Loss -f + λ·XE as a function of input embeddings (labels from ids): finite-difference checks. */
export function buildLossGraph(spec: DreamGraphSpec): Uint8Array {
  const t = trace(spec, 'loss', true);
  const lambda = t.g.input('lambda', 'float32', ['B']);
  t.g.output('loss', add(neg(t.feature), mul(lambda, t.xe)));
  return toOnnx(t.g, spec.store);
}

/** (∂f/∂e_i)·e_i [B, n]: each prompt token's first-order share of the feature. */
function saliencyOf(t: Traced, spec: DreamGraphSpec): SymTensor {
  const [gEmbed] = grad(reduceSum(t.feature, [0], false), [t.embed]);
  const sal = reduceSum(mul(cast(gEmbed, 'float32'), cast(t.embed, 'float32')), [2], false); // [B, T]
  return slice(sal, 1, t.offset, t.offset + spec.n);
}

/** Top-k allowed ids per position by -G [B, n, k] (k a number, or the graph's int64 [1] input). */
function allowedTopK(t: Traced, spec: DreamGraphSpec, allowed: Uint8Array, k: number | SymTensor): SymTensor {
  const V = spec.model.arch.vocabSize;
  if (allowed.length !== V) throw new GraphShapeError('topk', `allowed mask has ${allowed.length} entries, embedding has ${V} rows`);
  const G = oneHotGradient(t, spec);
  const mask = t.g.constant(allowed, [V]);
  const boolMask = t.g.emit1('Cast', [mask], { to: { kind: 'int', value: 9 } }, { dtype: 'bool', shape: [V] });
  return topk(where(boolMask, neg(G), -Infinity), k)[1];
}

function saliencyGraph(spec: DreamGraphSpec): Graph {
  const t = trace(spec, 'saliency');
  t.g.output('saliency', saliencyOf(t, spec));
  t.g.output('feature', t.feature);
  return t.g;
}

export function buildSaliencyGraph(spec: DreamGraphSpec): Uint8Array {
  return toOnnx(saliencyGraph(spec), spec.store);
}

/** Which graph of the dream graph a run takes (its `branch` input). */
export const DREAM_BRANCH = { score: 0, topk: 1, saliency: 2 } as const;

/**
 * The score, top-k and saliency graphs as one model (see toOnnxBranches), so one session holds
 * the weights once; k is an input, so one session serves every k. Feed `ids`, `lambda`, `k` and
 * `kLm` (any values outside the top-k) and `branch` (DREAM_BRANCH).
 */
export function buildDreamGraph(spec: DreamGraphSpec, allowed: Uint8Array): Uint8Array {
  return toOnnxBranches([scoreGraph(spec), topkGraph(spec, allowed, undefined, true), saliencyGraph(spec)], spec.store);
}
