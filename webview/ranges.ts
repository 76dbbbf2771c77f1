/**
 * Axis ranges that grow in steps rather than with every point: redrawing the cached point layer
 * costs O(points), so the range only changes when a point falls outside it, and then with headroom.
 */
export interface Range { min: number; max: number }

/** A "nice" step (1, 2 or 5 × 10^k) at most `span` / 4. */
export function niceStep(span: number): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / 4;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m >= 5 ? 5 : m >= 2 ? 2 : 1) * p;
}

/**
 * A range containing [lo, hi], rounded out to nice steps with `pad` (a fraction of the span) of
 * headroom on each side; a degenerate span gets one unit around it.
 */
export function paddedRange(lo: number, hi: number, pad = 0.08): Range {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return { min: 0, max: 1 };
  if (hi - lo < 1e-9) { lo -= 0.5; hi += 0.5; }
  const span = hi - lo;
  const step = niceStep(span * (1 + 2 * pad));
  return { min: Math.floor((lo - span * pad) / step) * step, max: Math.ceil((hi + span * pad) / step) * step };
}

/**
 * `current` if it already contains the data extent [lo, hi], else a new padded range around the
 * extent. The extent is cumulative (everything seen so far), so the new range still holds every
 * point; padding the old range again instead would let the axis drift outwards with each growth.
 */
export function grownRange(current: Range | null, lo: number, hi: number): Range {
  if (current && lo >= current.min && hi <= current.max) return current;
  return paddedRange(lo, hi);
}
