/**
 * What happened to each token position of a slot since the previous iteration. A slot's new prompt
 * may be a child of another slot's member (selection is with replacement), so this compares with
 * what the slot itself showed before, which is what the user saw change.
 *   - 'changed': a token replaced in place (EPO's one- and two-token moves);
 *   - 'inserted' and 'moved': a shift (config.shiftShare) — one token deleted, one inserted
 *     elsewhere, the tokens between moved by one place — is drawn as such when it explains the
 *     difference and more than two positions differ (a shift by one place is also a replacement
 *     of at most two tokens; then the replacement is what is drawn).
 */
export type TokenMark = 'same' | 'changed' | 'inserted' | 'moved';

export function tokenMarks(previous: readonly number[] | undefined, next: readonly number[]): TokenMark[] {
  if (!previous) return next.map(() => 'same');
  const inPlace = next.map((id, i): TokenMark => (i >= previous.length || previous[i] !== id ? 'changed' : 'same'));
  if (previous.length !== next.length || inPlace.filter((m) => m === 'changed').length <= 2) return inPlace;
  const shift = findShift(previous, next);
  if (!shift) return inPlace;
  const lo = Math.min(shift.del, shift.ins), hi = Math.max(shift.del, shift.ins);
  return next.map((_, i): TokenMark => (i === shift.ins ? 'inserted' : i >= lo && i <= hi ? 'moved' : 'same'));
}

/** The (deleted, inserted) positions that turn `a` into `b` by one shift, if there are any. */
export function findShift(a: readonly number[], b: readonly number[]): { del: number; ins: number } | null {
  const n = a.length;
  let first = 0, last = n - 1;
  while (first < n && a[first] === b[first]) first++;
  while (last > first && a[last] === b[last]) last--;
  // Everything outside [first, last] is in place; inside, b is a moved by one place, plus one new token.
  const left = (): boolean => { for (let i = first; i < last; i++) if (b[i] !== a[i + 1]) return false; return true; };
  const right = (): boolean => { for (let i = first + 1; i <= last; i++) if (b[i] !== a[i - 1]) return false; return true; };
  if (left()) return { del: first, ins: last }; // deleted at first, the rest moved left, inserted at last
  if (right()) return { del: last, ins: first }; // inserted at first, the rest moved right, deleted at last
  return null;
}

/** One line for what a move did, from its marks ("a shift: …"; positions 1-based, as the panel counts tokens). */
export function describeMove(marks: readonly TokenMark[]): string {
  const at = (m: TokenMark) => marks.flatMap((x, i) => (x === m ? [i + 1] : []));
  const inserted = at('inserted'), moved = at('moved'), changed = at('changed');
  if (inserted.length) {
    const span = moved.length ? `, ${moved.length === 1 ? `token ${moved[0]}` : `tokens ${moved[0]}–${moved[moved.length - 1]}`} moved one place` : '';
    return `a shift: one token deleted, token ${inserted[0]} inserted${span}`;
  }
  if (!changed.length) return 'no token changed';
  return `${changed.length === 1 ? 'token' : 'tokens'} ${changed.join(', ')} replaced`;
}

export const sameIds = (a: readonly number[] | undefined, b: readonly number[] | undefined): boolean =>
  !!a && !!b && a.length === b.length && a.every((id, i) => id === b[i]);

/** A compact, exact key for a prompt (for caches keyed by ids). */
export const idsKey = (ids: readonly number[]): string => ids.join(',');
