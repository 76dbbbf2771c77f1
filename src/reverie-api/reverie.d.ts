/**
 * reverie — define the features Reverie dreams about.
 *
 * A feature is a scalar per prompt computed from a language model's internals: an MLP neuron, an
 * output logit, a residual-stream direction, an SAE latent, an attention weight, or any
 * combination. Reverie's EPO search finds fluent prompts that make it large.
 *
 * ```ts
 * import { defineFeature, neuron, logitMargin } from 'reverie';
 *
 * export const storyNeuron = defineFeature({ model: 'stories260K', objective: neuron(2, 17) });
 * export const happy = defineFeature({
 *   model: 'stories260K',
 *   objective: (m) => m.blocks[3].mlp.post.at('last').index(17).sub(m.blocks[1].mlp.post.at('mean').index(4)),
 * });
 * ```
 *
 * Objectives are traced, not run: `m` is a symbolic view of the model, and the value your
 * objective returns is compiled into the model's graph, so everything stays differentiable.
 * Positions count prompt tokens from 0; a BOS prefix that the model needs is never addressable.
 *
 * Long because: it is the whole documented API feature files see, in the one declaration file they
 * import.
 */

/**
 * Where along the prompt a per-position value is read.
 * - `'last'`: the last prompt token (what the model predicts next is read here);
 * - `'max'` / `'mean'`: the maximum / mean over all prompt positions;
 * - an integer: that prompt position, 0-based; negative counts from the end (-1 is the last).
 */
export type Position = 'last' | 'max' | 'mean' | number;

/**
 * Names of a value's axes (the batch axis is implicit and never shown).
 * `pos`: prompt position; `query` / `key`: an attention pattern's query and key positions;
 * `head` / `kv_head`: attention heads; `d_head`, `d_model`, `d_mlp`: channels; `vocab`: logits.
 */
export type DimName = 'pos' | 'query' | 'key' | 'head' | 'kv_head' | 'd_head' | 'd_model' | 'd_mlp' | 'vocab';

/** A vector from the workspace (see {@link vector}), or the vector's values inline. */
export type VectorLike = Vector | string | readonly number[] | Float32Array | Float64Array;

/** A reference to a vector file, resolved relative to the file that names it. */
export interface Vector {
  /** The path as written, e.g. `'./vectors/happy.npy'` or `'./w.safetensors#direction'`. */
  readonly path: string;
}

/**
 * A symbolic value per prompt: a hook read from the model, or arithmetic on such values. Every
 * method returns a new value; nothing is computed until Reverie runs the model.
 *
 * An objective must end in a **scalar per prompt** (shape `[]`): select a position with
 * {@link Tensor.at} and a component with {@link Tensor.index}, or reduce with `dot`, `norm`,
 * `sum`, `mean`, `max`. Nothing is reduced implicitly.
 */
export interface Tensor {
  /** Sizes of the axes, e.g. `[12, 64]` for a residual stream over 12 prompt tokens. */
  readonly shape: readonly number[];
  /** Names of the axes, e.g. `['pos', 'd_model']`. */
  readonly dims: readonly DimName[];

  /**
   * Selects (or reduces over) the prompt position: the `pos` axis, or an attention pattern's
   * `query` axis. `'last'`, `'max'`, `'mean'`, or a 0-based index (negative from the end).
   * @example m.blocks[2].mlp.post.at('last')   // [d_mlp]
   */
  at(position: Position): Tensor;
  /**
   * Selects (or reduces over) an attention pattern's `key` axis (the attended-to position).
   * @example m.blocks[1].attn.pattern.head(3).at('last').key(0)   // how much the last token attends to token 0
   */
  key(position: Position): Tensor;
  /** Selects one attention head (the `head` or `kv_head` axis). */
  head(head: number): Tensor;
  /**
   * Selects component `i` of the last axis (a neuron, a residual channel, a vocabulary entry).
   * On logits a string selects a token by its text, which must be exactly one token
   * (e.g. `m.logits.at('last').index(' happy')`).
   */
  index(i: number | string): Tensor;
  /** The same as {@link Tensor.index}; reads naturally on MLP activations. */
  neuron(i: number): Tensor;
  /** Selects index `i` (or a {@link Position} on a position axis) of the named axis. */
  select(dim: DimName, i: number | Position): Tensor;

  /** Element-wise sum; shapes must be equal, or one side a scalar per prompt or a number. */
  add(x: Tensor | number): Tensor;
  /** Element-wise difference; shapes as for {@link Tensor.add}. */
  sub(x: Tensor | number): Tensor;
  /** Element-wise product, usually with a number; shapes as for {@link Tensor.add}. */
  mul(x: Tensor | number): Tensor;
  /** Element-wise quotient; shapes as for {@link Tensor.add}. */
  div(x: Tensor | number): Tensor;
  /** −x. */
  neg(): Tensor;
  /** |x|. */
  abs(): Tensor;
  /** max(x, 0). */
  relu(): Tensor;
  /** x². */
  square(): Tensor;

  /**
   * Dot product with a vector over the last axis (which the vector's length must match). The
   * vector is a {@link Vector}, a path (`.npy`, `.json`, `file.safetensors#tensor`, relative to
   * this file) or numbers.
   * @example m.blocks[3].resid.post.at('last').standardize().dot('./vectors/happy.npy')
   */
  dot(v: VectorLike): Tensor;
  /** Euclidean norm over the last axis. */
  norm(): Tensor;
  /**
   * Subtracts the mean and divides by the standard deviation over the last axis — LayerNorm
   * without weights: (x − mean) / sqrt(var + 1e-5), with the population variance.
   */
  standardize(): Tensor;
  /** Sum over the last axis. */
  sum(): Tensor;
  /** Mean over the last axis. */
  mean(): Tensor;
  /** Maximum over the last axis. */
  max(): Tensor;
}

/** Per-layer hooks, named as in TransformerLens (`blocks.L.<name>`). */
export type BlockHookName =
  | 'hook_resid_pre' | 'hook_resid_mid' | 'hook_resid_post'
  | 'ln1.hook_normalized' | 'ln1_post.hook_normalized' | 'ln2.hook_normalized' | 'ln2_post.hook_normalized'
  | 'attn.hook_q' | 'attn.hook_k' | 'attn.q_norm.hook_normalized' | 'attn.k_norm.hook_normalized'
  | 'attn.hook_rot_q' | 'attn.hook_rot_k' | 'attn.hook_v' | 'attn.hook_pattern' | 'attn.hook_z' | 'hook_attn_out'
  | 'mlp.hook_pre' | 'mlp.hook_pre_linear' | 'mlp.hook_post' | 'hook_mlp_out';

/** Every hook name Reverie's models expose (TransformerLens names). */
export type HookName =
  | 'hook_embed' | 'hook_pos_embed' | 'ln_final.hook_normalized' | 'logits'
  | `blocks.${number}.${BlockHookName}`;

/** The residual stream of one block. Shapes omit the batch axis. */
export interface ResidHooks {
  /** Entering the block: `blocks.L.hook_resid_pre` [pos, d_model]. */
  readonly pre: Tensor;
  /** After attention, before the MLP: `blocks.L.hook_resid_mid` [pos, d_model] (not in GPT-NeoX). */
  readonly mid: Tensor;
  /** Leaving the block: `blocks.L.hook_resid_post` [pos, d_model]. */
  readonly post: Tensor;
}

/** The attention sub-layer of one block. */
export interface AttnHooks {
  /** Queries as projected, before q norm and rotary (TransformerLens): `blocks.L.attn.hook_q` [pos, head, d_head]. */
  readonly q: Tensor;
  /** Keys as projected, before k norm and rotary: `blocks.L.attn.hook_k` [pos, kv_head, d_head]. */
  readonly k: Tensor;
  /** Queries after rotary, what the scores use: `blocks.L.attn.hook_rot_q` [pos, head, d_head] (not in GPT-2). */
  readonly rotQ: Tensor;
  /** Keys after rotary: `blocks.L.attn.hook_rot_k` [pos, kv_head, d_head] (not in GPT-2). */
  readonly rotK: Tensor;
  /** Values: `blocks.L.attn.hook_v` [pos, kv_head, d_head]. */
  readonly v: Tensor;
  /** Attention probabilities: `blocks.L.attn.hook_pattern` [head, query, key] (prompt positions only). */
  readonly pattern: Tensor;
  /** Per-head outputs before W_O: `blocks.L.attn.hook_z` [pos, head, d_head]. */
  readonly z: Tensor;
  /** Attention output added to the residual: `blocks.L.hook_attn_out` [pos, d_model]. */
  readonly out: Tensor;
}

/** The MLP sub-layer of one block. */
export interface MlpHooks {
  /** Pre-activation (the gate, for gated MLPs): `blocks.L.mlp.hook_pre` [pos, d_mlp]. */
  readonly pre: Tensor;
  /** Gated MLPs' up projection: `blocks.L.mlp.hook_pre_linear` [pos, d_mlp] (Llama only). */
  readonly preLinear: Tensor;
  /** Neuron activations, the input of the down projection: `blocks.L.mlp.hook_post` [pos, d_mlp]. */
  readonly post: Tensor;
  /** MLP output added to the residual: `blocks.L.hook_mlp_out` [pos, d_model]. */
  readonly out: Tensor;
}

/** One transformer block's hooks, `m.blocks[L]`. */
export interface Block {
  readonly resid: ResidHooks;
  readonly attn: AttnHooks;
  readonly mlp: MlpHooks;
}

/**
 * A symbolic view of the model, passed to an objective. Shortcuts are TransformerLens hook names
 * with `hook_` dropped, in camelCase, grouped by sub-layer: `blocks.3.mlp.hook_post` is
 * `m.blocks[3].mlp.post`, `blocks.3.hook_resid_post` is `m.blocks[3].resid.post`,
 * `blocks.3.hook_attn_out` is `m.blocks[3].attn.out`.
 */
export interface Model {
  /** The model's display name, e.g. `'stories260K'`. */
  readonly name: string;
  /** Number of transformer blocks. */
  readonly nLayers: number;
  /** Residual-stream width. */
  readonly dModel: number;
  /** MLP width (number of neurons per layer). */
  readonly dMlp: number;
  /** Attention (query) heads per layer. */
  readonly nHeads: number;
  /** Key/value heads per layer (fewer than nHeads with grouped-query attention). */
  readonly nKvHeads: number;
  /** Width of one head. */
  readonly dHead: number;
  /** Rows of the logits (the embedding matrix's rows). */
  readonly vocabSize: number;
  /** Prompt length being optimised (the feature's seqLen). */
  readonly n: number;
  /** Any hook by its TransformerLens name, e.g. `m.hook('blocks.3.mlp.hook_post')`. */
  hook(name: HookName): Tensor;
  /** The transformer blocks, `m.blocks[0]` … `m.blocks[nLayers - 1]`. */
  readonly blocks: readonly Block[];
  /** Token embeddings: `hook_embed` [pos, d_model]. */
  readonly embed: Tensor;
  /** Learned position embeddings: `hook_pos_embed` [pos, d_model] (GPT-2 only). */
  readonly posEmbed: Tensor;
  /** The final norm. */
  readonly lnFinal: FinalNormHooks;
  /** Output logits: `logits` [pos, vocab]. `m.logits.at('last')` scores the next token. */
  readonly logits: Tensor;
}

/** The final norm's hooks. */
export interface FinalNormHooks {
  /** Final residual normalised, before the norm's weight: `ln_final.hook_normalized` [pos, d_model]. */
  readonly normalized: Tensor;
}

/** A function of the model that returns a scalar per prompt. Built-ins such as {@link neuron} return one. */
export type Objective = (m: Model) => Tensor;

/**
 * Per-feature overrides of the EPO search (all optional; unset fields keep the run's settings).
 * Defaults are the paper's (Thompson et al. 2024, "Fluent dreaming for language models").
 */
export interface EpoOverrides {
  /** T: iterations to run (default 300). */
  iterations?: number;
  /** M: population slots, one fluency weight λ each (default 8). */
  population?: number;
  /** Independent populations (islands): slot j is in island j mod islands and selects and restarts within it (default 1). */
  islands?: number;
  /** r: children proposed per member per iteration (default 32). */
  childrenPerMember?: number;
  /** k: a child's new token comes from its position's top-k candidates (default 64). */
  topK?: number;
  /** Share (0–1) of each position's k candidates that are the model's own most likely next tokens there; the rest come from the gradient (default 0.5). */
  modelShare?: number;
  /** Share (0–1) of each member's children that delete one token and insert a candidate token elsewhere, the tokens between moving one place (default 0.25). */
  shiftShare?: number;
  /** n: prompt length in tokens (default 12). Prefer the feature's own `seqLen`. */
  seqLen?: number;
  /** Restart every this many iterations (default 30; 0 = never). */
  restartEvery?: number;
  /** Smallest slot fluency weight λ (default 0.1). */
  lambdaMin?: number;
  /** Largest slot fluency weight λ (default 10). */
  lambdaMax?: number;
  /** Slots, from the most fluent (largest λ), that take the prompt with the largest feature under an XE cap instead of minimising −f + λ·XE, and are not restarted (default 0). */
  cappedSlots?: number;
  /** The most fluent capped slot's XE cap in nats per token; the others spread evenly up to `xeCapMax` (default 2.25). */
  xeCapMin?: number;
  /** The least fluent capped slot's XE cap (default 3.5). */
  xeCapMax?: number;
  /** Restart λ is drawn from U[restartLambdaMin, restartLambdaMax] (default 0.667). */
  restartLambdaMin?: number;
  /** (default 6.0). */
  restartLambdaMax?: number;
  /** PRNG seed (default 0). */
  seed?: number;
  /** Most prompts per model call (default 128); does not change the result. */
  batchSize?: number;
  /** Reject prompts containing any of these, case-insensitively. Prefer the feature's own `bannedText`. */
  bannedText?: string[];
  /** Reject prompts that do not survive decode → encode (default true). */
  retokenize?: boolean;
}

/** What {@link defineFeature} takes. */
export interface FeatureOptions {
  /** Display name; defaults to the export's name. */
  name?: string;
  /**
   * The model: `'stories260K'` (bundled), a path to a model folder or llama2.c `.bin` starting
   * with `./` or `../` (relative to this file), or a Hugging Face id already in the local cache.
   */
  model: 'stories260K' | (string & {});
  /** What to maximise: a built-in (e.g. `neuron(2, 17)`) or `(m) => …` returning a scalar per prompt. */
  objective: Objective;
  /** Prompt length in tokens (default 12). */
  seqLen?: number;
  /**
   * Reject prompts whose text contains any of these, case-insensitively. For {@link logit} and
   * {@link logitMargin} objectives it defaults to the target token's text (else the search just
   * writes the target word); give `[]` to allow it.
   */
  bannedText?: string | string[];
  /** EPO settings for this feature. */
  epo?: EpoOverrides;
  /**
   * What the model computes in for this feature: `'fp16'` (half precision; norms, softmax, logits
   * and the feature itself stay fp32), `'fp32'`, or `'auto'` (default: fp16 on CUDA, fp32
   * elsewhere). A `--dtype` or `reverie.dtype` other than `'auto'` wins. `'bf16'` is refused.
   */
  dtype?: 'auto' | 'fp32' | 'fp16' | 'bf16';
  /** A sentence for people: shown in the feature list and saved with runs. */
  description?: string;
}

/** A feature: what `defineFeature` returns. Export it (`export const x = defineFeature(…)`) so Reverie finds it. */
export interface Feature {
  readonly name?: string;
  readonly model: string;
  readonly objective: Objective;
  readonly seqLen?: number;
  readonly bannedText?: string | string[];
  readonly epo?: EpoOverrides;
  readonly dtype?: 'auto' | 'fp32' | 'fp16' | 'bf16';
  readonly description?: string;
}

/**
 * Declares a feature to dream about. Export the result; a file may export several.
 * @example
 * export const n2_17 = defineFeature({ model: 'stories260K', objective: neuron(2, 17), seqLen: 8 });
 */
export function defineFeature(options: FeatureOptions): Feature;

/**
 * The activation of MLP neuron `index` in `layer`: `blocks.{layer}.mlp.hook_post`, read at the
 * last prompt token unless `position` says otherwise. For gated MLPs (Llama) this is
 * silu(gate)·up, the input of the down projection, as in TransformerLens.
 * @param layer 0-based layer.
 * @param index 0-based neuron index, below the model's d_mlp.
 * @param position where to read it (default `'last'`).
 */
export function neuron(layer: number, index: number, position?: Position): Objective;

/**
 * The output logit of a token: the model's (unnormalised) score for it as the next token after
 * `position` (default the last prompt token). `token` is its text, which must be exactly one token
 * (e.g. `' happy'`, with the leading space most tokenizers attach), or its id.
 * Banned text defaults to the token's text.
 */
export function logit(token: string | number, position?: Position): Objective;

/**
 * Logit margin: the token's logit minus the largest logit of any OTHER token — positive exactly
 * when the model's top prediction is this token. `token` as for {@link logit}; banned text
 * defaults to the token's text.
 */
export function logitMargin(token: string | number, position?: Position): Objective;

/**
 * A residual-stream direction (the paper's "residual direction"): the hook's activation at
 * `position` (default `'last'`), standardised over d_model (subtract the mean, divide by the
 * standard deviation — LayerNorm without weights; on by default, `standardize: false` turns it
 * off), dotted with `vector`.
 * @param hook a hook with d_model channels, e.g. `'blocks.3.hook_resid_post'`.
 * @param vector a `.npy` (float32/float64), `.json` array or `file.safetensors#tensor`, relative
 *   to this file, or numbers; its length must be d_model.
 */
export function direction(hook: HookName, vector: VectorLike, options?: { standardize?: boolean; position?: Position }): Objective;

/**
 * An attention weight: how much `head` of `layer` attends from prompt position `fromPos` (the
 * query) to prompt position `toPos` (the key), i.e. `blocks.{layer}.attn.hook_pattern[head,
 * fromPos, toPos]`. Positions are prompt positions (a BOS prefix is not addressable);
 * `'max'`/`'mean'` reduce over that axis.
 */
export function attention(layer: number, head: number, fromPos: Position, toPos: Position): Objective;

/**
 * A sparse-autoencoder latent, from an SAE in SAELens format: a folder (relative to this file)
 * holding `cfg.json` (with `hook_name`, or the older `hook_point`) and `sae_weights.safetensors`
 * (`W_enc` [d_in, d_sae], `b_enc`, `W_dec`, `b_dec`). The latent is
 * relu((x − b_dec)·W_enc + b_enc)[index] for the hook's activation x at `position`
 * (default `'last'`); `preActivation: true` drops the relu. JumpReLU SAEs (`threshold`) gate at
 * their threshold instead.
 *
 * SAELens TopK SAEs (`architecture: "topk"` with `k`) keep each token's k largest pre-activations,
 * relu'd (× ‖W_dec[i]‖ first with `rescale_acts_by_decoder_norm`). TopK SAEs in EleutherAI
 * sparsify's layout work too: a hookpoint folder (`layers.6`, named for
 * the hook it reads: `layers.N` is `blocks.N.hook_resid_post`, `layers.N.mlp` `blocks.N.hook_mlp_out`)
 * with `cfg.json` (`k`) and `sae.safetensors`; the latent is relu((x − b_dec)·encoder.weightᵀ + b)[index]
 * when it is among the token's k largest, else 0.
 *
 * Gemma Scope's raw release files work too: `…/layer_12/width_16k/average_l0_82/params.npz` (the
 * file or its folder; JumpReLU, x·W_enc + b_enc). They carry no config, so the hook comes from
 * `hook`, else from the path (`layer_<L>` under a `-res` release: `blocks.<L>.hook_resid_post`;
 * `-mlp`: `blocks.<L>.hook_mlp_out`).
 */
export function saeLatent(sae: SaeSource, index: number, options?: { preActivation?: boolean; position?: Position; hook?: string }): Objective;

/**
 * Latent `index` of a transcoder in SAELens's layout (`architecture` `transcoder`,
 * `jumprelu_transcoder`, `skip_transcoder` or `jumprelu_skip_transcoder` in `cfg.json`): it reads
 * its input hook (`hook_name`, e.g. `blocks.6.ln2.hook_normalized`) and reconstructs `hook_name_out`
 * (e.g. `blocks.6.hook_mlp_out`). The latent is act(x·W_enc[:, index] + b_enc[index]) on the input
 * hook — a transcoder never subtracts b_dec, which lies in the output space — with act relu or
 * JumpReLU. Named as for saeLatent (a path, `{ repo, path }`, or `{ release, id }`); anything that
 * is not a transcoder is an error.
 */
export function transcoderLatent(transcoder: SaeSource, index: number, options?: { preActivation?: boolean; position?: Position }): Objective;

/**
 * Where an SAE is: a path relative to this file, or a name found in the Hugging Face cache —
 * `{ repo: 'google/gemma-scope-2b-pt-res', path: 'layer_12/width_16k/average_l0_82' }` (optionally
 * `revision`), or `{ release: 'gemma-scope-2b-pt-res', id: 'layer_12/width_16k/average_l0_82' }` for
 * releases whose ids are paths (gpt2-small-res-jb, gemma-scope-{2b,9b}-pt-{res,mlp}). A name not in
 * the cache is an error with the `huggingface-cli download` command that fetches it.
 */
export type SaeSource = string | { repo: string; path?: string; revision?: string } | { release: string; id: string };

/**
 * A weighted sum of objectives or features: `combine([[f1, 1], [f2, -0.5]])` is f1 − 0.5·f2. A
 * bare objective counts with weight 1.
 */
export function combine(terms: ReadonlyArray<readonly [Objective | Feature, number] | Objective | Feature>): Objective;

/**
 * A vector from the workspace, by path relative to this file: `.npy` (float32 or float64,
 * little-endian), `.json` (an array of numbers) or `file.safetensors#tensor_name` (the tensor
 * may be omitted when the file holds exactly one). Read when the feature is compiled.
 */
export function vector(path: string): Vector;
