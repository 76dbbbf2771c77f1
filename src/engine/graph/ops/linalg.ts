/** Matrix products (batched, broadcast) and softmax-family ops with their VJPs. */
import { SymTensor, attr } from '../graph';
import { GraphShapeError, broadcast, fmt, normAxis } from '../shape';
import { isFloat } from '../dtype';
import { mul, sub, exp, assertFloat } from './elementwise';
import { reduceSum, unbroadcast } from './reduce';
import { mT, unsqueeze, squeeze, reshape } from './shape-ops';

/** numpy.matmul semantics, including 1-D operands and broadcast batch dims. */
export function matmul(a: SymTensor, b: SymTensor): SymTensor {
  if (a.rank === 0 || b.rank === 0) throw new GraphShapeError('MatMul', `scalar operand: ${fmt(a.shape)} × ${fmt(b.shape)}`);
  if (a.dtype !== b.dtype) throw new GraphShapeError('MatMul', `dtypes differ: ${a} vs ${b}`);
  const k1 = a.shape[a.rank - 1];
  const k2 = b.shape[b.rank === 1 ? 0 : b.rank - 2];
  if (k1 !== k2) throw new GraphShapeError('MatMul', `inner dimensions differ: ${fmt(a.shape)} × ${fmt(b.shape)} (${k1} vs ${k2})`);
  if (a.rank === 1 || b.rank === 1) {
    // numpy: a 1-D operand gains a unit axis for the product, which is then removed again.
    const y = matmul(a.rank === 1 ? unsqueeze(a, [0]) : a, b.rank === 1 ? unsqueeze(b, [1]) : b);
    return squeeze(y, [...(a.rank === 1 ? [y.rank - 2] : []), ...(b.rank === 1 ? [y.rank - 1] : [])]);
  }
  const m = a.shape[a.rank - 2];
  const n = b.shape[b.rank - 1];
  const batch = broadcast('MatMul', a.shape.slice(0, -2), b.shape.slice(0, -2));
  return a.graph.emit1('MatMul', [a, b], {}, { dtype: a.dtype, shape: [...batch, m, n] },
    isFloat(a.dtype) ? ([gy]) => gy
      ? [unbroadcast(b.rank === 2 ? matmulTransB(gy, b) : matmul(gy, mT(b)), a.shape), unbroadcast(matmul(mT(a), gy), b.shape)]
      : [null, null] : undefined);
}

/**
 * a @ bᵀ for a 2-D b, as Gemm(transB = 1) over a flattened to 2-D: no transposed copy of b is
 * made. (Transpose(b) on a constant weight would be folded by ONNX Runtime into a second,
 * resident copy of it — for a backward pass, one of every weight matrix.)
 */
export function matmulTransB(a: SymTensor, b: SymTensor): SymTensor {
  if (b.rank !== 2 || a.rank < 2) throw new GraphShapeError('Gemm', `a @ bᵀ needs a of rank ≥ 2 and a 2-D b: ${fmt(a.shape)} × ${fmt(b.shape)}ᵀ`);
  if (a.dtype !== b.dtype) throw new GraphShapeError('Gemm', `dtypes differ: ${a} vs ${b}`);
  const k = a.shape[a.rank - 1];
  if (k !== b.shape[1]) throw new GraphShapeError('Gemm', `inner dimensions differ: ${fmt(a.shape)} × ${fmt(b.shape)}ᵀ (${k} vs ${b.shape[1]})`);
  const lead = a.shape.slice(0, -1);
  // Flattening and restoring the leading axes needs at most one symbolic one (Reshape infers one -1).
  if (lead.filter((d) => typeof d === 'string').length > 1) return matmul(a, mT(b));
  const symbolic = lead.find((d) => typeof d === 'string');
  const rows = symbolic === undefined ? lead.reduce<number>((p, d) => p * (d as number), 1) : lead.join('·');
  const a2 = a.rank === 2 ? a : reshape(a, [rows, k]);
  const y2 = a.graph.emit1('Gemm', [a2, b], { transB: attr.int(1) }, { dtype: a.dtype, shape: [a2.shape[0], b.shape[0]] },
    isFloat(a.dtype) ? ([gy]) => (gy ? [matmul(gy, b), matmul(mT(gy), a2)] : [null, null]) : undefined);
  return a.rank === 2 ? y2 : reshape(y2, [...lead, b.shape[0]]);
}

export function softmax(x: SymTensor, axis = -1): SymTensor {
  assertFloat('Softmax', x);
  const a = normAxis('Softmax', axis, x.rank);
  return x.graph.emit1('Softmax', [x], { axis: attr.int(a) }, { dtype: x.dtype, shape: x.shape },
    ([gy], node) => {
      if (!gy) return [null];
      const y = node.outputs[0];
      return [mul(y, sub(gy, reduceSum(mul(gy, y), [a], true)))];
    });
}

export function logSoftmax(x: SymTensor, axis = -1): SymTensor {
  assertFloat('LogSoftmax', x);
  const a = normAxis('LogSoftmax', axis, x.rank);
  return x.graph.emit1('LogSoftmax', [x], { axis: attr.int(a) }, { dtype: x.dtype, shape: x.shape },
    ([gy], node) => [gy && sub(gy, mul(exp(node.outputs[0]), reduceSum(gy, [a], true)))]);
}

/** Top-k values and int64 indices along the last axis; not differentiable. */
/**
 * The k largest along the last axis, sorted. `k` is a number, or an int64 [1] tensor (a graph
 * input: one graph for every k; the last dimension is then the symbol 'K').
 */
export function topk(x: SymTensor, k: number | SymTensor): [SymTensor, SymTensor] {
  const d = x.shape[x.rank - 1];
  if (typeof k === 'number' && typeof d === 'number' && k > d) throw new GraphShapeError('TopK', `k=${k} exceeds last dim of ${fmt(x.shape)}`);
  if (typeof k !== 'number' && (k.dtype !== 'int64' || k.shape.join() !== '1')) throw new GraphShapeError('TopK', `k must be int64 [1], got ${k}`);
  const shape = [...x.shape.slice(0, -1), typeof k === 'number' ? k : 'K'];
  const kIn = typeof k === 'number' ? x.graph.ints([k]) : k;
  const [v, i] = x.graph.emit('TopK', [x, kIn], { axis: attr.int(-1), largest: attr.int(1), sorted: attr.int(1) },
    [{ dtype: x.dtype, shape }, { dtype: 'int64', shape }]);
  return [v, i];
}

export function argmax(x: SymTensor, axis = -1, keepdims = false): SymTensor {
  const a = normAxis('ArgMax', axis, x.rank);
  const shape = x.shape.flatMap((d, i) => (i === a ? (keepdims ? [1] : []) : [d]));
  return x.graph.emit1('ArgMax', [x], { axis: attr.int(a), keepdims: attr.int(keepdims ? 1 : 0) }, { dtype: 'int64', shape });
}
