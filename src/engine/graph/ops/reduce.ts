/** Reductions, broadcasting helpers and their VJPs. */
import { SymTensor, attr } from '../graph';
import { Dim, Shape, GraphShapeError, normAxis, sameShape, broadcast, fmt } from '../shape';
import { isFloat } from '../dtype';
import { div, mul, where, equal, cast } from './elementwise';
import { shapeOf, reshape } from './shape-ops';

function reducedShape(op: string, x: SymTensor, axes: number[], keepdims: boolean): { axes: number[]; shape: Dim[] } {
  const ax = [...new Set(axes.map((a) => normAxis(op, a, x.rank)))].sort((a, b) => a - b);
  const shape: Dim[] = [];
  x.shape.forEach((d, i) => {
    if (!ax.includes(i)) shape.push(d);
    else if (keepdims) shape.push(1);
  });
  return { axes: ax, shape };
}

/** Broadcasts x to the runtime shape of `like` (whose static shape must be x's broadcast). */
export function expandAs(x: SymTensor, like: SymTensor): SymTensor {
  if (sameShape(x.shape, like.shape)) return x;
  const shape = broadcast('Expand', x.shape, like.shape);
  if (!sameShape(shape, like.shape)) throw new GraphShapeError('Expand', `cannot expand ${fmt(x.shape)} to ${fmt(like.shape)}`);
  return x.graph.emit1('Expand', [x, shapeOf(like)], {}, { dtype: x.dtype, shape },
    ([gy]) => [gy && unbroadcast(gy, x.shape), null]);
}

/** Gradient of a broadcast: sums `g` over the axes that broadcasting added or stretched. */
export function unbroadcast(g: SymTensor, target: Shape): SymTensor {
  if (sameShape(g.shape, target)) return g;
  const lead = g.rank - target.length;
  if (lead < 0) throw new GraphShapeError('unbroadcast', `gradient ${fmt(g.shape)} has lower rank than ${fmt(target)}`);
  let out = g;
  if (lead > 0) out = reduceSum(out, [...Array(lead).keys()], false);
  const stretched = target.map((d, i) => (d === 1 && out.shape[i] !== 1 ? i : -1)).filter((i) => i >= 0);
  if (stretched.length) out = reduceSum(out, stretched, true);
  if (!sameShape(out.shape, target)) throw new GraphShapeError('unbroadcast', `cannot reduce ${fmt(g.shape)} to ${fmt(target)}`);
  return out;
}

export function reduceSum(x: SymTensor, axes: number[], keepdims = false): SymTensor {
  const { axes: ax, shape } = reducedShape('ReduceSum', x, axes, keepdims);
  if (ax.length === 0) return x;
  const g = x.graph;
  return g.emit1('ReduceSum', [x, g.ints(ax)], { keepdims: attr.int(keepdims ? 1 : 0) }, { dtype: x.dtype, shape },
    isFloat(x.dtype) ? ([gy]) => [gy && expandAs(keepdims ? gy : restoreAxes(gy, x, ax), x), null] : undefined);
}

export function reduceMean(x: SymTensor, axes: number[], keepdims = false): SymTensor {
  const { axes: ax } = reducedShape('ReduceMean', x, axes, keepdims);
  let count = 1;
  for (const a of ax) {
    const d = x.shape[a];
    if (typeof d !== 'number') throw new GraphShapeError('ReduceMean', `cannot average over symbolic dim '${d}' of ${fmt(x.shape)}`);
    count *= d;
  }
  return div(reduceSum(x, ax, keepdims), count);
}

export function reduceMax(x: SymTensor, axes: number[], keepdims = false): SymTensor {
  const { axes: ax, shape } = reducedShape('ReduceMax', x, axes, keepdims);
  return x.graph.emit1('ReduceMax', [x], { axes: attr.ints(ax), keepdims: attr.int(keepdims ? 1 : 0) }, { dtype: x.dtype, shape },
    isFloat(x.dtype) ? ([gy], node) => {
      if (!gy) return [null];
      // Ties share the gradient equally, so the VJP is the average of the tied subgradients.
      const yk = keepdims ? node.outputs[0] : restoreAxes(node.outputs[0], x, ax);
      const mask = cast(equal(x, yk), x.dtype);
      const count = reduceSum(mask, ax, true);
      return [mul(mask, div(keepdims ? gy : restoreAxes(gy, x, ax), count))];
    } : undefined);
}

/** Re-inserts reduced axes as size-1 dims (the keepdims form of a reduction's output). */
function restoreAxes(y: SymTensor, x: SymTensor, axes: number[]): SymTensor {
  return reshape(y, x.shape.map((d, i) => (axes.includes(i) ? 1 : d)));
}

export { where };
