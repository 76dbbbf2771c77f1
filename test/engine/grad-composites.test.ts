/**
 * Gradients of the transformer building blocks against finite differences. They are composed of
 * primitives, so this checks the composition (shapes, broadcasts, reused values) end to end.
 * float64 throughout, except gelu, whose Erf ORT only runs in float32 (see grad-elementwise).
 */
import { test } from 'node:test';
import {
  gelu, geluTanh, silu, rmsNorm, layerNorm, layerNormalize, linear, splitHeads, mergeHeads, causalAttention, rotary, add, mul,
} from '../../src/engine/graph';
import { expectGradient, mulberry, randomInput } from '../helpers/fd';

const rand = mulberry(2024);
const r = (name: string, shape: number[], scale = 1) => randomInput(rand, name, shape, { scale });

test('gelu (exact), geluTanh, silu', async () => {
  await expectGradient('gelu float32', 'float32', [r('x', [3, 4], 2)], ([x]) => gelu(x));
  await expectGradient('gelu float64 (float32 erf value)', 'float64', [r('x', [3, 4], 2)], ([x]) => gelu(x), { eps: 1e-3, tol: 1e-3 });
  await expectGradient('geluTanh', 'float64', [r('x', [3, 4], 2)], ([x]) => geluTanh(x));
  await expectGradient('silu', 'float64', [r('x', [3, 4], 2)], ([x]) => silu(x));
});

test('rmsNorm and layerNorm, with and without affine parameters', async () => {
  await expectGradient('rmsNorm with weight', 'float64', [r('x', [2, 3, 5]), r('w', [5])], ([x, w]) => rmsNorm(x, w, 1e-5));
  await expectGradient('rmsNorm without weight', 'float64', [r('x', [2, 5])], ([x]) => rmsNorm(x, null, 1e-6));
  await expectGradient('layerNorm with weight and bias', 'float64', [r('x', [2, 3, 5]), r('w', [5]), r('b', [5])],
    ([x, w, b]) => layerNorm(x, w, b, 1e-5));
  await expectGradient('layerNormalize', 'float64', [r('x', [4, 6])], ([x]) => layerNormalize(x, 1e-5));
});

test('linear, splitHeads, mergeHeads', async () => {
  await expectGradient('linear with bias', 'float64', [r('x', [2, 3, 4]), r('w', [5, 4]), r('b', [5])], ([x, w, b]) => linear(x, w, b));
  await expectGradient('mergeHeads(splitHeads)', 'float64', [r('x', [2, 3, 8])], ([x]) => mergeHeads(mul(splitHeads(x, 4), splitHeads(x, 4))));
});

test('causalAttention with grouped-query heads (4 query heads, 2 key/value heads)', async () => {
  const qkv = () => [r('q', [2, 4, 5, 3]), r('k', [2, 2, 5, 3]), r('v', [2, 2, 5, 3])];
  await expectGradient('attention z', 'float64', qkv(), ([q, k, v]) => causalAttention(q, k, v).z);
  // The pattern does not depend on v (grad would rightly refuse), so v is a constant here.
  await expectGradient('attention pattern', 'float64', qkv().slice(0, 2),
    ([q, k]) => causalAttention(q, k, q.graph.constant(new Float64Array(2 * 2 * 5 * 3), [2, 2, 5, 3])).pattern);
  await expectGradient('attention, one kv head (multi-query)', 'float64',
    [r('q', [1, 3, 4, 2]), r('k', [1, 1, 4, 2]), r('v', [1, 1, 4, 2])], ([q, k, v]) => causalAttention(q, k, v).z);
});

test('rotary: adjacent and half pairing, full and partial rotary dim, position offset', async () => {
  const x = () => r('x', [2, 2, 4, 6]);
  for (const pairing of ['adjacent', 'half'] as const) {
    await expectGradient(`rotary ${pairing} full`, 'float64', [x()], ([x]) => rotary(x, { rotaryDim: 6, theta: 10000, pairing }));
    await expectGradient(`rotary ${pairing} partial 4/6, offset 3`, 'float64', [x()],
      ([x]) => mul(rotary(add(x, 0.5), { rotaryDim: 4, theta: 100, pairing, offset: 3 }), x));
  }
});
