/** Gradients of MatMul (every numpy.matmul case) and the softmax family against finite differences (float64). */
import { test } from 'node:test';
import { matmul, matmulTransB, softmax, logSoftmax, mul, SymTensor } from '../../src/engine/graph';
import { expectGradient, mulberry, randomInput } from '../helpers/fd';

const rand = mulberry(99);
const r = (name: string, shape: number[]) => randomInput(rand, name, shape);

test('MatMul: 2-D, batched, broadcast batch dims', async () => {
  const mm = ([a, b]: SymTensor[]) => matmul(a, b);
  await expectGradient('[3,4]×[4,2]', 'float64', [r('a', [3, 4]), r('b', [4, 2])], mm);
  await expectGradient('[2,3,4]×[2,4,5]', 'float64', [r('a', [2, 3, 4]), r('b', [2, 4, 5])], mm);
  await expectGradient('[2,3,4]×[4,5] (shared right operand)', 'float64', [r('a', [2, 3, 4]), r('b', [4, 5])], mm);
  await expectGradient('[3,4]×[2,4,5] (shared left operand)', 'float64', [r('a', [3, 4]), r('b', [2, 4, 5])], mm);
  await expectGradient('[2,1,3,4]×[1,3,4,2] (both batch dims stretched)', 'float64', [r('a', [2, 1, 3, 4]), r('b', [1, 3, 4, 2])], mm);
});

test('MatMul: 1-D operands', async () => {
  const mm = ([a, b]: SymTensor[]) => matmul(a, b);
  await expectGradient('[4]×[4,3]', 'float64', [r('a', [4]), r('b', [4, 3])], mm);
  await expectGradient('[2,3,4]×[4]', 'float64', [r('a', [2, 3, 4]), r('b', [4])], mm);
  await expectGradient('[4]×[2,4,3]', 'float64', [r('a', [4]), r('b', [2, 4, 3])], mm);
  await expectGradient('[4]×[4] (dot product)', 'float64', [r('a', [4]), r('b', [4])], mm);
});

test('a @ bᵀ as Gemm(transB): 2-D and flattened leading axes (the VJP of MatMul by a 2-D weight uses it)', async () => {
  const mt = ([a, b]: SymTensor[]) => matmulTransB(a, b);
  await expectGradient('[3,4]×[5,4]ᵀ', 'float64', [r('a', [3, 4]), r('b', [5, 4])], mt);
  await expectGradient('[2,3,4]×[5,4]ᵀ', 'float64', [r('a', [2, 3, 4]), r('b', [5, 4])], mt);
});

test('Softmax and LogSoftmax on the last and a middle axis', async () => {
  await expectGradient('Softmax -1', 'float64', [r('x', [2, 3, 4])], ([x]) => softmax(x, -1));
  await expectGradient('Softmax 1', 'float64', [r('x', [2, 3, 4])], ([x]) => softmax(x, 1));
  await expectGradient('LogSoftmax -1', 'float64', [r('x', [2, 3, 4])], ([x]) => logSoftmax(x, -1));
  await expectGradient('LogSoftmax 0', 'float64', [r('x', [3, 4])], ([x]) => logSoftmax(x, 0));
  // Softmax feeding a product checks the VJP with a non-trivial incoming gradient from both paths.
  await expectGradient('x·softmax(x)', 'float64', [r('x', [2, 5])], ([x]) => mul(x, softmax(x)));
});
