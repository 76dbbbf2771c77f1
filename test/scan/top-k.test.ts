import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TopK, TopEntry, ranksAbove } from '../../src/engine/scan/top-k';
import { Prng } from '../../src/engine/epo/prng';

/** Brute force: first occurrence of each distinct window, sorted by feature (desc) then corpus order. */
function bruteForce(entries: TopEntry[], k: number): TopEntry[] {
  const first = new Map<string, TopEntry>();
  for (const e of entries) if (!first.has(e.ids.join())) first.set(e.ids.join(), e);
  return [...first.values()].sort((a, b) => b.feature - a.feature || a.at.file - b.at.file || a.at.offset - b.at.offset || a.at.window - b.at.window).slice(0, k);
}

function randomEntries(rng: Prng, count: number): TopEntry[] {
  const out: TopEntry[] = [];
  for (let i = 0; i < count; i++) {
    // Few distinct windows and coarse values, so duplicates and ties are common.
    const ids = [rng.int(6), rng.int(6), rng.int(3)];
    const feature = ids[0] * 0.5 - ids[1] * 0.25 + ids[2];
    out.push({ ids, feature, xe: rng.float(), at: { file: 0, offset: i * 10, line: i + 1, window: 0 } });
  }
  return out;
}

test('the top-k heap keeps exactly the brute-force top k (ties to the earlier window, duplicates once)', () => {
  const rng = Prng.fromSeed(7);
  for (let trial = 0; trial < 200; trial++) {
    const entries = randomEntries(rng, 1 + rng.int(150));
    const k = 1 + rng.int(20);
    const heap = new TopK(k);
    for (const e of entries) heap.offer(e);
    assert.deepEqual(heap.sorted(), bruteForce(entries, k), `trial ${trial}, k ${k}, ${entries.length} entries`);
  }
});

test('an identical window is refused even when its value would enter', () => {
  const heap = new TopK(3);
  const at = (i: number) => ({ file: 0, offset: i, line: 1, window: 0 });
  assert.equal(heap.offer({ ids: [1, 2], feature: 1, xe: 0, at: at(0) }), true);
  assert.equal(heap.offer({ ids: [1, 2], feature: 5, xe: 0, at: at(1) }), false);
  assert.equal(heap.size, 1);
  assert.equal(heap.has([1, 2]), true);
  assert.equal(heap.has([2, 1]), false);
});

test('ranking: higher feature first, then the earlier location', () => {
  const a = { ids: [1], feature: 2, xe: 0, at: { file: 1, offset: 0, line: 1, window: 0 } };
  const b = { ids: [2], feature: 2, xe: 0, at: { file: 0, offset: 50, line: 9, window: 3 } };
  assert.equal(ranksAbove(b, a), true);
  assert.equal(ranksAbove(a, b), false);
  assert.equal(ranksAbove({ ...a, feature: 2.5 }, b), true);
  assert.throws(() => new TopK(0), /positive integer/);
});
