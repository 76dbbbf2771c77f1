/**
 * Batched, checked calls into an EpoBackend. Every answer is checked for shape and for disallowed
 * ids, so a backend bug is reported as such instead of silently steering the search.
 */
import type { Tokenizer } from '../tokenizers/tokenizer';
import type { EpoBackend } from './backend';

/** The ids EPO may propose, after checking `allowed` against the backend and the tokenizer. */
export function allowedIdsOf(backend: EpoBackend, tokenizer: Tokenizer): Int32Array {
  const { vocabRows, allowed } = backend;
  if (!Number.isInteger(vocabRows) || vocabRows < 2) throw new Error(`backend.vocabRows must be an integer ≥ 2, got ${vocabRows}`);
  if (!(allowed instanceof Uint8Array) || allowed.length !== vocabRows) {
    throw new Error(`backend.allowed must be a Uint8Array of length vocabRows (${vocabRows}), got length ${(allowed as Uint8Array | undefined)?.length}`);
  }
  const ids: number[] = [];
  for (let v = 0; v < vocabRows; v++) {
    if (!allowed[v]) continue;
    if (v >= tokenizer.vocabSize) throw new Error(`backend.allowed permits id ${v}, but the tokenizer only has ${tokenizer.vocabSize} ids`);
    if (tokenizer.specialIds.has(v)) throw new Error(`backend.allowed permits id ${v}, which the tokenizer marks special`);
    ids.push(v);
  }
  if (ids.length < 2) throw new Error(`backend.allowed permits ${ids.length} token(s); EPO needs at least 2`);
  return Int32Array.from(ids);
}

/** Thrown inside a run to unwind to the caller's cancellation handling. */
export class Cancelled extends Error {
  override name = 'Cancelled';
}

export function checkTopK(backend: EpoBackend, out: Int32Array[], count: number, n: number, k: number): void {
  if (!Array.isArray(out) || out.length !== count) throw new Error(`backend.topK returned ${Array.isArray(out) ? out.length : typeof out} results for ${count} prompts`);
  out.forEach((ids, p) => {
    if (!(ids instanceof Int32Array) || ids.length !== n * k) {
      throw new Error(`backend.topK result ${p} must be an Int32Array of ${n}×${k} ids, got length ${(ids as Int32Array | undefined)?.length}`);
    }
    for (let i = 0; i < ids.length; i++) {
      const v = ids[i];
      if (!(v >= 0 && v < backend.vocabRows) || !backend.allowed[v]) {
        throw new Error(`backend.topK result ${p} proposes id ${v} at position ${Math.floor(i / k)}, which is not an allowed token`);
      }
    }
  });
}

/** topK in chunks of `batchSize` (`fromModel` of each k from the model's own predictions); `beforeCall` may throw Cancelled. */
export async function topKBatched(
  backend: EpoBackend, prompts: Int32Array[], lambdas: number[], k: number, batchSize: number,
  beforeCall: () => void, onChunk: (first: number, out: Int32Array[]) => void, fromModel = 0,
): Promise<void> {
  for (let s = 0; s < prompts.length; s += batchSize) {
    beforeCall();
    const chunk = prompts.slice(s, s + batchSize);
    const out = await backend.topK(chunk, lambdas.slice(s, s + batchSize), k, fromModel);
    checkTopK(backend, out, chunk.length, chunk[0].length, k);
    onChunk(s, out);
  }
}

/**
 * A prompt scored to NaN or ±∞: a feature or model that does so cannot be optimised (selection and
 * gradients turn to noise), so the run stops at the first one. The run adds the prompt's text, the
 * iteration and the names (`describe`).
 */
export class NonFiniteScoreError extends Error {
  override name = 'NonFiniteScoreError';
  constructor(readonly kind: 'feature' | 'xe', readonly value: number, readonly ids: Int32Array) {
    super(`a prompt scored a non-finite ${kind === 'xe' ? 'cross-entropy' : 'feature value'} (${value})`);
  }

  describe(text: string, iteration: number, names: { feature?: string; model?: string } = {}): Error {
    const when = iteration < 0 ? 'the initial population' : `iteration ${iteration}`;
    const prompt = `the prompt ${JSON.stringify(text)} (${when})`;
    return new Error(this.kind === 'xe'
      ? `the model${names.model ? ` ${names.model}` : ''} gives a cross-entropy of ${this.value} on ${prompt}: its weights or its computation produce non-finite logits`
      : `the feature${names.feature ? ` '${names.feature}'` : ''} is ${this.value} (not a finite number) on ${prompt}: ` +
        'its objective divides by zero, takes the log of 0 or overflows somewhere');
  }
}

/** score in chunks of `batchSize`; `beforeCall` may throw Cancelled, a non-finite value NonFiniteScoreError. */
export async function scoreBatched(
  backend: EpoBackend, prompts: Int32Array[], batchSize: number,
  beforeCall: () => void, onChunk: (first: number, feature: Float64Array, xe: Float64Array) => void,
): Promise<void> {
  for (let s = 0; s < prompts.length; s += batchSize) {
    beforeCall();
    const chunk = prompts.slice(s, s + batchSize);
    const out = await backend.score(chunk);
    if (!out || out.feature?.length !== chunk.length || out.xe?.length !== chunk.length) {
      throw new Error(`backend.score must return ${chunk.length} feature and XE values, got ${out?.feature?.length} and ${out?.xe?.length}`);
    }
    for (let i = 0; i < chunk.length; i++) {
      if (!Number.isFinite(out.xe[i])) throw new NonFiniteScoreError('xe', out.xe[i], chunk[i]);
      if (!Number.isFinite(out.feature[i])) throw new NonFiniteScoreError('feature', out.feature[i], chunk[i]);
    }
    onChunk(s, out.feature, out.xe);
  }
}
