/**
 * Proposals (epo.md step 2) and random initial prompts, with Reverie's token hygiene.
 *
 * A child is its parent with one uniformly random position replaced by a uniformly random token of
 * that position's top-k. A draw is thrown away and re-drawn when
 *   - the token is the one already there (the child would equal its parent: `sameAsParent`),
 *   - the child was evaluated or rejected earlier in the run, or already proposed this iteration
 *     (`cacheHits`), or
 *   - it fails banned text / retokenization (`rejectedBanned` / `rejectedRetokenize`; remembered, so
 *     the same prompt is not checked twice).
 * Each member gets up to MAX_DRAWS_PER_CHILD × r draws to find its r fresh children. When they do
 * not suffice, the member's one-token neighbourhood is (nearly) exhausted — every child it can have
 * was evaluated already — and the rest of its children are **two-token moves** (two distinct
 * positions, each replaced by a token of its own top-k; `wideMoves`), again up to
 * MAX_DRAWS_PER_CHILD draws per missing child; what is still missing after that is `shortfall`.
 * Without them a population that has collapsed onto one prompt that is a local optimum for every
 * slot's λ (a restart puts one prompt in every slot) could only re-draw known neighbours, and the
 * run stopped searching: on neuron 2.10 with top-k 64, 93 % of the requested children could not be
 * produced from iteration 19 on.
 *
 * With config.shiftShare, that share of each member's children are **shifts** instead (`shiftMoves`):
 * the token at one position deleted and a candidate of another position inserted there, the tokens
 * between moving one place; they are drawn after the one-token children and also stand in first for
 * those that could not be found.
 *
 * A drawn child that was evaluated in an earlier iteration costs no evaluation but still competes
 * in this iteration's selection with its known values (`knownRows`): the reference code would have
 * re-evaluated it as a child. Without this, a slot whose neighbourhood was explored before (e.g.
 * after a restart copies one prompt into every slot) could never move to a better neighbour it had
 * already seen, and a small vocabulary freezes the whole population.
 */
import type { PromptCache } from './cache';
import { promptKey } from './cache';
import type { PromptChecker } from './hygiene';
import type { Prng } from './prng';

export const MAX_DRAWS_PER_CHILD = 10;
/** Random initial prompts: token draws allowed per member before giving up with an error. */
export const MAX_INITIAL_DRAWS = 100_000;
/** Random initial prompts: failed draws at one position before backing up to the one before. */
export const MAX_TOKEN_DRAWS = 64;

export interface ProposalCounts {
  cacheHits: number;
  sameAsParent: number;
  rejectedBanned: number;
  rejectedRetokenize: number;
  /** Children that changed two tokens because the parent's one-token neighbourhood was exhausted. */
  wideMoves: number;
  /** Children made by a shift: one token deleted, one inserted elsewhere (config.shiftShare). */
  shiftMoves: number;
  shortfall: number;
}

export const zeroCounts = (): ProposalCounts => ({ cacheHits: 0, sameAsParent: 0, rejectedBanned: 0, rejectedRetokenize: 0, wideMoves: 0, shiftMoves: 0, shortfall: 0 });

export function addCounts(into: ProposalCounts, c: ProposalCounts): void {
  into.cacheHits += c.cacheHits;
  into.sameAsParent += c.sameAsParent;
  into.rejectedBanned += c.rejectedBanned;
  into.rejectedRetokenize += c.rejectedRetokenize;
  into.wideMoves += c.wideMoves;
  into.shiftMoves += c.shiftMoves;
  into.shortfall += c.shortfall;
}

export interface ParentSpec {
  ids: Int32Array;
  /** History row of the parent. */
  row: number;
  /** Top-k ids per position, [n*k] row-major. */
  topK: Int32Array;
}

export interface Proposals {
  children: Int32Array[];
  /** History rows of already-evaluated prompts drawn as children (distinct, in draw order). */
  knownRows: number[];
  /** Index (into the parents given) of each child's parent. */
  from: number[];
  /** For each known row, the indices of the parents that drew it (islands select only their own). */
  knownFrom: number[][];
  counts: ProposalCounts;
}

interface Ctx {
  rng: Prng;
  cache: PromptCache;
  checker: PromptChecker;
}

/** Returns false and counts the reason when `ids` may not be evaluated; else records it as pending. */
function admit(ids: Int32Array, pending: Set<string>, ctx: Ctx, counts: ProposalCounts, known?: Set<number>): boolean {
  const key = promptKey(ids);
  if (pending.has(key) || ctx.cache.has(key)) {
    counts.cacheHits++;
    const row = ctx.cache.rowOfKey(key);
    if (row >= 0) known?.add(row);
    return false;
  }
  const verdict = ctx.checker.check(ids);
  if (verdict !== 'ok') {
    ctx.cache.addRejected(ids);
    if (verdict === 'banned') counts.rejectedBanned++; else counts.rejectedRetokenize++;
    return false;
  }
  pending.add(key);
  return true;
}

/** r fresh children per parent, parents in slot order, consuming the PRNG in a fixed order. */
export function proposeChildren(parents: readonly ParentSpec[], r: number, k: number, ctx: Ctx, shifts = 0): Proposals {
  const counts = zeroCounts();
  const children: Int32Array[] = [];
  const pending = new Set<string>();
  const from: number[] = [];
  const knownFrom = new Map<number, number[]>();
  for (let pi = 0; pi < parents.length; pi++) {
    const p = parents[pi];
    const known = new Set<number>();
    const n = p.ids.length;
    if (p.topK.length !== n * k) throw new Error(`member at history row ${p.row} has ${p.topK.length} top-k ids, expected ${n}×${k}`);
    let accepted = 0;
    const take = (child: Int32Array) => { children.push(child); from.push(pi); accepted++; };
    const subs = n >= 2 ? r - shifts : r;
    for (let draws = 0; accepted < subs && draws < subs * MAX_DRAWS_PER_CHILD; draws++) {
      const pos = ctx.rng.int(n);
      const token = p.topK[pos * k + ctx.rng.int(k)];
      if (token === p.ids[pos]) { counts.sameAsParent++; continue; }
      const child = p.ids.slice();
      child[pos] = token;
      if (!admit(child, pending, ctx, counts, known)) continue;
      take(child);
    }
    // Shifts: delete the token at d, insert a candidate of position i at i (the tokens between move by
    // one); they also stand in first for one-token children that could not be found.
    for (let draws = 0; accepted < r && draws < (r - subs) * MAX_DRAWS_PER_CHILD; draws++) {
      const d = ctx.rng.int(n);
      const i = (d + 1 + ctx.rng.int(n - 1)) % n;
      const token = p.topK[i * k + ctx.rng.int(k)];
      const child = shifted(p.ids, d, i, token);
      if (!admit(child, pending, ctx, counts, known)) continue;
      take(child);
      counts.shiftMoves++;
    }
    // The one-token neighbourhood is exhausted: two-token moves for the children still missing.
    const missing = r - accepted;
    for (let draws = 0; n >= 2 && accepted < r && draws < missing * MAX_DRAWS_PER_CHILD; draws++) {
      const a = ctx.rng.int(n);
      const b = (a + 1 + ctx.rng.int(n - 1)) % n;
      const ta = p.topK[a * k + ctx.rng.int(k)], tb = p.topK[b * k + ctx.rng.int(k)];
      if (ta === p.ids[a] || tb === p.ids[b]) { counts.sameAsParent++; continue; }
      const child = p.ids.slice();
      child[a] = ta;
      child[b] = tb;
      if (!admit(child, pending, ctx, counts, known)) continue;
      take(child);
      counts.wideMoves++;
    }
    counts.shortfall += r - accepted;
    for (const row of known) {
      const by = knownFrom.get(row);
      if (by) by.push(pi); else knownFrom.set(row, [pi]);
    }
  }
  const memberRows = new Set(parents.map((p) => p.row));
  const knownRows = [...knownFrom.keys()].filter((r) => !memberRows.has(r));
  return { children, knownRows, knownFrom: knownRows.map((r) => knownFrom.get(r)!), from, counts };
}

/** `ids` without its token at `del`, with `token` inserted so that it lands at index `ins` (≠ del). */
export function shifted(ids: Int32Array, del: number, ins: number, token: number): Int32Array {
  const out = new Int32Array(ids.length);
  let j = 0;
  for (let i = 0; i < ids.length; i++) {
    if (j === ins) out[j++] = token;
    if (i !== del) out[j++] = ids[i];
  }
  if (j === ins) out[j++] = token;
  return out;
}

/**
 * M distinct prompts of random allowed tokens that pass the prompt checks, built token by token:
 * each position draws until the prefix so far passes them (decode→encode gives the same ids, no
 * banned text), backing up one position when MAX_TOKEN_DRAWS draws at a position all fail. Drawing
 * whole prompts and checking only at the end almost never succeeds on a SentencePiece vocabulary
 * (most random sequences merge differently when re-encoded), so one seed in four could not start.
 * Without active checks this is one uniform draw per position, as before. The whole prompt is
 * checked again at the end (a prefix check is a guide, not a proof) and must be new to the run.
 */
export function randomInitialPrompts(m: number, n: number, allowedIds: Int32Array, ctx: Ctx): { prompts: Int32Array[]; counts: ProposalCounts } {
  const counts = zeroCounts();
  const pending = new Set<string>();
  const prompts: Int32Array[] = [];
  const guided = ctx.checker.active;
  for (let j = 0; j < m; j++) {
    let found: Int32Array | undefined;
    let draws = 0;
    while (!found && draws < MAX_INITIAL_DRAWS) {
      const ids = new Int32Array(n);
      const failsAt = new Int32Array(n);
      let i = 0;
      while (i < n && draws < MAX_INITIAL_DRAWS) {
        ids[i] = allowedIds[ctx.rng.int(allowedIds.length)];
        draws++;
        const verdict = guided ? ctx.checker.check(ids.subarray(0, i + 1)) : 'ok';
        if (verdict === 'ok') { i++; continue; }
        if (verdict === 'banned') counts.rejectedBanned++; else counts.rejectedRetokenize++;
        if (++failsAt[i] >= MAX_TOKEN_DRAWS && i > 0) { failsAt[i] = 0; i--; }
      }
      if (i === n && admit(ids, pending, ctx, counts)) found = ids;
    }
    if (!found) {
      throw new Error(`could not draw random initial prompt ${j + 1} of ${m} in ${MAX_INITIAL_DRAWS} token draws ` +
        `(${counts.rejectedBanned} banned, ${counts.rejectedRetokenize} failed retokenization, ${counts.cacheHits} duplicates); ` +
        'relax bannedText, set retokenize: false, or give an initialPrompt');
    }
    prompts.push(found);
  }
  return { prompts, counts };
}
