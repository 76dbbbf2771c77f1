/**
 * Which prompts a run already knows: evaluated ones (→ their history row) and rejected ones (banned
 * text or failed retokenization). A proposal that hits either is re-drawn instead of being spent.
 * The evaluated part is rebuilt from the history; the rejected part is kept as a list of ids so a
 * checkpoint can carry it (so counters, not only trajectories, match after a resume).
 */
import type { EvalHistory } from './history';

/** A compact string key for a prompt: two UTF-16 units per id (ids up to 2^32-1). */
export function promptKey(ids: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    s += String.fromCharCode(id & 0xffff, id >>> 16);
  }
  return s;
}

export class PromptCache {
  private evaluated = new Map<string, number>();
  private rejected = new Set<string>();
  private rejectedIds: number[] = [];

  constructor(readonly seqLen: number) {}

  static fromHistory(history: EvalHistory, rejectedIds: ArrayLike<number> = []): PromptCache {
    const c = new PromptCache(history.seqLen);
    for (let i = 0; i < history.size; i++) c.addEvaluated(history.idsView(i), i);
    if (rejectedIds.length % history.seqLen !== 0) {
      throw new Error(`rejected prompt list has ${rejectedIds.length} ids, not a multiple of seqLen ${history.seqLen}`);
    }
    for (let o = 0; o < rejectedIds.length; o += history.seqLen) c.addRejected(Array.prototype.slice.call(rejectedIds, o, o + history.seqLen));
    return c;
  }

  /** History row of an evaluated prompt, or -1. */
  rowOf(ids: ArrayLike<number>): number {
    return this.evaluated.get(promptKey(ids)) ?? -1;
  }

  /** History row of an evaluated prompt by key, or -1. */
  rowOfKey(key: string): number {
    return this.evaluated.get(key) ?? -1;
  }

  has(key: string): boolean {
    return this.evaluated.has(key) || this.rejected.has(key);
  }

  addEvaluated(ids: ArrayLike<number>, row: number): void {
    this.evaluated.set(promptKey(ids), row);
  }

  addRejected(ids: ArrayLike<number>): void {
    const key = promptKey(ids);
    if (this.rejected.has(key)) return;
    this.rejected.add(key);
    for (let i = 0; i < ids.length; i++) this.rejectedIds.push(ids[i]);
  }

  get rejectedCount(): number {
    return this.rejected.size;
  }

  /** The first `count` rejected prompts, concatenated (for checkpoints). */
  rejectedPrefix(count = this.rejected.size): Int32Array {
    return Int32Array.from(this.rejectedIds.slice(0, count * this.seqLen));
  }
}
