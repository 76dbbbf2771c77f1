/**
 * The non-dominated set of (feature high, XE low), maintained point by point as a run streams in,
 * with the same definition as the engine's `nonDominated`: q dominates p iff q.feature ≥ p.feature
 * and q.xe ≤ p.xe with at least one strict; identical points do not dominate each other, so all
 * copies are kept; non-finite points are never on it.
 *
 * Kept sorted by XE ascending. Along a frontier the feature then strictly increases (except for
 * identical copies), so p is dominated iff the last member with XE ≤ p.xe has feature ≥ p.feature
 * (and is not identical to it), and the members p dominates are a contiguous run starting at the
 * first member with XE ≥ p.xe. An insertion costs two binary searches and a splice of a small
 * array (a frontier has tens to a few hundred members), so a 264-point iteration costs microseconds.
 */
export class ParetoFrontier {
  private xe: number[] = [];
  private feature: number[] = [];
  private index: number[] = [];
  /** Bumped on every change, so callers can tell whether a snapshot is stale. */
  version = 0;

  get size(): number {
    return this.index.length;
  }

  clear(): void {
    this.xe = [];
    this.feature = [];
    this.index = [];
    this.version++;
  }

  /** First position whose XE is > x (upper) or ≥ x (lower). */
  private bound(x: number, upper: boolean): number {
    let lo = 0, hi = this.xe.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (upper ? this.xe[mid] <= x : this.xe[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Offers point `i`; returns whether the frontier changed. */
  insert(i: number, xe: number, feature: number): boolean {
    if (!Number.isFinite(xe) || !Number.isFinite(feature)) return false;
    const upper = this.bound(xe, true);
    const j = upper - 1; // last member with XE ≤ xe: the highest feature among them
    if (j >= 0 && this.feature[j] >= feature) {
      if (this.xe[j] !== xe || this.feature[j] !== feature) return false; // dominated
      // An identical copy: dominates nothing that the copy did not already.
      this.splice(upper, 0, i, xe, feature);
      return true;
    }
    const lower = this.bound(xe, false);
    let end = lower;
    while (end < this.xe.length && this.feature[end] <= feature) end++;
    this.splice(lower, end - lower, i, xe, feature);
    return true;
  }

  private splice(at: number, remove: number, i: number, xe: number, feature: number): void {
    this.xe.splice(at, remove, xe);
    this.feature.splice(at, remove, feature);
    this.index.splice(at, remove, i);
    this.version++;
  }

  /** Point indices on the frontier, XE ascending (copy). */
  indices(): Int32Array {
    return Int32Array.from(this.index);
  }
}

/** The frontier of the first `count` points of parallel arrays (XE ascending). */
export function frontierOf(xe: ArrayLike<number>, feature: ArrayLike<number>, count = xe.length): Int32Array {
  const f = new ParetoFrontier();
  for (let i = 0; i < count; i++) f.insert(i, xe[i], feature[i]);
  return f.indices();
}
