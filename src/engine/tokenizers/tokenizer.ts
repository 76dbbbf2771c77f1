/** What the engine needs from any tokenizer (SentencePiece for llama2.c, tokenizer.json for HF). */
export interface Tokenizer {
  /** Human-readable kind, e.g. 'sentencepiece (llama2.c)' or 'tokenizer.json (BPE)'. */
  readonly kind: string;
  /** Number of ids the tokenizer can produce (may be fewer than the embedding's rows). */
  readonly vocabSize: number;
  readonly bosId?: number;
  readonly eosId?: number;
  /** Special/control ids (BOS, EOS, pad, unk, added special tokens): never proposed by EPO. */
  readonly specialIds: ReadonlySet<number>;
  /** Whether the model expects BOS before a prompt (then BOS is a fixed, non-optimised prefix). */
  readonly addsBos: boolean;
  /** Text to ids, without BOS (callers prepend it when `addsBos`). */
  encode(text: string): number[];
  /** Ids to text; decode(encode(t)) === t for text the vocabulary covers. */
  decode(ids: readonly number[]): string;
  /** One token's display form (e.g. '▁the' shown as ' the', '<0x0A>' shown as '\n'). */
  tokenText(id: number): string;
}
