import { test } from 'node:test';
import assert from 'node:assert/strict';
import { frontierOf, frontierRows, mergeFrontierPoints, nonDominated, FrontierPoint } from '../../src/engine/epo/frontier';
import { EvalHistory } from '../../src/engine/epo/history';
import { uniform } from './random';

function bruteForce(f: number[], xe: number[]): number[] {
  const ok = (i: number) => Number.isFinite(f[i]) && Number.isFinite(xe[i]);
  const out: number[] = [];
  for (let p = 0; p < f.length; p++) {
    if (!ok(p)) continue;
    let dominated = false;
    for (let q = 0; q < f.length && !dominated; q++) {
      if (q !== p && ok(q) && f[q] >= f[p] && xe[q] <= xe[p] && (f[q] > f[p] || xe[q] < xe[p])) dominated = true;
    }
    if (!dominated) out.push(p);
  }
  return out;
}

test('frontier: equals brute force on random points with many ties', () => {
  const rand = uniform(11);
  for (let trial = 0; trial < 200; trial++) {
    const count = 1 + Math.floor(rand() * 60);
    const grid = trial % 2 === 0 ? 5 : 1000; // coarse grids force ties in f, XE and both
    const f = Array.from({ length: count }, () => Math.floor(rand() * grid) / grid);
    const xe = Array.from({ length: count }, () => Math.floor(rand() * grid) / grid);
    if (trial % 10 === 3) { f[0] = NaN; xe[1] = Infinity; }
    const got = nonDominated(f, xe);
    assert.deepEqual([...got].sort((a, b) => a - b), bruteForce(f, xe), `trial ${trial}`);
    for (let i = 1; i < got.length; i++) assert.ok(xe[got[i - 1]] <= xe[got[i]], 'ordered by XE');
  }
});

test('frontier: identical values from distinct prompts are all kept', () => {
  assert.deepEqual(nonDominated([1, 1, 0], [2, 2, 2]), [0, 1]);
});

function historyOf(points: [number, number, number][]): EvalHistory {
  const h = new EvalHistory(2, 2);
  points.forEach(([f, xe, it], i) => h.append([i, i + 1], f, xe, it, -1));
  return h;
}

test('frontier as of an iteration uses only rows evaluated by then', () => {
  const h = historyOf([[1, 5, -1], [2, 6, -1], [3, 4, 0], [0.5, 1, 1], [10, 10, 2]]);
  assert.deepEqual(frontierOf(h, { throughIteration: -1 }).map((p) => p.row), [0, 1]);
  assert.deepEqual(frontierOf(h, { throughIteration: 0 }).map((p) => p.row), [2]);
  assert.deepEqual(frontierOf(h, { throughIteration: 1 }).map((p) => p.row), [3, 2]);
  assert.deepEqual(frontierOf(h).map((p) => p.row), [3, 2, 4]);
  // incremental (frontier ∪ new rows) gives the same as recomputing
  const inc = frontierRows(h, [...frontierRows(h, [0, 1, 2]), 3, 4]);
  assert.deepEqual(Array.from(inc), Array.from(frontierRows(h)));
});

test('frontier merge: dedupes identical prompts and drops dominated points', () => {
  const pt = (ids: number[], feature: number, xe: number): FrontierPoint => ({ ids, feature, xe, iteration: 0, row: 0 });
  const a = [pt([1, 2], 1, 1), pt([3, 4], 5, 5)];
  const b = [pt([1, 2], 1, 1), pt([5, 6], 6, 4), pt([7, 8], 0.5, 0.5)];
  const merged = mergeFrontierPoints([a, b]);
  assert.deepEqual(merged.map((p) => p.ids), [[7, 8], [1, 2], [5, 6]]);
  assert.equal(merged[1], a[0], 'first occurrence kept');
  // brute force over the union agrees
  const all = [...a, ...b.slice(1)];
  assert.deepEqual(bruteForce(all.map((p) => p.feature), all.map((p) => p.xe)).map((i) => all[i].ids).sort(), merged.map((p) => p.ids).sort());
});
