/** Dispatches to the family's graph builder (families/index.ts says which). */
import type { Graph, SymTensor } from '../graph';
import type { Arch, DecoderArch, ForwardResult } from './arch';
import { GraphWeights } from './graph-weights';
import type { WeightMap } from './weights';
import { buildDecoder } from './decoder';
import { buildNeox } from './neox';
import { buildGpt2 } from './gpt2';

export function buildForward(g: Graph, arch: Arch, weights: WeightMap | GraphWeights, ids: SymTensor, modelName: string, inputEmbeds?: SymTensor): ForwardResult {
  const W = weights instanceof GraphWeights ? weights : new GraphWeights(g, weights, modelName);
  switch (arch.family) {
    case 'neox': return buildNeox({ arch, weights: W, ids, modelName, inputEmbeds });
    case 'gpt2': return buildGpt2({ arch, weights: W, ids, modelName, inputEmbeds });
    default: return buildDecoder({ arch: arch as DecoderArch, weights: W, ids, modelName, inputEmbeds });
  }
}

/** Name of the token-embedding tensor, whose transpose maps embedding gradients to one-hot gradients. */
export function embeddingName(arch: Arch): string {
  switch (arch.family) {
    case 'neox': return 'gpt_neox.embed_in.weight';
    case 'gpt2': return 'transformer.wte.weight';
    default: return `${(arch as DecoderArch).prefix ?? 'model.'}embed_tokens.weight`;
  }
}
