/**
 * The one table from a Hugging Face `config.json` to a family: its `model_type` (or, without one,
 * its `architectures`), the config reader, the graph builder, and the traits the hook list depends
 * on. A model type missing here is refused with this list.
 */
import type { Keys } from '../hf-config';
import { gpt2Config, neoxConfig } from '../hf-config';
import { llamaConfig, mistralConfig } from './llama';
import { qwen2Config, qwen3Config } from './qwen';
import { gemma2Config, gemma3Config } from './gemma';

export type DecoderFamily = 'llama' | 'mistral' | 'qwen2' | 'qwen3' | 'gemma2' | 'gemma3';
export type Family = DecoderFamily | 'neox' | 'gpt2';

export interface FamilyEntry {
  label: string;
  modelTypes: readonly string[];
  architectures: readonly string[];
  builder: 'decoder' | 'neox' | 'gpt2';
  /** Per-head RMSNorm of q and k (hooks attn.q_norm / attn.k_norm). */
  qkNorm?: boolean;
  /** Norms after attention and MLP (hooks ln1_post / ln2_post). */
  sandwichNorms?: boolean;
  /** Attention and MLP both read the block's input (no hook_resid_mid). */
  parallelResidual?: boolean;
  /** Learned position embeddings instead of rotary (no hook_rot_q / hook_rot_k). */
  learnedPositions?: boolean;
  read(k: Keys): object;
}

export const FAMILIES: Record<Family, FamilyEntry> = {
  llama: { label: 'Llama', modelTypes: ['llama'], architectures: ['LlamaForCausalLM'], builder: 'decoder', read: llamaConfig },
  mistral: { label: 'Mistral', modelTypes: ['mistral'], architectures: ['MistralForCausalLM'], builder: 'decoder', read: mistralConfig },
  qwen2: { label: 'Qwen 2 / 2.5', modelTypes: ['qwen2'], architectures: ['Qwen2ForCausalLM'], builder: 'decoder', read: qwen2Config },
  qwen3: { label: 'Qwen 3', modelTypes: ['qwen3'], architectures: ['Qwen3ForCausalLM'], builder: 'decoder', qkNorm: true, read: qwen3Config },
  gemma2: { label: 'Gemma 2', modelTypes: ['gemma2'], architectures: ['Gemma2ForCausalLM'], builder: 'decoder', sandwichNorms: true, read: gemma2Config },
  gemma3: {
    label: 'Gemma 3 (text)', modelTypes: ['gemma3_text', 'gemma3'], architectures: ['Gemma3ForCausalLM', 'Gemma3ForConditionalGeneration'],
    builder: 'decoder', qkNorm: true, sandwichNorms: true, read: gemma3Config,
  },
  neox: { label: 'GPT-NeoX / Pythia', modelTypes: ['gpt_neox'], architectures: ['GPTNeoXForCausalLM'], builder: 'neox', parallelResidual: true, read: neoxConfig },
  gpt2: { label: 'GPT-2', modelTypes: ['gpt2'], architectures: ['GPT2LMHeadModel'], builder: 'gpt2', learnedPositions: true, read: gpt2Config },
};

export function isDecoderFamily(f: Family): f is DecoderFamily {
  return FAMILIES[f].builder === 'decoder';
}

/** "model_type (Architecture), …" for errors. */
export function supportedList(): string {
  return Object.values(FAMILIES).map((e) => `${e.modelTypes.join('/')} (${e.label})`).join(', ');
}

/** The family of a config.json, by model_type, else by architectures. */
export function familyOf(raw: Record<string, unknown>): Family | undefined {
  const type = raw.model_type;
  const archs = Array.isArray(raw.architectures) ? raw.architectures : [];
  for (const [f, e] of Object.entries(FAMILIES) as [Family, FamilyEntry][]) {
    if (typeof type === 'string' ? e.modelTypes.includes(type) : archs.some((a) => e.architectures.includes(a as string))) return f;
  }
  return undefined;
}
