/**
 * What an objective may read from a model, in prompt coordinates: every hook with its named
 * axes and sizes (batch dropped, position axes n long). Shapes come from tracing the model's
 * real forward graph, so they cannot drift from the builders.
 */
import { Graph } from '../graph';
import type { Arch, ForwardResult } from '../models/arch';
import type { WeightMap } from '../models/weights';
import { buildForward } from '../models/forward';
import type { DimName } from '../../reverie-api/reverie';
import type { ModelInfo } from '../../reverie-api/protocol';

/** The model fields feature compilation needs (a LoadedModel has them all). */
export interface FeatureModelShape {
  name: string;
  arch: Arch;
  weights: WeightMap;
}

/** Axis names of a hook by its TransformerLens suffix (batch excluded). */
export function hookDims(name: string): DimName[] {
  if (name === 'logits') return ['pos', 'vocab'];
  if (name.endsWith('attn.hook_pattern')) return ['head', 'query', 'key'];
  if (/attn\.(hook_q|hook_rot_q|q_norm\.hook_normalized|hook_z)$/.test(name)) return ['pos', 'head', 'd_head'];
  if (/attn\.(hook_k|hook_rot_k|k_norm\.hook_normalized|hook_v)$/.test(name)) return ['pos', 'kv_head', 'd_head'];
  if (/mlp\.hook_(pre|pre_linear|post)$/.test(name)) return ['pos', 'd_mlp'];
  return ['pos', 'd_model'];
}

/** Non-batch axes that run over sequence positions (they include a BOS prefix in the graph). */
export function positionAxes(dims: readonly DimName[]): number[] {
  return dims.flatMap((d, i) => (d === 'pos' || d === 'query' || d === 'key' ? [i] : []));
}

/** Traces the forward graph once, for hook shapes (and a graph to trial-trace a feature on). */
export function traceForward(model: FeatureModelShape, n: number, offset: number): { g: Graph; forward: ForwardResult; ids: ReturnType<Graph['input']> } {
  const g = new Graph('feature-check');
  const ids = g.input('ids', 'int64', ['B', n + offset]);
  return { g, ids, forward: buildForward(g, model.arch, model.weights, ids, model.name) };
}

export function modelInfo(model: FeatureModelShape, forward: ForwardResult, n: number): ModelInfo {
  const a = model.arch;
  const hooks: ModelInfo['hooks'] = {};
  for (const name of forward.hooks.names()) {
    const dims = hookDims(name);
    const full = forward.hooks.get(name).shape.slice(1);
    hooks[name] = { dims, shape: full.map((d, i) => (positionAxes(dims).includes(i) ? n : Number(d))) };
  }
  return {
    name: model.name, family: a.family, nLayers: a.numLayers, dModel: a.hiddenSize, dMlp: a.intermediateSize,
    nHeads: a.numHeads, nKvHeads: 'numKvHeads' in a ? a.numKvHeads : a.numHeads, dHead: a.headDim,
    vocabSize: a.vocabSize, n, hooks,
  };
}
