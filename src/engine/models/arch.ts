/**
 * Architecture descriptions shared by the loaders (llama2.c, Hugging Face config.json) and the
 * graph builders. Field names follow the loaders' configs.
 */
import type { SymTensor } from '../graph';
import type { HookSet } from './hooks';
import type { GraphWeights } from './graph-weights';
import type { NeoxConfig, Gpt2Config } from './hf-config';
import type { DecoderConfig } from './decoder';
import type { DecoderFamily, Family } from './families';

/** The families' hyper-parameters, as the loaders report them (llama2.c and config.json). */
export type DecoderArch = { family: DecoderFamily } & DecoderConfig;
export type NeoxArch = { family: 'neox' } & NeoxConfig;
export type Gpt2Arch = { family: 'gpt2' } & Gpt2Config;

export type Arch = DecoderArch | NeoxArch | Gpt2Arch;

/** What every builder returns: all hooks, the logits, and the differentiable token embeddings. */
export interface ForwardResult {
  hooks: HookSet;
  /** hook_embed: [B, T, d_model], the tensor gradients w.r.t. one-hot tokens flow through. */
  embed: SymTensor;
  logits: SymTensor;
}

export interface BuildContext {
  arch: Arch;
  weights: GraphWeights;
  /** Token ids [B, T] int64 (BOS included when the model uses one). */
  ids: SymTensor;
  modelName: string;
  /** Token embeddings [B, T, d_model] to use instead of looking up `ids` (gradient checks). */
  inputEmbeds?: SymTensor;
}

export function archSummary(a: Arch): { family: Family; nLayers: number; dModel: number; dMlp: number; nHeads: number; vocabRows: number } {
  return { family: a.family, nLayers: a.numLayers, dModel: a.hiddenSize, dMlp: a.intermediateSize, nHeads: a.numHeads, vocabRows: a.vocabSize };
}
