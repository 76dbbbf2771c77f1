/**
 * A feature is a scalar per prompt computed from a model's hooks. The view gives hooks in
 * prompt coordinates: position 0 is the prompt's first token (a BOS prefix is hidden).
 */
import { SymTensor, slice, reshape, reduceMax, reduceMean, GraphShapeError } from '../graph';
import type { ForwardResult } from '../models/arch';

export interface FeatureView {
  /** A hook by TransformerLens name, over the full sequence (BOS included when present). */
  hook(name: string): SymTensor;
  /** Number of prompt tokens n. */
  readonly n: number;
  /** Sequence index of prompt position 0 (1 when a BOS prefix is present). */
  readonly offset: number;
  readonly forward: ForwardResult;
}

export type FeatureFn = (view: FeatureView) => SymTensor;

/** Where along the prompt a per-position value is read. */
export type PositionSpec = 'last' | 'max' | 'mean' | number;

/** Reduces a [B, T, ...] hook over prompt positions → [B, ...]. */
export function atPosition(view: FeatureView, x: SymTensor, pos: PositionSpec = 'last'): SymTensor {
  const { n, offset } = view;
  const [b, , ...rest] = x.shape;
  if (typeof pos === 'number') {
    if (!Number.isInteger(pos) || pos < -n || pos >= n) throw new GraphShapeError('position', `position ${pos} is outside the prompt (0–${n - 1}, or negative from the end)`);
    const i = offset + (pos < 0 ? pos + n : pos);
    return reshape(slice(x, 1, i, i + 1), [b, ...rest]);
  }
  if (pos === 'last') return atPosition(view, x, n - 1);
  const prompt = slice(x, 1, offset, offset + n);
  return pos === 'max' ? reduceMax(prompt, [1], false) : reduceMean(prompt, [1], false);
}

/** Selects index `i` of the last axis of a [B, ...] value, keeping the rest. */
export function component(x: SymTensor, i: number, what: string): SymTensor {
  const d = x.shape[x.rank - 1];
  if (typeof d === 'number' && (i < 0 || i >= d || !Number.isInteger(i))) {
    throw new GraphShapeError(what, `index ${i} is out of range (0–${d - 1})`);
  }
  const s = slice(x, x.rank - 1, i, i + 1);
  return reshape(s, x.shape.slice(0, -1));
}
