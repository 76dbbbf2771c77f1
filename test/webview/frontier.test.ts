import test from 'node:test';
import assert from 'node:assert/strict';
import { ParetoFrontier, frontierOf } from '../../webview/frontier';
import { PointStore } from '../../webview/points';
import { mulberry } from '../helpers/fd';

/** The definition, checked pair by pair: O(n²). */
function bruteForce(xe: number[], f: number[], count = xe.length): number[] {
  const keep: number[] = [];
  for (let p = 0; p < count; p++) {
    if (!Number.isFinite(xe[p]) || !Number.isFinite(f[p])) continue;
    let dominated = false;
    for (let q = 0; q < count && !dominated; q++) {
      if (!Number.isFinite(xe[q]) || !Number.isFinite(f[q])) continue;
      dominated = f[q] >= f[p] && xe[q] <= xe[p] && (f[q] > f[p] || xe[q] < xe[p]);
    }
    if (!dominated) keep.push(p);
  }
  return keep;
}

const sorted = (a: ArrayLike<number>) => [...Array.from(a)].sort((x, y) => x - y);

test('incremental frontier equals the brute-force non-dominated set on random clouds', () => {
  const rand = mulberry(7);
  for (let trial = 0; trial < 200; trial++) {
    const n = 1 + Math.floor(rand() * 300);
    // Coarse grids produce many ties in XE, in feature, and identical points.
    const grid = trial % 3 === 0 ? 4 : trial % 3 === 1 ? 20 : 0;
    const q = (v: number) => (grid ? Math.round(v * grid) / grid : v);
    const xe = Array.from({ length: n }, () => q(2 + 8 * rand()));
    const f = Array.from({ length: n }, (_, i) => q(xe[i] * 0.6 + 3 * rand()));
    if (trial % 10 === 0) { xe[0] = NaN; f[Math.min(1, n - 1)] = Infinity; }
    assert.deepEqual(sorted(frontierOf(xe, f)), bruteForce(xe, f), `trial ${trial}, n=${n}`);
  }
});

test('frontier is ordered by XE and keeps identical copies', () => {
  const xe = [5, 3, 3, 7, 3, 4];
  const f = [1, 2, 2, 9, 1, 5];
  const idx = [...frontierOf(xe, f)];
  assert.deepEqual(idx, [1, 2, 5, 3]); // both copies of (3, 2); (5,1) and (3,1) dominated
  const xs = idx.map((i) => xe[i]);
  assert.deepEqual(xs, [...xs].sort((a, b) => a - b));
});

test('insert reports whether the frontier changed', () => {
  const fr = new ParetoFrontier();
  assert.equal(fr.insert(0, 5, 5), true);
  assert.equal(fr.insert(1, 6, 4), false); // dominated
  assert.equal(fr.insert(2, 5, 5), true); // identical copy
  assert.equal(fr.insert(3, 4, 6), true); // dominates both
  assert.deepEqual([...fr.indices()], [3]);
  assert.equal(fr.insert(4, NaN, 9), false);
});

test('point store snapshots: the frontier through each iteration equals brute force on that prefix', () => {
  const rand = mulberry(11);
  const store = new PointStore();
  const all = { xe: [] as number[], f: [] as number[] };
  for (let it = -1; it < 40; it++) {
    const n = it < 0 ? 8 : 64;
    const batch = { feature: [] as number[], xe: [] as number[], iteration: [] as number[], historyIndex: [] as number[] };
    for (let k = 0; k < n; k++) {
      const x = 2 + 8 * rand(), y = Math.log1p(it + 2) * rand() * 3 + x * 0.2;
      batch.xe.push(x); batch.feature.push(y); batch.iteration.push(it); batch.historyIndex.push(all.xe.length);
      all.xe.push(x); all.f.push(y);
    }
    store.append(batch);
    store.closeIteration(it);
  }
  for (const it of [-1, 0, 5, 17, 39]) {
    const count = store.countThrough(it);
    assert.equal(count, 8 + 64 * (it + 1));
    assert.deepEqual(sorted(store.frontierThrough(it)), bruteForce(all.xe, all.f, count), `iteration ${it}`);
  }
  assert.equal(store.startOf(0), 8);
  assert.equal(store.countThrough(-2), 0);
});

test('a second run: replay covers its iterations, with the first run always behind it', () => {
  const store = new PointStore();
  const batch = (it: number, pts: [number, number][], h0: number) => ({
    feature: pts.map((p) => p[1]), xe: pts.map((p) => p[0]), iteration: pts.map(() => it), historyIndex: pts.map((_, k) => h0 + k),
  });
  // Run 1: iterations -1..1.
  store.append(batch(-1, [[9, 0], [8, 1]], 0)); store.closeIteration(-1);
  store.append(batch(0, [[5, 2]], 2)); store.closeIteration(0);
  store.append(batch(1, [[4, 3]], 3)); store.closeIteration(1);
  // Run 2 starts again at -1.
  store.append(batch(-1, [[3, 1]], 4)); store.closeIteration(-1);
  store.append(batch(0, [[6, 5]], 5)); store.closeIteration(0);
  assert.equal(store.runStart, 4);
  assert.equal(store.firstIteration, -1);
  assert.equal(store.countThrough(-2), 4, 'before run 2: all of run 1');
  assert.equal(store.countThrough(-1), 5);
  assert.equal(store.countThrough(0), 6);
  assert.equal(store.startOf(0), 5);
  const hist = (idx: Int32Array) => [...idx].map((i) => store.historyIndex[i]).sort((a, b) => a - b);
  assert.deepEqual(hist(store.frontierThrough(-2)), [3], 'the frontier of run 1 alone');
  assert.deepEqual(hist(store.frontierThrough(-1)), [3, 4]);
  assert.deepEqual(hist(store.frontierThrough(0)), [3, 4, 5]);
  // An iteration message with no points that goes back also starts a run (the host's snapshot of a new run).
  store.closeIteration(-1);
  assert.equal(store.runStart, 6);
  assert.equal(store.countThrough(-1), 6);
});
