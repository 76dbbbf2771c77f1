/**
 * How strongly to colour a token in the attribution view. Relative drops are fractions of the
 * baseline (1 = some substitute takes the feature to zero); absolute drops are scaled by the
 * largest one in the prompt so the most important token is always fully coloured.
 */
import type { Attribution } from '../src/protocol/panel';

/** Intensity in [0, 1]; a negative drop (every substitute raises the feature) shows as 0. */
export function dropIntensity(drop: number, relative: boolean, largestAbs: number): number {
  if (!Number.isFinite(drop) || drop <= 0) return 0;
  const scaled = relative ? drop : largestAbs > 0 ? drop / largestAbs : 0;
  return Math.min(1, scaled);
}

/** The per-prompt normaliser for absolute drops: the largest positive drop of any kind. */
export function largestDrop(a: Attribution): number {
  let m = 0;
  for (const t of a.tokens) m = Math.max(m, t.largestDrop, t.smallestDrop);
  return m;
}
