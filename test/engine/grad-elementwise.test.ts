/**
 * Gradients of element-wise ops against central finite differences, with broadcasting.
 *
 * Which ops ORT's CPU provider runs in float64 (onnxruntime-node 1.30, opset 17; found by running
 * each op alone on double inputs): Add Sub Mul Div Pow Neg Exp Log Sqrt Tanh Sigmoid Relu Abs,
 * Greater Less Equal Where Cast, MatMul Softmax LogSoftmax, ReduceSum ReduceMean ReduceMax,
 * Transpose Reshape Unsqueeze Squeeze Slice Pad Concat Expand Shape ConstantOfShape, Gather
 * GatherElements ScatterND/ScatterElements (reduction 'add'), TopK ArgMax. The only one missing is
 * Erf ("Could not find an implementation for Erf(13)"), so the engine evaluates a float64 erf in
 * float32; Erf is therefore checked in float32 (tolerance 2e-2 of the largest gradient entry,
 * eps 1e-2) and in float64 with a step large enough for float32 forward noise (eps 1e-3, tol 1e-3).
 * Everything else is checked in float64 (eps 1e-6, tolerance 1e-6).
 */
import { test } from 'node:test';
import {
  add, sub, mul, div, neg, exp, log, sqrt, pow, tanh, erf, sigmoid, relu, abs, where, cast, greater,
} from '../../src/engine/graph';
import { expectGradient, mulberry, randomInput } from '../helpers/fd';

const rand = mulberry(1234);
const x23 = () => randomInput(rand, 'x', [2, 3]);

test('Add, Sub, Mul, Div with broadcasting ([2,3,4] with [3,1] and a scalar)', async () => {
  const a = () => randomInput(rand, 'a', [2, 3, 4]);
  const b = () => randomInput(rand, 'b', [3, 1]);
  await expectGradient('Add', 'float64', [a(), b()], ([x, y]) => add(x, y));
  await expectGradient('Sub', 'float64', [a(), b()], ([x, y]) => sub(y, x));
  await expectGradient('Mul', 'float64', [a(), b()], ([x, y]) => mul(x, y));
  await expectGradient('Div', 'float64', [a(), randomInput(rand, 'b', [3, 1], { positive: true })], ([x, y]) => div(x, y));
  await expectGradient('Div (broadcast numerator)', 'float64', [randomInput(rand, 'a', [4]), randomInput(rand, 'b', [2, 3, 4], { positive: true })],
    ([x, y]) => div(x, y));
  await expectGradient('scalar operands', 'float64', [x23()], ([x]) => sub(2, div(3, add(mul(x, x), 1))));
  await expectGradient('Add with both operands broadcast ([2,1] + [1,3])', 'float64',
    [randomInput(rand, 'a', [2, 1]), randomInput(rand, 'b', [1, 3])], ([x, y]) => mul(add(x, y), add(x, y)));
});

test('Neg, Exp, Log, Sqrt, Tanh, Sigmoid, Relu, Abs', async () => {
  await expectGradient('Neg', 'float64', [x23()], ([x]) => neg(x));
  await expectGradient('Exp', 'float64', [x23()], ([x]) => exp(x));
  await expectGradient('Log', 'float64', [randomInput(rand, 'x', [2, 3], { positive: true })], ([x]) => log(x));
  await expectGradient('Sqrt', 'float64', [randomInput(rand, 'x', [2, 3], { positive: true })], ([x]) => sqrt(x));
  await expectGradient('Tanh', 'float64', [x23()], ([x]) => tanh(x));
  await expectGradient('Sigmoid', 'float64', [x23()], ([x]) => sigmoid(x));
  await expectGradient('Relu', 'float64', [randomInput(rand, 'x', [4, 5])], ([x]) => relu(x));
  await expectGradient('Abs', 'float64', [randomInput(rand, 'x', [4, 5])], ([x]) => abs(x));
});

test('Pow by constants (3, 0.5, -1.5, 0)', async () => {
  await expectGradient('Pow 3', 'float64', [x23()], ([x]) => pow(x, 3));
  await expectGradient('Pow 0.5', 'float64', [randomInput(rand, 'x', [2, 3], { positive: true })], ([x]) => pow(x, 0.5));
  await expectGradient('Pow -1.5', 'float64', [randomInput(rand, 'x', [2, 3], { positive: true })], ([x]) => pow(x, -1.5));
  // x ** 0 is constant; its gradient must be exactly zero, also at x = 0 (where p·x^(p-1) is 0·∞).
  await expectGradient('Pow 0 (inside a product)', 'float64', [x23()], ([x]) => mul(pow(x, 0), x));
});

test('Erf: float32, and float64 (evaluated in float32 by ORT, see header)', async () => {
  await expectGradient('Erf float32', 'float32', [x23()], ([x]) => erf(x));
  await expectGradient('Erf float64', 'float64', [x23()], ([x]) => erf(x), { eps: 1e-3, tol: 1e-3 });
});

test('Where with a broadcast condition and broadcast branches', async () => {
  const cond = Uint8Array.from([1, 0, 0, 1, 0, 1, 1, 0]);
  await expectGradient('Where', 'float64', [randomInput(rand, 'a', [3, 4]), randomInput(rand, 'b', [2, 1, 1])],
    ([a, b]) => where(a.graph.constant(cond, [2, 1, 4]), a, b));
  await expectGradient('Where with a scalar branch', 'float64', [randomInput(rand, 'a', [3, 4])],
    ([a]) => where(greater(a, 0), mul(a, a), 0.5));
});

test('Cast float64 → float32 → float64 and float32 → float64 → float32', async () => {
  // The float32 leg adds ~1e-7 relative noise to the forward, hence the larger step and tolerance.
  await expectGradient('Cast 64→32→64', 'float64', [x23()], ([x]) => cast(mul(cast(x, 'float32'), 3), 'float64'), { eps: 1e-3, tol: 1e-3 });
  await expectGradient('Cast 32→64→32', 'float32', [x23()], ([x]) => cast(exp(cast(x, 'float64')), 'float32'));
});
