import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeToy, ToyBackend } from './toy-backend';

const oneHot = (b: ToyBackend, t: number[]) => {
  const x = new Float64Array(b.n * b.vocabRows);
  t.forEach((v, i) => { x[i * b.vocabRows + v] = 1; });
  return x;
};

test('toy: the relaxed objective equals score() at one-hots', async () => {
  const { backend } = makeToy({ seed: 3 });
  const t = [5, 9, 2, 33, 17, 4];
  const r = backend.relaxed(oneHot(backend, t));
  const s = await backend.score([Int32Array.from(t)]);
  assert.ok(Math.abs(r.f - s.feature[0]) < 1e-12, `${r.f} vs ${s.feature[0]}`);
  assert.ok(Math.abs(r.xe - s.xe[0]) < 1e-12, `${r.xe} vs ${s.xe[0]}`);
  const meanNll = s.nll[0].reduce((a, b) => a + b, 0) / 5;
  assert.ok(Math.abs(meanNll - s.xe[0]) < 1e-5);
});

test('toy: hand-derived G (direct label term included) matches central differences', () => {
  const { backend } = makeToy({ seed: 4 });
  const t = [3, 14, 27, 8, 39, 20];
  for (const lambda of [0, 0.7, 5]) {
    const G = backend.gradient(t, lambda);
    const x = oneHot(backend, t);
    const eps = 1e-5;
    let maxErr = 0, scale = 0;
    for (let j = 0; j < x.length; j++) {
      const xp = x.slice(); xp[j] += eps;
      const xm = x.slice(); xm[j] -= eps;
      const lp = backend.relaxed(xp), lm = backend.relaxed(xm);
      const numeric = (-lp.f + lambda * lp.xe - (-lm.f + lambda * lm.xe)) / (2 * eps);
      maxErr = Math.max(maxErr, Math.abs(numeric - G[j]));
      scale = Math.max(scale, Math.abs(numeric));
    }
    assert.ok(maxErr < 1e-6 * Math.max(1, scale), `λ=${lambda}: max error ${maxErr} (scale ${scale})`);
  }
});

test('toy: the context term is not negligible, so the FD check covers both XE routes', () => {
  const { backend } = makeToy({ seed: 4 });
  const t = [3, 14, 27, 8, 39, 20];
  const G1 = backend.gradient(t, 1), G0 = backend.gradient(t, 0);
  // XE part of G at the last position is only the direct term; elsewhere the context term adds to it.
  const V = backend.vocabRows, i = 2, v = 11;
  const direct = -backend.logp[t[i - 1] * V + v] / (backend.n - 1);
  assert.ok(Math.abs(G1[i * V + v] - G0[i * V + v] - direct) > 1e-3);
});

test('toy: Viterbi optimum equals brute force on a short prompt', () => {
  const backend = new ToyBackend({ n: 3, seed: 5 });
  const ids: number[] = [];
  for (let v = 0; v < backend.vocabRows; v++) if (backend.allowed[v]) ids.push(v);
  for (const lambda of [0, 1.3]) {
    let best = Infinity;
    for (const a of ids) for (const b of ids) for (const c of ids) best = Math.min(best, -backend.feature([a, b, c]) + lambda * backend.xe([a, b, c]));
    const opt = backend.optimum(lambda);
    assert.ok(Math.abs(opt.loss - best) < 1e-9, `${opt.loss} vs ${best}`);
    assert.ok(Math.abs(-backend.feature(opt.ids) + lambda * backend.xe(opt.ids) - best) < 1e-9);
  }
});

test('toy tokenizer: a+b does not round-trip, ordinary pieces do', () => {
  const { tokenizer } = makeToy();
  assert.deepEqual(tokenizer.encode(tokenizer.decode([2, 3])), [4]);
  assert.deepEqual(tokenizer.encode(tokenizer.decode([8, 9, 10, 2])), [8, 9, 10, 2]);
});

test('toy topK: allowed ids only, best first', async () => {
  const { backend } = makeToy({ seed: 6 });
  const t = Int32Array.from([2, 3, 5, 6, 8, 9]);
  const [top] = await backend.topK([t], [0.5], 38);
  const G = backend.gradient(t, 0.5);
  for (let i = 0; i < 6; i++) {
    const row = Array.from(top.subarray(i * 38, (i + 1) * 38));
    assert.ok(row.every((v) => v >= 2 && v < 40));
    for (let j = 1; j < 38; j++) assert.ok(G[i * 42 + row[j - 1]] <= G[i * 42 + row[j]]);
  }
});
