/**
 * llama2.c's BPE merge loop — "merge the adjacent pair whose concatenation is a vocabulary piece
 * with the highest score; on ties the leftmost" — run in O(n log n) with a linked list of symbols
 * and a lazily-invalidated max-heap of candidate pairs instead of rescanning after every merge.
 */

/** Answers "which piece is the concatenation of pieces a and b?" (-1: none) and its score. */
export interface MergeTable {
  mergeOf(a: number, b: number): number;
  score(id: number): number;
}

/** llama2.c starts its best score at -1e10, so a pair scoring at or below it never merges. */
const SCORE_FLOOR = -1e10;

/** Max-heap on score, then min-heap on left position (= leftmost in the current sequence). */
class PairHeap {
  private readonly score: number[] = [];
  private readonly left: number[] = [];
  private readonly right: number[] = [];
  private readonly leftId: number[] = [];
  private readonly rightId: number[] = [];
  private readonly merged: number[] = [];

  get size(): number { return this.score.length; }

  push(score: number, left: number, right: number, leftId: number, rightId: number, merged: number): void {
    let i = this.score.length;
    this.score.push(score); this.left.push(left); this.right.push(right);
    this.leftId.push(leftId); this.rightId.push(rightId); this.merged.push(merged);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  /** Removes the top entry and returns [score, left, right, leftId, rightId, merged]. */
  pop(): [number, number, number, number, number, number] {
    const top: [number, number, number, number, number, number] =
      [this.score[0], this.left[0], this.right[0], this.leftId[0], this.rightId[0], this.merged[0]];
    const last = this.score.length - 1;
    this.swap(0, last);
    this.score.pop(); this.left.pop(); this.right.pop(); this.leftId.pop(); this.rightId.pop(); this.merged.pop();
    let i = 0;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let best = i;
      if (l < last && this.before(l, best)) best = l;
      if (r < last && this.before(r, best)) best = r;
      if (best === i) break;
      this.swap(i, best);
      i = best;
    }
    return top;
  }

  private before(i: number, j: number): boolean {
    return this.score[i] > this.score[j] || (this.score[i] === this.score[j] && this.left[i] < this.left[j]);
  }

  private swap(i: number, j: number): void {
    for (const a of [this.score, this.left, this.right, this.leftId, this.rightId, this.merged]) {
      const t = a[i]; a[i] = a[j]; a[j] = t;
    }
  }
}

/** Merges `ids` (the character/byte-level sequence) exactly as llama2.c's encode loop does. */
export function mergePairs(ids: readonly number[], table: MergeTable): number[] {
  const n = ids.length;
  if (n < 2) return ids.slice();
  const id = Int32Array.from(ids);
  const next = new Int32Array(n);
  const prev = new Int32Array(n);
  for (let i = 0; i < n; i++) { next[i] = i + 1; prev[i] = i - 1; }
  next[n - 1] = -1;
  const alive = new Uint8Array(n).fill(1);
  const heap = new PairHeap();
  const consider = (left: number) => {
    const right = next[left];
    if (left < 0 || right < 0) return;
    const merged = table.mergeOf(id[left], id[right]);
    if (merged < 0) return;
    const s = table.score(merged);
    if (s > SCORE_FLOOR) heap.push(s, left, right, id[left], id[right], merged);
  };
  for (let i = 0; i + 1 < n; i++) consider(i);

  while (heap.size > 0) {
    const [, left, right, leftId, rightId, merged] = heap.pop();
    // Stale entry: one side has since merged with something else.
    if (!alive[left] || !alive[right] || next[left] !== right || id[left] !== leftId || id[right] !== rightId) continue;
    id[left] = merged;
    alive[right] = 0;
    next[left] = next[right];
    if (next[right] >= 0) prev[next[right]] = left;
    consider(prev[left]);
    consider(left);
  }
  const out: number[] = [];
  for (let i = 0; i >= 0; i = next[i]) out.push(id[i]);
  return out;
}
