/**
 * The Pareto frontier of (feature high, XE low): every evaluated prompt that no other prompt beats
 * on both. Unlike the reference code's helper (which keeps only weighted-sum winners, i.e. the convex
 * hull), this is the full non-dominated set.
 *
 * q dominates p iff q.f ≥ p.f and q.xe ≤ p.xe with at least one strict. Points with identical
 * (f, XE) do not dominate each other, so distinct prompts with equal values are all kept. Points
 * whose feature or XE is not finite are never on the frontier.
 */
import type { Tokenizer } from '../tokenizers/tokenizer';
import type { EvalHistory } from './history';
import { promptKey } from './cache';

export interface FrontierPoint {
  ids: number[];
  /** Decoded prompt, when a tokenizer was at hand. */
  text?: string;
  feature: number;
  xe: number;
  /** Iteration that evaluated it (-1: initial population). */
  iteration: number;
  /** Its row in its run's history. */
  row: number;
  /** Which run it came from, when frontiers of several runs were merged (index into the runs given). */
  run?: number;
}

/**
 * Local indices of the non-dominated points, ordered by XE ascending (so feature ascending too),
 * ties by `tieKey` ascending. O(N log N).
 */
export function nonDominated(feature: ArrayLike<number>, xe: ArrayLike<number>, tieKey?: ArrayLike<number>): number[] {
  if (xe.length !== feature.length) throw new Error(`frontier needs one XE per feature, got ${feature.length} and ${xe.length}`);
  const idx: number[] = [];
  for (let i = 0; i < feature.length; i++) if (Number.isFinite(feature[i]) && Number.isFinite(xe[i])) idx.push(i);
  idx.sort((a, b) => xe[a] - xe[b] || feature[b] - feature[a] || (tieKey ? tieKey[a] - tieKey[b] : a - b));
  const out: number[] = [];
  let bestBelow = -Infinity; // best feature among strictly smaller XE
  for (let s = 0; s < idx.length;) {
    const groupXe = xe[idx[s]], groupMax = feature[idx[s]];
    let e = s;
    while (e < idx.length && xe[idx[e]] === groupXe) e++;
    if (groupMax > bestBelow) {
      for (let t = s; t < e && feature[idx[t]] === groupMax; t++) out.push(idx[t]);
      bestBelow = groupMax;
    }
    s = e;
  }
  return out;
}

/** History rows on the frontier among `rows` (default: all rows), ordered by XE. */
export function frontierRows(history: EvalHistory, rows?: ArrayLike<number>): Int32Array {
  const { feature, xe } = history.columns();
  if (!rows) return Int32Array.from(nonDominated(feature, xe));
  const f = new Float64Array(rows.length), x = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) { f[i] = feature[rows[i]]; x[i] = xe[rows[i]]; }
  return Int32Array.from(nonDominated(f, x, rows), (i) => rows[i]);
}

export function pointOf(history: EvalHistory, row: number, tokenizer?: Tokenizer): FrontierPoint {
  const ids = history.ids(row);
  const p: FrontierPoint = { ids, feature: history.feature(row), xe: history.xe(row), iteration: history.iteration(row), row };
  if (tokenizer) p.text = tokenizer.decode(ids);
  return p;
}

/**
 * The frontier over everything the run had evaluated by the end of `throughIteration` (default: all
 * of it; -1: the initial population only). Rows are in iteration order, so this is a prefix.
 */
export function frontierOf(history: EvalHistory, opts: { throughIteration?: number; tokenizer?: Tokenizer } = {}): FrontierPoint[] {
  const count = opts.throughIteration === undefined ? history.size : history.countThrough(opts.throughIteration);
  const { feature, xe } = history.columns();
  return nonDominated(feature.subarray(0, count), xe.subarray(0, count)).map((r) => pointOf(history, r, opts.tokenizer));
}

/**
 * The frontier of the union of several frontiers (or any point sets): identical prompts are kept
 * once (the first occurrence, in list order), then dominated points are dropped. Since the frontier
 * of a set dominates all of it, merging per-run frontiers gives the frontier of the runs' union.
 */
export function mergeFrontierPoints(lists: readonly (readonly FrontierPoint[])[]): FrontierPoint[] {
  const seen = new Set<string>();
  const unique: FrontierPoint[] = [];
  for (const list of lists) {
    for (const p of list) {
      const k = promptKey(p.ids);
      if (seen.has(k)) continue;
      seen.add(k);
      unique.push(p);
    }
  }
  const keep = nonDominated(unique.map((p) => p.feature), unique.map((p) => p.xe));
  return keep.map((i) => unique[i]);
}
