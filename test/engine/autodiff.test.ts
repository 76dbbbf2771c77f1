/** Properties of `grad` itself that finite differences of single ops do not reach. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph, grad, add, mul, tanh, reduceSum } from '../../src/engine/graph';
import { runGraph } from '../helpers/fd';

test('grad handles graphs deeper than the call stack (20 000 chained ops)', () => {
  const g = new Graph();
  const x = g.input('x', 'float32', [2]);
  let h = x;
  for (let i = 0; i < 20_000; i++) h = tanh(h);
  const [gx] = grad(reduceSum(h, [0]), [x]);
  assert.deepEqual(gx.shape, [2]);
});

test('a value reused along many paths accumulates every contribution', async () => {
  // y = Σ_k (k+1)·x over 50 separate branches: dy/dx = Σ (k+1) = 1275 exactly.
  const g = new Graph();
  const x = g.input('x', 'float64', [1]);
  let y = mul(x, 1);
  for (let k = 1; k < 50; k++) y = add(y, mul(x, k + 1));
  g.output('gx', grad(reduceSum(y, [0]), [x])[0]);
  const out = await runGraph(g, { x: { dtype: 'float64', dims: [1], data: Float64Array.from([0.3]) } });
  assert.equal(out.gx.data[0], 1275);
});

test('the gradient w.r.t. y itself is the seed, and an explicit seed scales it', async () => {
  const g = new Graph();
  const x = g.input('x', 'float64', [3]);
  const seed = g.constant(Float64Array.from([1, -2, 0.5]), [3]);
  g.output('self', grad(x, [x])[0]);
  g.output('seeded', grad(mul(x, x), [x], seed)[0]);
  const out = await runGraph(g, { x: { dtype: 'float64', dims: [3], data: Float64Array.from([1, 2, 3]) } });
  assert.deepEqual(Array.from(out.self.data as Float64Array), [1, 1, 1]);
  assert.deepEqual(Array.from(out.seeded.data as Float64Array), [2, -8, 3]);
});
