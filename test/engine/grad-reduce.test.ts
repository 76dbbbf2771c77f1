/** Gradients of reductions and explicit broadcasts against finite differences (float64). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph, grad, reduceSum, reduceMean, reduceMax, expand, expandAs, mul, tanh } from '../../src/engine/graph';
import { expectGradient, mulberry, randomInput, runGraph } from '../helpers/fd';

const rand = mulberry(5);
const x234 = () => randomInput(rand, 'x', [2, 3, 4]);

test('ReduceSum, ReduceMean, ReduceMax with keepdims on and off', async () => {
  for (const keep of [true, false]) {
    await expectGradient(`ReduceSum [1] keep=${keep}`, 'float64', [x234()], ([x]) => reduceSum(x, [1], keep));
    await expectGradient(`ReduceSum [0,2] keep=${keep}`, 'float64', [x234()], ([x]) => reduceSum(x, [0, -1], keep));
    await expectGradient(`ReduceMean [-1] keep=${keep}`, 'float64', [x234()], ([x]) => reduceMean(x, [-1], keep));
    await expectGradient(`ReduceMean all keep=${keep}`, 'float64', [x234()], ([x]) => reduceMean(x, [0, 1, 2], keep));
    await expectGradient(`ReduceMax [2] keep=${keep}`, 'float64', [x234()], ([x]) => reduceMax(x, [2], keep));
    await expectGradient(`ReduceMax [0,1] keep=${keep}`, 'float64', [x234()], ([x]) => reduceMax(x, [0, 1], keep));
  }
});

test('ReduceMax splits the gradient equally between tied maxima', async () => {
  // Finite differences are not defined at a tie, so this checks the documented subgradient directly.
  const g = new Graph();
  const x = g.input('x', 'float64', [4]);
  g.output('gx', grad(reduceMax(x, [0]), [x])[0]);
  const out = await runGraph(g, { x: { dtype: 'float64', dims: [4], data: Float64Array.from([1, 3, 3, -2]) } });
  assert.deepEqual([...out.gx.data], [0, 0.5, 0.5, 0]);
});

test('Expand (static target) and expandAs (runtime shape of another tensor)', async () => {
  await expectGradient('Expand [3,1]→[2,3,4]', 'float64', [randomInput(rand, 'x', [3, 1])], ([x]) => expand(x, [2, 3, 4]));
  await expectGradient('Expand [4]→[3,4]', 'float64', [randomInput(rand, 'x', [4])], ([x]) => tanh(expand(x, [3, 4])));
  await expectGradient('expandAs [1,4] like [3,4] (both differentiated)', 'float64',
    [randomInput(rand, 'x', [1, 4]), randomInput(rand, 'y', [3, 4])], ([x, y]) => mul(expandAs(x, y), y));
  await expectGradient('expandAs scalar-like [1] like [2,3]', 'float64',
    [randomInput(rand, 'x', [1]), randomInput(rand, 'y', [2, 3])], ([x, y]) => mul(expandAs(x, y), tanh(y)));
});
