/** Element-wise ops with numpy broadcasting, each with its vector-Jacobian product. */
import { DType, ONNX_DTYPE, isFloat } from '../dtype';
import { Graph, SymTensor, attr } from '../graph';
import { broadcast, GraphShapeError, fmt } from '../shape';
import { unbroadcast } from './reduce';

export type TensorLike = SymTensor | number;

function lift(g: Graph, x: TensorLike, dtype: DType): SymTensor {
  return typeof x === 'number' ? g.scalar(x, dtype) : x;
}

function pair(op: string, a: TensorLike, b: TensorLike): [SymTensor, SymTensor] {
  const ref = typeof a === 'number' ? b : a;
  if (typeof ref === 'number') throw new Error(`${op}: at least one operand must be a tensor`);
  const A = lift(ref.graph, a, ref.dtype);
  const B = lift(ref.graph, b, ref.dtype);
  if (A.dtype !== B.dtype) throw new GraphShapeError(op, `dtypes differ: ${A} vs ${B}`);
  return [A, B];
}

function binary(op: string, a: TensorLike, b: TensorLike, vjp?: (gy: SymTensor, A: SymTensor, B: SymTensor, y: SymTensor) => [SymTensor | null, SymTensor | null]): SymTensor {
  const [A, B] = pair(op, a, b);
  const shape = broadcast(op, A.shape, B.shape);
  return A.graph.emit1(op, [A, B], {}, { dtype: A.dtype, shape }, vjp && isFloat(A.dtype)
    ? ([gy], node) => {
        if (!gy) return [null, null];
        const [ga, gb] = vjp(gy, A, B, node.outputs[0]);
        return [ga && unbroadcast(ga, A.shape), gb && unbroadcast(gb, B.shape)];
      }
    : undefined);
}

export function add(a: TensorLike, b: TensorLike): SymTensor {
  return binary('Add', a, b, (gy) => [gy, gy]);
}
export function sub(a: TensorLike, b: TensorLike): SymTensor {
  return binary('Sub', a, b, (gy) => [gy, neg(gy)]);
}
export function mul(a: TensorLike, b: TensorLike): SymTensor {
  return binary('Mul', a, b, (gy, A, B) => [mul(gy, B), mul(gy, A)]);
}
export function div(a: TensorLike, b: TensorLike): SymTensor {
  return binary('Div', a, b, (gy, _A, B, y) => [div(gy, B), neg(div(mul(gy, y), B))]);
}

/** x ** p for a constant exponent p (the exponent is not differentiated). */
export function pow(x: SymTensor, p: number): SymTensor {
  assertFloat('Pow', x);
  if (p === 1) return x;
  if (p === 2) return mul(x, x);
  const e = x.graph.scalar(p, x.dtype);
  return x.graph.emit1('Pow', [x, e], {}, { dtype: x.dtype, shape: x.shape },
    // x⁰ is constant; p·x^(p-1) would give 0·∞ = NaN at x = 0.
    ([gy]) => [gy && (p === 0 ? mul(gy, 0) : mul(gy, mul(pow(x, p - 1), p))), null]);
}

type UnaryVjp = (gy: SymTensor, x: SymTensor, y: SymTensor) => SymTensor;

function unary(op: string, x: SymTensor, vjp?: UnaryVjp): SymTensor {
  return x.graph.emit1(op, [x], {}, { dtype: x.dtype, shape: x.shape },
    vjp && isFloat(x.dtype) ? ([gy], node) => [gy && vjp(gy, x, node.outputs[0])] : undefined);
}

/** A unary op defined only for floating-point tensors (ONNX has no integer kernels for these). */
function floatUnary(op: string, x: SymTensor, vjp: UnaryVjp): SymTensor {
  assertFloat(op, x);
  return unary(op, x, vjp);
}

export function neg(x: SymTensor): SymTensor {
  return unary('Neg', x, (gy) => neg(gy));
}
export function exp(x: SymTensor): SymTensor {
  return floatUnary('Exp', x, (gy, _x, y) => mul(gy, y));
}
export function log(x: SymTensor): SymTensor {
  return floatUnary('Log', x, (gy, x) => div(gy, x));
}
export function sqrt(x: SymTensor): SymTensor {
  return floatUnary('Sqrt', x, (gy, _x, y) => div(mul(gy, 0.5), y));
}
export function tanh(x: SymTensor): SymTensor {
  return floatUnary('Tanh', x, (gy, _x, y) => mul(gy, sub(1, mul(y, y))));
}
export function erf(x: SymTensor): SymTensor {
  const vjp: UnaryVjp = (gy, x) => mul(gy, mul(exp(neg(mul(x, x))), 2 / Math.sqrt(Math.PI)));
  if (x.dtype !== 'float64') return floatUnary('Erf', x, vjp);
  // ORT's CPU provider has no double Erf kernel, so the value is computed in float32 (relative
  // error ~1e-7) while the derivative, recorded as one tape entry from x, stays in float64.
  const g = x.graph;
  const x32 = g.emit1('Cast', [x], { to: attr.int(ONNX_DTYPE.float32) }, { dtype: 'float32', shape: x.shape });
  const y32 = g.emit1('Erf', [x32], {}, { dtype: 'float32', shape: x.shape });
  const y = g.emit1('Cast', [y32], { to: attr.int(ONNX_DTYPE.float64) }, { dtype: 'float64', shape: x.shape });
  return g.retape(y, 'Erf', [x], ([gy]) => [gy && vjp(gy, x, y)]);
}
export function sigmoid(x: SymTensor): SymTensor {
  return floatUnary('Sigmoid', x, (gy, _x, y) => mul(gy, mul(y, sub(1, y))));
}
export function relu(x: SymTensor): SymTensor {
  return unary('Relu', x, (gy, x) => where(greater(x, 0), gy, 0));
}
export function abs(x: SymTensor): SymTensor {
  return unary('Abs', x, (gy, x) => where(less(x, 0), neg(gy), gy));
}

function compare(op: string, a: TensorLike, b: TensorLike): SymTensor {
  const [A, B] = pair(op, a, b);
  return A.graph.emit1(op, [A, B], {}, { dtype: 'bool', shape: broadcast(op, A.shape, B.shape) });
}
export const greater = (a: TensorLike, b: TensorLike) => compare('Greater', a, b);
export const less = (a: TensorLike, b: TensorLike) => compare('Less', a, b);
export const equal = (a: TensorLike, b: TensorLike) => compare('Equal', a, b);

/** cond ? a : b, element-wise with broadcasting; the condition is not differentiated. */
export function where(cond: SymTensor, a: TensorLike, b: TensorLike): SymTensor {
  if (cond.dtype !== 'bool') throw new GraphShapeError('Where', `condition must be bool, got ${cond}`);
  const [A, B] = pair('Where', a, b);
  const shape = broadcast('Where', cond.shape, broadcast('Where', A.shape, B.shape));
  return A.graph.emit1('Where', [cond, A, B], {}, { dtype: A.dtype, shape }, isFloat(A.dtype)
    ? ([gy]) => gy
      ? [null, unbroadcast(where(cond, gy, 0), A.shape), unbroadcast(where(cond, 0, gy), B.shape)]
      : [null, null, null]
    : undefined);
}

export function cast(x: SymTensor, to: DType): SymTensor {
  if (x.dtype === to) return x;
  return x.graph.emit1('Cast', [x], { to: attr.int(ONNX_DTYPE[to]) }, { dtype: to, shape: x.shape },
    isFloat(x.dtype) && isFloat(to) ? ([gy]) => [gy && cast(gy, x.dtype)] : undefined);
}

export function assertFloat(op: string, x: SymTensor): void {
  if (!isFloat(x.dtype)) throw new GraphShapeError(op, `expects a floating-point tensor, got ${x.dtype}${fmt(x.shape)}`);
}
