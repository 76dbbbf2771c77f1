/**
 * Per-token attribution (epo.md, last section; the reference's "resample" view). For a prompt with
 * feature b, each position's λ = 0 top-k substitutes (the token itself skipped) are scored as
 * single-substitution variants. Per token:
 *   - largestDrop  = max over substitutes of (b - f_v)/|b|: some substitute kills the feature (colour);
 *   - smallestDrop = min over substitutes of (b - f_v)/|b|: even the best substitute loses this much,
 *     so this exact token matters (bar);
 *   - worst substitute (lowest f_v), best three (highest f_v), the token's NLL and its saliency.
 * Dividing by |b| rather than b keeps "drop > 0 means the feature went down" when b < 0. When
 * |b| ≤ zeroBaseline the ratio is meaningless, so drops are absolute (b - f_v) and `absolute` is set.
 */
import type { Tokenizer } from '../tokenizers/tokenizer';
import type { EpoBackend } from './backend';
import { checkTopK, scoreBatched } from './backend-calls';

export interface AttributionOptions {
  /** Substitutes per position (λ = 0 top-k by -G). Default 32; capped at the allowed tokens. */
  k?: number;
  /** Most prompts per backend.score call. Default 128. */
  batchSize?: number;
  /** |baseline| at or below this switches to absolute drops. Default 1e-6. */
  zeroBaseline?: number;
  signal?: AbortSignal;
}

export interface Substitute {
  id: number;
  text: string;
  feature: number;
  /** (b - feature)/|b|, or b - feature when the attribution is absolute. */
  drop: number;
}

export interface TokenAttribution {
  position: number;
  id: number;
  text: string;
  /** -ln p(token | earlier tokens); null for position 0, which is never scored. */
  nll: number | null;
  /** Gradient × input saliency of the feature at this position. */
  saliency: number;
  /** null when the position had no substitute to try. */
  largestDrop: number | null;
  smallestDrop: number | null;
  worst: Substitute | null;
  /** Up to three substitutes with the highest feature, best first. */
  best: Substitute[];
  substitutes: number;
}

export interface Attribution {
  ids: number[];
  text: string;
  baseline: number;
  xe: number;
  /** True when |baseline| was ~0 and drops are absolute differences, not fractions. */
  absolute: boolean;
  k: number;
  tokens: TokenAttribution[];
}

export async function attributePrompt(
  backend: EpoBackend, tokenizer: Tokenizer, prompt: ArrayLike<number>, opts: AttributionOptions = {},
): Promise<Attribution> {
  const n = prompt.length;
  const ids = Int32Array.from(prompt);
  ids.forEach((id, i) => {
    if (!(Number.isInteger(id) && id >= 0 && id < backend.vocabRows)) throw new Error(`attribution prompt[${i}] = ${id} is not a token id (0 … ${backend.vocabRows - 1})`);
  });
  let allowedCount = 0;
  for (let v = 0; v < backend.vocabRows; v++) allowedCount += backend.allowed[v] ? 1 : 0;
  const k = Math.min(opts.k ?? 32, allowedCount);
  const batchSize = opts.batchSize ?? 128;
  if (!(Number.isInteger(k) && k >= 1)) throw new Error(`attribution k must be an integer ≥ 1, got ${opts.k}`);
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new Error(`attribution batchSize must be an integer ≥ 1, got ${opts.batchSize}`);
  const checkCancel = () => opts.signal?.throwIfAborted();

  checkCancel();
  const base = await backend.score([ids]);
  const b = base.feature[0];
  checkCancel();
  const saliency = await backend.saliency(ids);
  checkCancel();
  const top = await backend.topK([ids], [0], k);
  checkTopK(backend, top, 1, n, k);

  const variants: Int32Array[] = [];
  const where: { pos: number; id: number }[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < k; j++) {
      const v = top[0][i * k + j];
      if (v === ids[i]) continue;
      const variant = ids.slice();
      variant[i] = v;
      variants.push(variant);
      where.push({ pos: i, id: v });
    }
  }
  const values = new Float64Array(variants.length);
  await scoreBatched(backend, variants, batchSize, checkCancel, (first, feature) => values.set(feature, first));

  const absolute = !(Math.abs(b) > (opts.zeroBaseline ?? 1e-6));
  const dropOf = (f: number) => (absolute ? b - f : (b - f) / Math.abs(b));
  const perPos: Substitute[][] = Array.from({ length: n }, () => []);
  where.forEach((w, c) => perPos[w.pos].push({ id: w.id, text: tokenizer.tokenText(w.id), feature: values[c], drop: dropOf(values[c]) }));

  const tokens = Array.from(ids, (id, i): TokenAttribution => {
    // highest feature first; ties by id so the view is stable
    const subs = perPos[i].slice().sort((x, y) => y.feature - x.feature || x.id - y.id);
    return {
      position: i,
      id,
      text: tokenizer.tokenText(id),
      nll: i === 0 ? null : base.nll[0][i - 1],
      saliency: saliency[i],
      largestDrop: subs.length ? Math.max(...subs.map((s) => s.drop)) : null,
      smallestDrop: subs.length ? Math.min(...subs.map((s) => s.drop)) : null,
      worst: subs.length ? subs[subs.length - 1] : null,
      best: subs.slice(0, 3),
      substitutes: subs.length,
    };
  });
  return { ids: Array.from(ids), text: tokenizer.decode(Array.from(ids)), baseline: b, xe: base.xe[0], absolute, k, tokens };
}
