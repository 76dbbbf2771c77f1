/**
 * The only thing EPO knows about a model: a backend that scores prompts and ranks token
 * substitutions. The real implementation runs ONNX graphs; tests use a toy with an exact gradient.
 */

/** What EPO needs from a model + feature, for prompts of one fixed length n. */
export interface EpoBackend {
  /** Rows of the embedding matrix: V in the gradient G[n, V]. */
  readonly vocabRows: number;
  /** allowed[v] = 1 if EPO may propose token v (ids < tokenizer vocab, not special/control tokens). Length vocabRows. */
  readonly allowed: Uint8Array;
  /** Feature f, self cross-entropy XE (mean NLL over positions 1..n-1, natural log) and per-token NLL (n-1 values,
   * position i's NLL at index i-1) for each prompt. Prompts are Int32Array of length n. Called with at most
   * config.batchSize prompts. */
  score(prompts: Int32Array[]): Promise<{ feature: Float64Array; xe: Float64Array; nll: Float32Array[] }>;
  /** For each prompt and its λ: the top-k ALLOWED token ids at each position by -G where G = ∂(-f + λ·XE)/∂onehot
   * (direct label term included, see epo.md step 1), as an Int32Array [n*k], row-major by position, best first.
   * With `fromModel` > 0, the last `fromModel` of each position's k are instead the allowed tokens the model itself
   * finds most likely there, p(v | t_<i), best first (config.modelShare); a position the model does not
   * predict (position 0 without a BOS prefix) keeps all k from -G. */
  topK(prompts: Int32Array[], lambdas: number[], k: number, fromModel?: number): Promise<Int32Array[]>;
  /** Gradient×input saliency of f per position: (∂f/∂e_i)·e_i. */
  saliency(prompt: Int32Array): Promise<Float64Array>;
}
