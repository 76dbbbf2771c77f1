/** Gradients of shape and indexing ops against finite differences (float64). */
import { test } from 'node:test';
import {
  transpose, mT, reshape, unsqueeze, squeeze, slice, padAxis, concat, gather, gatherElements, mul, tanh, SymTensor,
} from '../../src/engine/graph';
import { expectGradient, mulberry, randomInput } from '../helpers/fd';

const rand = mulberry(77);
const r = (name: string, shape: number[]) => randomInput(rand, name, shape);
/** Multiplying by tanh of the input makes the incoming gradient depend on position. */
const shaped = (f: (x: SymTensor) => SymTensor) => ([x]: SymTensor[]) => f(mul(x, tanh(x)));

test('Transpose (explicit perm, default reverse, mT)', async () => {
  await expectGradient('Transpose [1,2,0]', 'float64', [r('x', [2, 3, 4])], shaped((x) => transpose(x, [1, 2, 0])));
  await expectGradient('Transpose reverse', 'float64', [r('x', [2, 3, 4])], shaped((x) => transpose(x)));
  await expectGradient('mT', 'float64', [r('x', [2, 3, 4])], shaped((x) => mT(x)));
});

test('Reshape, Unsqueeze, Squeeze', async () => {
  await expectGradient('Reshape [2,3,4]→[6,4]', 'float64', [r('x', [2, 3, 4])], shaped((x) => reshape(x, [6, 4])));
  await expectGradient('Reshape [2,3,4]→[4,3,2]', 'float64', [r('x', [2, 3, 4])], shaped((x) => reshape(x, [4, 3, 2])));
  await expectGradient('Unsqueeze [0,-1]', 'float64', [r('x', [2, 3])], shaped((x) => unsqueeze(x, [0, -1])));
  await expectGradient('Squeeze [1]', 'float64', [r('x', [2, 1, 3])], shaped((x) => squeeze(x, [1])));
});

test('Slice and Pad along each axis, with negative bounds', async () => {
  await expectGradient('Slice axis 0 [1:3]', 'float64', [r('x', [4, 3])], shaped((x) => slice(x, 0, 1, 3)));
  await expectGradient('Slice axis -1 [-3:-1]', 'float64', [r('x', [2, 5])], shaped((x) => slice(x, -1, -3, -1)));
  await expectGradient('Pad axis 1 (2 before, 1 after)', 'float64', [r('x', [2, 3])], shaped((x) => padAxis(x, 1, 2, 1)));
  await expectGradient('Pad axis 0 (0 before, 3 after)', 'float64', [r('x', [2, 3])], shaped((x) => padAxis(x, 0, 0, 3)));
});

test('Concat of several inputs on the first and last axis', async () => {
  await expectGradient('Concat axis 0', 'float64', [r('a', [1, 3]), r('b', [2, 3]), r('c', [3, 3])],
    ([a, b, c]) => concat([mul(a, a), b, tanh(c)], 0));
  await expectGradient('Concat axis -1 (same tensor twice)', 'float64', [r('a', [2, 2]), r('b', [2, 3])],
    ([a, b]) => concat([a, b, a], -1));
});

test('Gather on axis 0 and axis 1, repeated and negative indices, int32 and 2-D indices', async () => {
  const g = (idx: number[], dims: number[], axis: number, int32 = false) => ([x]: SymTensor[]) => {
    const data = int32 ? Int32Array.from(idx) : BigInt64Array.from(idx.map(BigInt));
    return gather(mul(x, tanh(x)), x.graph.constant(data, dims), axis);
  };
  await expectGradient('Gather axis 0 (embedding lookup, repeats)', 'float64', [r('x', [5, 3])], g([4, 0, 4, 2], [4], 0));
  await expectGradient('Gather axis 0, 2-D indices, negative', 'float64', [r('x', [5, 3])], g([1, -1, 1, 0, 3, 3], [2, 3], 0));
  await expectGradient('Gather axis 1 (repeats)', 'float64', [r('x', [2, 4, 3])], g([3, 3, 0], [3], 1));
  await expectGradient('Gather axis 1, 2-D int32 indices', 'float64', [r('x', [2, 4, 3])], g([0, 2, 2, 1], [2, 2], 1, true));
  await expectGradient('Gather axis 2 (last)', 'float64', [r('x', [2, 3, 4])], g([1, 3], [2], 2));
});

test('GatherElements on axis 0 and the last axis, with repeated indices', async () => {
  const ge = (idx: number[], dims: number[], axis: number) => ([x]: SymTensor[]) =>
    gatherElements(mul(x, tanh(x)), x.graph.constant(BigInt64Array.from(idx.map(BigInt)), dims), axis);
  await expectGradient('GatherElements axis -1', 'float64', [r('x', [2, 4])], ge([3, 3, 0, 1, 1, 2], [2, 3], -1));
  await expectGradient('GatherElements axis 0', 'float64', [r('x', [3, 2])], ge([2, 0, 2, 2], [2, 2], 0));
});
