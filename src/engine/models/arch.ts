/**
 * Architecture descriptions shared by the loaders (llama2.c, Hugging Face config.json) and the
 * graph builders. Field names follow the loaders' configs.
 */
import type { SymTensor } from '../graph';
import type { Family, HookSet } from './hooks';
import type { GraphWeights } from './graph-weights';

export interface LlamaArch {
  family: 'llama';
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  vocabSize: number;
  maxPositions: number;
  rmsNormEps: number;
  ropeTheta: number;
  /** llama2.c rotates adjacent dims (2i, 2i+1); Hugging Face pairs i with i + d/2. */
  ropePairing: 'adjacent' | 'half';
  tiedEmbeddings: boolean;
}

export interface NeoxArch {
  family: 'neox';
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  headDim: number;
  vocabSize: number;
  maxPositions: number;
  layerNormEps: number;
  rotaryDim: number;
  ropeTheta: number;
  parallelResidual: boolean;
  hiddenAct: string;
  tiedEmbeddings: boolean;
}

export interface Gpt2Arch {
  family: 'gpt2';
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  headDim: number;
  vocabSize: number;
  maxPositions: number;
  layerNormEps: number;
  hiddenAct: string;
}

export type Arch = LlamaArch | NeoxArch | Gpt2Arch;

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
