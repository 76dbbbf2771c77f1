/**
 * Shape and dtype mistakes are reported while the graph is built, by a GraphShapeError that
 * names the op and the shapes involved, never later as an ORT failure.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Graph, GraphShapeError, SymTensor, add, mul, matmul, reshape, transpose, squeeze, concat, slice, gather, where, softmax,
  causalAttention, rotary, reduceSum, argmax, grad, cast, exp,
} from '../../src/engine/graph';

/** Asserts that `build` throws a GraphShapeError whose message starts with `op:` and contains every fragment. */
function rejects(build: () => unknown, op: string, ...fragments: string[]) {
  assert.throws(build, (e: unknown) => {
    assert.ok(e instanceof GraphShapeError, `expected a GraphShapeError, got ${String(e)}`);
    assert.ok(e.message.startsWith(`${op}:`), `message should name ${op}: ${e.message}`);
    for (const f of fragments) assert.ok(e.message.includes(f), `message should mention '${f}': ${e.message}`);
    return true;
  });
}

function inputs(): { g: Graph; x: SymTensor; y: SymTensor } {
  const g = new Graph();
  return { g, x: g.input('x', 'float32', [2, 3]), y: g.input('y', 'float32', [4, 5]) };
}

test('MatMul with mismatched inner dimensions', () => {
  const { x, y } = inputs();
  rejects(() => matmul(x, y), 'MatMul', '[2,3]', '[4,5]', '3 vs 4');
  const v = x.graph.input('v', 'float32', [4]);
  rejects(() => matmul(x, v), 'MatMul', '[2,3]', '[4]');
  rejects(() => matmul(v, x), 'MatMul', '[4]', '[2,3]');
});

test('MatMul batch dims that do not broadcast', () => {
  const g = new Graph();
  rejects(() => matmul(g.input('a', 'float32', [2, 3, 4]), g.input('b', 'float32', [3, 4, 5])), 'MatMul', '[2]', '[3]');
});

test('element-wise broadcast failure', () => {
  const { g, x } = inputs();
  rejects(() => add(x, g.input('z', 'float32', [4])), 'Add', '[2,3]', '[4]');
  rejects(() => mul(x, g.input('w', 'float32', [3, 3])), 'Mul', '[2,3]', '[3,3]');
  rejects(() => where(g.constant(Uint8Array.from([1, 0, 1, 0]), [4]), x, 0), 'Where', '[4]', '[2,3]');
});

test('bad reshapes', () => {
  const { g, x } = inputs();
  rejects(() => reshape(x, [4]), 'Reshape', '[2,3]', '[4]');
  rejects(() => reshape(x, [2, -3]), 'Reshape', '-3');
  const b = g.input('b', 'float32', ['B', 6]);
  rejects(() => reshape(b, ['B', 4]), 'Reshape', '[B,6]', '[B,4]');
  rejects(() => reshape(b, [6]), 'Reshape', '[B,6]', '[6]');
  rejects(() => reshape(x, ['B', 3]), 'Reshape', '[2,3]', '[B,3]');
});

test('bad transpose permutations and axes', () => {
  const { g } = inputs();
  const t = g.input('t', 'float32', [2, 3, 4]);
  rejects(() => transpose(t, [0, 0, 1]), 'Transpose', '[0,0,1]', '[2,3,4]');
  rejects(() => transpose(t, [1, 0]), 'Transpose', '[1,0]', '[2,3,4]');
  rejects(() => squeeze(t, [1]), 'Squeeze', '[2,3,4]');
  rejects(() => reduceSum(t, [3]), 'ReduceSum', 'axis 3', 'rank 3');
  rejects(() => slice(t, 1, 3, 3), 'Slice', '[2,3,4]');
});

test('dtype mismatches', () => {
  const { g, x } = inputs();
  const d = g.input('d', 'float64', [2, 3]);
  rejects(() => add(x, d), 'Add', 'float32[2,3]', 'float64[2,3]');
  rejects(() => matmul(x, g.input('m', 'float64', [3, 2])), 'MatMul', 'float32', 'float64');
  rejects(() => concat([x, d], 0), 'Concat', 'float32[2,3]', 'float64[2,3]');
  rejects(() => where(x, x, x), 'Where', 'condition must be bool');
  rejects(() => gather(x, x, 0), 'Gather', 'indices must be integers');
  const ids = g.input('ids', 'int64', [2, 3]);
  rejects(() => softmax(ids), 'Softmax', 'int64[2,3]');
  rejects(() => exp(ids), 'Exp', 'int64[2,3]');
});

test('attention and rotary shape mistakes', () => {
  const g = new Graph();
  const q = g.input('q', 'float32', [1, 4, 5, 8]);
  rejects(() => causalAttention(q, g.input('k', 'float32', [1, 3, 5, 8]), g.input('v', 'float32', [1, 3, 5, 8])), 'attention', '4 query heads', '3 key/value');
  rejects(() => causalAttention(q, g.input('k2', 'float32', [1, 2, 5, 4]), g.input('v2', 'float32', [1, 2, 5, 4])), 'attention', '[1,4,5,8]', '[1,2,5,4]');
  rejects(() => causalAttention(q, g.input('k3', 'float32', [1, 2, 5, 8]), g.input('v3', 'float32', [1, 2, 6, 8])), 'attention', '[1,2,6,8]');
  rejects(() => rotary(q, { rotaryDim: 10, theta: 1e4, pairing: 'half' }), 'rotary', 'rotary dim 10', 'head dim 8');
  rejects(() => rotary(q, { rotaryDim: 3, theta: 1e4, pairing: 'half' }), 'rotary', 'rotary dim 3');
});

test('grad of something that does not depend on the input', () => {
  const { g, x, y } = inputs();
  rejects(() => grad(reduceSum(y, [0, 1]), [x]), 'grad', 'x:float32[2,3]');
  // Dependence only through a non-differentiable op (argmax) is no dependence.
  const viaArgmax = cast(argmax(x, -1), 'float32');
  rejects(() => grad(reduceSum(viaArgmax, [0]), [x]), 'grad', 'does not depend differentiably');
  // One of several targets unreachable.
  rejects(() => grad(reduceSum(mul(x, x), [0, 1]), [x, y]), 'grad', 'y:float32[4,5]');
  rejects(() => grad(reduceSum(x, [0, 1]), [g.input('i', 'int64', [2])]), 'grad', 'int64');
  rejects(() => grad(reduceSum(x, [0, 1]), [x], g.constant(new Float32Array(2), [2])), 'grad', 'seed');
});

test('errors are thrown while building, before any serialisation or session', () => {
  // The op call itself throws: nothing was appended to the graph for the failed op.
  const { g, x, y } = inputs();
  const before = g.nodes.length;
  assert.throws(() => matmul(x, y));
  assert.equal(g.nodes.length, before);
});
