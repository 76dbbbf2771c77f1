import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attributePrompt } from '../../src/engine/epo/attribution';
import { makeToy } from './toy-backend';

/** Separable toy: f = Σ w[i][t_i], so each variant's feature is known by hand. */
function handToy(shift = 0) {
  const w = Array.from({ length: 3 }, () => new Array(42).fill(-10));
  w[0][8] = 2; w[0][9] = 1.5; w[0][10] = 0.5;
  w[1][12] = 1; w[1][13] = 3; w[1][14] = 1;
  w[2][15] = -0.5; w[2][16] = 0; w[2][17] = -4;
  for (let v = 0; v < 42; v++) w[2][v] += shift;
  return makeToy({ n: 3, w, pairScale: 0, seed: 1 });
}

const close = (a: number | null, b: number) => assert.ok(a !== null && Math.abs(a - b) < 1e-12, `${a} vs ${b}`);

test('attribution: hand-checked drops, worst and best substitutes, NLL and saliency', async () => {
  const { backend, tokenizer } = handToy();
  const a = await attributePrompt(backend, tokenizer, [8, 12, 15], { k: 3 });
  assert.equal(a.baseline, 2.5);
  assert.equal(a.absolute, false);
  const [t0, t1, t2] = a.tokens;
  // position 0: substitutes 9 (f 2.0) and 10 (f 1.0)
  assert.equal(t0.substitutes, 2);
  close(t0.largestDrop, 0.6); close(t0.smallestDrop, 0.2);
  assert.equal(t0.worst!.id, 10); close(t0.worst!.feature, 1);
  assert.deepEqual(t0.best.map((s) => s.id), [9, 10]);
  assert.equal(t0.best[0].text, ' cat');
  // position 1: the top-k ranks 13 above the token itself; 13 raises f (negative drop)
  close(t1.largestDrop, 0); close(t1.smallestDrop, -0.8);
  assert.deepEqual(t1.best.map((s) => s.id), [13, 14]);
  // position 2: 16 raises f, 17 kills it
  close(t2.largestDrop, 1.4); close(t2.smallestDrop, -0.2);
  assert.equal(t2.worst!.id, 17);
  assert.equal(t0.nll, null);
  assert.equal(t1.nll, Math.fround(-backend.logp[8 * 42 + 12]), 'NLL of token 1 (float32 from the backend)');
  assert.equal(t2.nll, Math.fround(-backend.logp[12 * 42 + 15]));
  assert.deepEqual(a.tokens.map((t) => t.saliency), [2, 1, -0.5]);
  assert.equal(a.text, ' the mat hello');
  assert.equal(a.k, 3);
});

test('attribution: a negative baseline keeps "drop > 0 = feature went down"', async () => {
  const { backend, tokenizer } = handToy(-5);
  const a = await attributePrompt(backend, tokenizer, [8, 12, 15], { k: 3, batchSize: 2 });
  assert.equal(a.baseline, -2.5);
  close(a.tokens[0].largestDrop, 0.6); // f: -2.5 → -4.0 is a drop of 1.5 = 0.6·|b|
  close(a.tokens[0].smallestDrop, 0.2);
  close(a.tokens[2].largestDrop, 1.4);
  close(a.tokens[1].smallestDrop, -0.8);
});

test('attribution: a ~zero baseline switches to absolute drops and says so', async () => {
  const { backend, tokenizer } = handToy(-2.5);
  const a = await attributePrompt(backend, tokenizer, [8, 12, 15], { k: 3 });
  assert.equal(a.baseline, 0);
  assert.equal(a.absolute, true);
  close(a.tokens[0].largestDrop, 1.5);
  close(a.tokens[2].largestDrop, 3.5);
  close(a.tokens[1].smallestDrop, -2);
});

test('attribution: default k is 32 substitutes (the token itself skipped), scored in batches, cancellable', async () => {
  const { backend, tokenizer } = makeToy({ seed: 2 });
  const prompt = [8, 9, 10, 11, 12, 13];
  const a = await attributePrompt(backend, tokenizer, prompt, { batchSize: 50 });
  assert.equal(a.k, 32);
  assert.deepEqual(backend.topKCalls.map((c) => c.lambdas), [[0]]);
  const total = a.tokens.reduce((s, t) => s + t.substitutes, 0);
  assert.ok(a.tokens.every((t) => t.substitutes === 31 || t.substitutes === 32));
  assert.equal(backend.scored.length, 1 + total);
  // each reported substitute value is the backend's value for that variant
  const t = a.tokens[3];
  const v = [...prompt]; v[3] = t.worst!.id;
  assert.equal(t.worst!.feature, backend.feature(v));
  const ctl = new AbortController();
  ctl.abort();
  await assert.rejects(attributePrompt(backend, tokenizer, prompt, { signal: ctl.signal }), /abort/i);
  await assert.rejects(attributePrompt(backend, tokenizer, [8, 99, 10, 11, 12, 13]), /attribution prompt\[1\] = 99 is not a token id/);
});
