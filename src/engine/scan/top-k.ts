/**
 * The k best windows seen so far, in O(log k) per offer: a binary heap whose root is the worst kept
 * window, plus a map from window ids to entries so an identical window is never kept twice.
 *
 * Order: higher feature first; equal features go to the window met first in the corpus (its
 * location), so the result is the same whatever the batch size, chunk size or resume points.
 * An identical window seen again always has the same value (the graph is deterministic), so keeping
 * the first copy is the same as keeping any: if the first copy was evicted, the root is at least as
 * good as it, and a later copy with the same value loses the tie.
 */
import { promptKey } from '../epo/cache';

/** Where a window starts: file index, byte offset of its document, window index in that document. */
export interface WindowLocation {
  file: number;
  /** Byte offset of the document in its file. */
  offset: number;
  /** 1-based line of the document's first line. */
  line: number;
  /** Index of the window among the document's windows. */
  window: number;
}

export interface TopEntry {
  ids: number[];
  feature: number;
  xe: number;
  at: WindowLocation;
}

/** Negative when `a` comes first in the corpus. */
export function compareLocations(a: WindowLocation, b: WindowLocation): number {
  return a.file - b.file || a.offset - b.offset || a.window - b.window;
}

/** True when `a` ranks above `b`. */
export function ranksAbove(a: TopEntry, b: TopEntry): boolean {
  return a.feature > b.feature || (a.feature === b.feature && compareLocations(a.at, b.at) < 0);
}

export class TopK {
  /** heap[0] is the worst kept entry; every parent ranks below its children. */
  private readonly heap: TopEntry[] = [];
  private readonly keys = new Map<string, TopEntry>();

  constructor(readonly k: number) {
    if (!Number.isInteger(k) || k < 1) throw new Error(`top-k size must be a positive integer, got ${k}`);
  }

  get size(): number {
    return this.heap.length;
  }

  has(ids: ArrayLike<number>): boolean {
    return this.keys.has(promptKey(ids));
  }

  /** Keeps `e` if it is among the k best so far and not a copy of a kept window; true if kept. */
  offer(e: TopEntry): boolean {
    const key = promptKey(e.ids);
    if (this.keys.has(key)) return false;
    const h = this.heap;
    if (h.length < this.k) {
      h.push(e);
      this.up(h.length - 1);
    } else if (ranksAbove(e, h[0])) {
      this.keys.delete(promptKey(h[0].ids));
      h[0] = e;
      this.down(0);
    } else {
      return false;
    }
    this.keys.set(key, e);
    return true;
  }

  /** Best first. */
  sorted(): TopEntry[] {
    return [...this.heap].sort((a, b) => (ranksAbove(a, b) ? -1 : ranksAbove(b, a) ? 1 : 0));
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!ranksAbove(h[p], h[i])) break;
      [h[p], h[i]] = [h[i], h[p]];
      i = p;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let worst = i;
      if (l < h.length && ranksAbove(h[worst], h[l])) worst = l;
      if (r < h.length && ranksAbove(h[worst], h[r])) worst = r;
      if (worst === i) return;
      [h[worst], h[i]] = [h[i], h[worst]];
      i = worst;
    }
  }
}
