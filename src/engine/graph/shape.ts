/**
 * Static shapes with symbolic dimensions. A dimension is a number or a symbol (e.g. 'batch');
 * graphs are static except for symbols, which become dynamic ONNX dims.
 */
export type Dim = number | string;
export type Shape = readonly Dim[];

export class GraphShapeError extends Error {
  constructor(op: string, message: string) {
    super(`${op}: ${message}`);
    this.name = 'GraphShapeError';
  }
}

export function fmt(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

export function isStatic(shape: Shape): shape is readonly number[] {
  return shape.every((d) => typeof d === 'number');
}

export function numel(shape: Shape): number {
  let n = 1;
  for (const d of shape) {
    if (typeof d !== 'number') throw new Error(`numel of symbolic shape ${fmt(shape)}`);
    n *= d;
  }
  return n;
}

/** Numpy broadcasting of two shapes; throws naming the op and both shapes on mismatch. */
export function broadcast(op: string, a: Shape, b: Shape): Dim[] {
  const n = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da === db) out.push(da);
    else if (da === 1) out.push(db);
    else if (db === 1) out.push(da);
    else throw new GraphShapeError(op, `shapes ${fmt(a)} and ${fmt(b)} do not broadcast (dim ${i}: ${da} vs ${db})`);
  }
  return out;
}

export function normAxis(op: string, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new GraphShapeError(op, `axis ${axis} out of range for rank ${rank}`);
  return a;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
