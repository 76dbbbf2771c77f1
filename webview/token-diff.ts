/**
 * Which token positions of a slot changed since the previous iteration. A slot's new prompt may be
 * a child of another slot's member (selection is with replacement), so this compares with what the
 * slot itself showed before, which is what the user saw change.
 */
export function changedPositions(previous: readonly number[] | undefined, next: readonly number[]): boolean[] {
  if (!previous) return next.map(() => false);
  return next.map((id, i) => i >= previous.length || previous[i] !== id);
}

export const sameIds = (a: readonly number[] | undefined, b: readonly number[] | undefined): boolean =>
  !!a && !!b && a.length === b.length && a.every((id, i) => id === b[i]);

/** A compact, exact key for a prompt (for caches keyed by ids). */
export const idsKey = (ids: readonly number[]): string => ids.join(',');
