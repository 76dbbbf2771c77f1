/** Shape manipulation and indexing ops, each with its VJP. */
import { SymTensor, attr } from '../graph';
import { Dim, Shape, GraphShapeError, fmt, normAxis, isStatic, sameShape, broadcast } from '../shape';
import { isFloat, ONNX_DTYPE, typedArrayOf } from '../dtype';
import { unbroadcast } from './reduce';

export function shapeOf(x: SymTensor): SymTensor {
  return x.graph.emit1('Shape', [x], {}, { dtype: 'int64', shape: [x.rank] });
}

function staticProduct(shape: Shape): { n: number; symbols: string[] } {
  let n = 1;
  const symbols: string[] = [];
  for (const d of shape) {
    if (typeof d === 'number') n *= d;
    else symbols.push(d);
  }
  return { n, symbols: symbols.sort() };
}

/**
 * Reshape to a static-or-symbolic shape. A symbol at the same position as in the input is
 * copied (ONNX 0); at most one other symbol is inferred (ONNX -1).
 */
export function reshape(x: SymTensor, shape: Shape): SymTensor {
  const bad = shape.find((d) => typeof d === 'number' && !(Number.isInteger(d) && d > 0));
  if (bad !== undefined) throw new GraphShapeError('Reshape', `invalid dim ${bad} in target ${fmt(shape)} for ${fmt(x.shape)}`);
  const a = staticProduct(x.shape);
  const b = staticProduct(shape);
  // Same symbols on both sides: the static parts must match exactly. Different symbols (a new
  // one standing for a product, say) cannot be checked here and are inferred by ONNX (-1).
  if (a.symbols.join() === b.symbols.join() && a.n !== b.n) {
    throw new GraphShapeError('Reshape', `cannot reshape ${fmt(x.shape)} (${a.n} static elements) to ${fmt(shape)} (${b.n})`);
  }
  if (a.symbols.length === 0 && b.symbols.length > 0) throw new GraphShapeError('Reshape', `static ${fmt(x.shape)} to symbolic ${fmt(shape)}`);
  if (a.symbols.length > 0 && b.symbols.length === 0) throw new GraphShapeError('Reshape', `symbolic ${fmt(x.shape)} to static ${fmt(shape)}`);
  let inferred = 0;
  const target = shape.map((d, i) => {
    if (typeof d === 'number') return d;
    if (x.shape[i] === d) return 0;
    inferred++;
    return -1;
  });
  if (inferred > 1) throw new GraphShapeError('Reshape', `more than one new symbolic dim in ${fmt(shape)} from ${fmt(x.shape)}`);
  const g = x.graph;
  return g.emit1('Reshape', [x, g.ints(target)], {}, { dtype: x.dtype, shape },
    isFloat(x.dtype) ? ([gy]) => [gy && reshape(gy, x.shape), null] : undefined);
}

export function transpose(x: SymTensor, perm?: number[]): SymTensor {
  const p = perm ?? [...Array(x.rank).keys()].reverse();
  if (p.length !== x.rank || [...p].sort((a, b) => a - b).some((v, i) => v !== i)) {
    throw new GraphShapeError('Transpose', `perm [${p}] is not a permutation of rank ${x.rank} (${fmt(x.shape)})`);
  }
  const inv = p.map((_, i) => p.indexOf(i));
  return x.graph.emit1('Transpose', [x], { perm: attr.ints(p) }, { dtype: x.dtype, shape: p.map((i) => x.shape[i]) },
    isFloat(x.dtype) ? ([gy]) => [gy && transpose(gy, inv)] : undefined);
}

/** Swaps the last two axes (matrix transpose of a batch of matrices). */
export function mT(x: SymTensor): SymTensor {
  const p = [...Array(x.rank).keys()];
  [p[x.rank - 2], p[x.rank - 1]] = [p[x.rank - 1], p[x.rank - 2]];
  return transpose(x, p);
}

export function unsqueeze(x: SymTensor, axes: number[]): SymTensor {
  const rank = x.rank + axes.length;
  const ax = axes.map((a) => normAxis('Unsqueeze', a, rank)).sort((a, b) => a - b);
  const shape: Dim[] = [];
  let j = 0;
  for (let i = 0; i < rank; i++) shape.push(ax.includes(i) ? 1 : x.shape[j++]);
  const g = x.graph;
  return g.emit1('Unsqueeze', [x, g.ints(ax)], {}, { dtype: x.dtype, shape },
    isFloat(x.dtype) ? ([gy]) => [gy && squeeze(gy, ax), null] : undefined);
}

export function squeeze(x: SymTensor, axes: number[]): SymTensor {
  const ax = axes.map((a) => normAxis('Squeeze', a, x.rank));
  for (const a of ax) if (x.shape[a] !== 1) throw new GraphShapeError('Squeeze', `axis ${a} of ${fmt(x.shape)} is not 1`);
  const g = x.graph;
  return g.emit1('Squeeze', [x, g.ints(ax)], {}, { dtype: x.dtype, shape: x.shape.filter((_, i) => !ax.includes(i)) },
    isFloat(x.dtype) ? ([gy]) => [gy && unsqueeze(gy, ax), null] : undefined);
}

/** x[start:end] along one axis (step 1; negative bounds count from the end). */
export function slice(x: SymTensor, axis: number, start: number, end: number): SymTensor {
  const a = normAxis('Slice', axis, x.rank);
  const d = x.shape[a];
  if (typeof d !== 'number') throw new GraphShapeError('Slice', `cannot slice symbolic dim '${d}' of ${fmt(x.shape)}`);
  const s = Math.max(0, Math.min(d, start < 0 ? start + d : start));
  const e = Math.max(s, Math.min(d, end < 0 ? end + d : end));
  if (e === s) throw new GraphShapeError('Slice', `empty slice ${start}:${end} of axis ${a} in ${fmt(x.shape)}`);
  if (s === 0 && e === d) return x;
  const g = x.graph;
  const shape = x.shape.map((v, i) => (i === a ? e - s : v));
  return g.emit1('Slice', [x, g.ints([s]), g.ints([e]), g.ints([a])], {}, { dtype: x.dtype, shape },
    isFloat(x.dtype) ? ([gy]) => [gy && padAxis(gy, a, s, d - e), null, null, null] : undefined);
}

/** Zero-pads one axis with `before` and `after` entries. */
export function padAxis(x: SymTensor, axis: number, before: number, after: number): SymTensor {
  const a = normAxis('Pad', axis, x.rank);
  const pads = new Array(2 * x.rank).fill(0);
  pads[a] = before;
  pads[a + x.rank] = after;
  const d = x.shape[a];
  if (typeof d !== 'number') throw new GraphShapeError('Pad', `cannot pad symbolic dim '${d}'`);
  const g = x.graph;
  return g.emit1('Pad', [x, g.ints(pads)], { mode: attr.string('constant') },
    { dtype: x.dtype, shape: x.shape.map((v, i) => (i === a ? d + before + after : v)) },
    isFloat(x.dtype) ? ([gy]) => [gy && slice(gy, a, before, before + d), null] : undefined);
}

export function concat(xs: SymTensor[], axis: number): SymTensor {
  if (xs.length === 0) throw new GraphShapeError('Concat', 'no inputs');
  if (xs.length === 1) return xs[0];
  const a = normAxis('Concat', axis, xs[0].rank);
  const sizes: number[] = [];
  for (const x of xs) {
    const ok = x.rank === xs[0].rank && x.dtype === xs[0].dtype && x.shape.every((d, i) => i === a || d === xs[0].shape[i]);
    if (!ok) throw new GraphShapeError('Concat', `inputs ${xs.map((t) => t.dtype + fmt(t.shape)).join(', ')} differ off axis ${a}`);
    const d = x.shape[a];
    if (typeof d !== 'number') throw new GraphShapeError('Concat', `cannot concatenate along symbolic dim '${d}'`);
    sizes.push(d);
  }
  const total = sizes.reduce((s, v) => s + v, 0);
  const shape = xs[0].shape.map((d, i) => (i === a ? total : d));
  return xs[0].graph.emit1('Concat', xs, { axis: attr.int(a) }, { dtype: xs[0].dtype, shape },
    isFloat(xs[0].dtype) ? ([gy]) => {
      if (!gy) return xs.map(() => null);
      let off = 0;
      return sizes.map((n) => slice(gy, a, off, (off += n)));
    } : undefined);
}

function zerosLike(x: SymTensor): SymTensor {
  const value = { kind: 'tensor' as const, value: { name: 'value', dtype: x.dtype, dims: [1], data: typedArrayOf(x.dtype, [0]) } };
  return x.graph.emit1('ConstantOfShape', [shapeOf(x)], { value }, { dtype: x.dtype, shape: x.shape });
}

/** Index selection: data.take(indices, axis). The VJP scatters-adds into the data's shape. */
export function gather(data: SymTensor, indices: SymTensor, axis = 0): SymTensor {
  const a = normAxis('Gather', axis, data.rank);
  if (indices.dtype !== 'int64' && indices.dtype !== 'int32') throw new GraphShapeError('Gather', `indices must be integers, got ${indices}`);
  const shape = [...data.shape.slice(0, a), ...indices.shape, ...data.shape.slice(a + 1)];
  return data.graph.emit1('Gather', [data, indices], { axis: attr.int(a) }, { dtype: data.dtype, shape },
    isFloat(data.dtype) ? ([gy]) => {
      if (!gy) return [null, null];
      // Move the gathered axis to the front so ScatterND can add whole slices by index.
      const front = a === 0 ? data : transpose(data, [a, ...[...Array(data.rank).keys()].filter((i) => i !== a)]);
      const ir = indices.rank;
      const gyFront = a === 0 ? gy : transpose(gy, [
        ...[...Array(ir).keys()].map((i) => a + i),
        ...[...Array(a).keys()],
        ...[...Array(data.rank - a - 1).keys()].map((i) => a + ir + i),
      ]);
      const idx = unsqueeze(indices.dtype === 'int64' ? indices : castInt64(indices), [ir]);
      const g = data.graph.emit1('ScatterND', [zerosLike(front), idx, gyFront], { reduction: attr.string('add') },
        { dtype: data.dtype, shape: front.shape });
      if (a === 0) return [g, null];
      const back = [...Array(data.rank).keys()].map((i) => (i < a ? i + 1 : i === a ? 0 : i));
      return [transpose(g, back), null];
    } : undefined);
}

function castInt64(x: SymTensor): SymTensor {
  return x.graph.emit1('Cast', [x], { to: attr.int(ONNX_DTYPE.int64) }, { dtype: 'int64', shape: x.shape });
}

/** Element selection along an axis (torch.gather). The VJP is a ScatterElements add. */
export function gatherElements(data: SymTensor, indices: SymTensor, axis: number): SymTensor {
  const a = normAxis('GatherElements', axis, data.rank);
  if (indices.rank !== data.rank) throw new GraphShapeError('GatherElements', `indices ${fmt(indices.shape)} must have the rank of data ${fmt(data.shape)}`);
  return data.graph.emit1('GatherElements', [data, indices], { axis: attr.int(a) }, { dtype: data.dtype, shape: indices.shape },
    isFloat(data.dtype) ? ([gy]) => [gy && data.graph.emit1('ScatterElements', [zerosLike(data), indices, gy],
      { axis: attr.int(a), reduction: attr.string('add') }, { dtype: data.dtype, shape: data.shape }), null] : undefined);
}

/** Explicit broadcast to a static shape. */
export function expand(x: SymTensor, shape: readonly number[]): SymTensor {
  if (!isStatic(shape)) throw new GraphShapeError('Expand', 'target shape must be static (use expandAs for symbolic shapes)');
  if (!sameShape(broadcast('Expand', x.shape, shape), shape)) throw new GraphShapeError('Expand', `cannot expand ${fmt(x.shape)} to ${fmt(shape)}`);
  const g = x.graph;
  return g.emit1('Expand', [x, g.ints([...shape])], {}, { dtype: x.dtype, shape },
    isFloat(x.dtype) ? ([gy]) => [gy && unbroadcast(gy, x.shape), null] : undefined);
}
