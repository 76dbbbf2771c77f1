/**
 * Per-example gradients: with a symbolic batch dim 'B' and independent per-example values y[b],
 * the gradient of Σ_b y[b] w.r.t. the batched input is, row by row, each example's own gradient.
 * Checked against running every example alone through the same graph (B = 1).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph, grad, mul, reduceSum, toOnnx } from '../../src/engine/graph';
import { EngineSession } from '../../src/engine/runtime/ort';
import { mulberry, randn } from '../helpers/fd';
import { TINY, tinyTransformer } from './tiny-transformer';

test('a batch with symbolic dim B gives exactly the per-example gradients', async () => {
  const cfg = { ...TINY, dModel: 24 };
  const { n, dModel: d } = cfg;
  const rand = mulberry(4242);
  const g = new Graph();
  const x = g.input('emb', 'float64', ['B', n, d]);
  // y[b] = <transformer(x[b]), r> for a fixed random r: one scalar per example.
  const r = g.constant(Float64Array.from(randn(rand, n * d)), [n, d]);
  const y = reduceSum(mul(tinyTransformer(x, cfg), r), [1, 2]);
  assert.deepEqual(y.shape, ['B']);
  g.output('y', y);
  g.output('grad', grad(y, [x])[0]);
  const sess = await EngineSession.create(toOnnx(g), { threads: 1 });
  try {
    const batch = 3;
    const emb = Float64Array.from(randn(rand, batch * n * d));
    const all = await sess.run({ emb: { dtype: 'float64', dims: [batch, n, d], data: emb } });
    assert.deepEqual(all.grad.dims, [batch, n, d]);
    let maxDiff = 0, maxAbs = 0;
    for (let b = 0; b < batch; b++) {
      const row = emb.slice(b * n * d, (b + 1) * n * d);
      const one = await sess.run({ emb: { dtype: 'float64', dims: [1, n, d], data: row } });
      assert.ok(Math.abs(Number(one.y.data[0]) - Number(all.y.data[b])) < 1e-12, `y[${b}] differs alone vs in batch`);
      for (let i = 0; i < n * d; i++) {
        const batched = Number(all.grad.data[b * n * d + i]);
        maxDiff = Math.max(maxDiff, Math.abs(batched - Number(one.grad.data[i])));
        maxAbs = Math.max(maxAbs, Math.abs(batched));
      }
    }
    if (process.env.FD_VERBOSE) console.log(`# per-example: max diff ${maxDiff}, max |grad| ${maxAbs}`);
    // Identical up to float64 rounding (kernels may block a batch of 3 differently from 1).
    assert.ok(maxAbs > 1e-3, 'gradients must not be trivially zero');
    assert.ok(maxDiff <= 1e-12 * maxAbs, `per-example gradients differ from the batch's by ${maxDiff}`);
    // And the examples really are different, so a gradient summed over the batch would fail above.
    const first = Array.from(all.grad.data.slice(0, n * d), Number);
    const second = Array.from(all.grad.data.slice(n * d, 2 * n * d), Number);
    assert.ok(first.some((v, i) => Math.abs(v - second[i]) > 1e-6), 'examples 0 and 1 should have different gradients');
  } finally {
    await sess.release();
  }
});
