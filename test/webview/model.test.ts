import test from 'node:test';
import assert from 'node:assert/strict';
import { Dirty, PanelModel } from '../../webview/model';
import { readPersisted, emptyPersisted } from '../../webview/persist';
import { attribution, initMessage, iterationMessage, row } from './fixtures';

/** Read through a function so TypeScript does not narrow the state across the assertions. */
const stateOf = (m: PanelModel): string => m.attribution.state;

function modelAfterTwoIterations() {
  const m = new PanelModel();
  m.apply(initMessage());
  m.apply(iterationMessage(-1, [row(0, [1, 2, 3], 1, 9, 0), row(1, [4, 5, 6], 0.5, 8, 1)], [[1, 9, 0], [0.5, 8, 1]]));
  m.apply(iterationMessage(0, [row(0, [1, 7, 3], 2, 7, 2), row(1, [4, 5, 6], 0.5, 8, 1)], [[2, 7, 2], [0.1, 9.5, 3], [1.5, 5, 4]]));
  return m;
}

test('iterations append points, track the frontier, and mark changed tokens per slot', () => {
  const m = modelAfterTwoIterations();
  assert.equal(m.points.length, 5);
  assert.equal(m.iteration, 0);
  assert.equal(m.done(), 1);
  // (2, 7) and (1.5, 5) are on the frontier; (1, 9), (0.5, 8), (0.1, 9.5) are dominated.
  assert.deepEqual([...m.points.frontier.indices()].map((i) => m.points.historyIndex[i]), [4, 2]);
  assert.deepEqual(m.marks, [['same', 'changed', 'same'], ['same', 'same', 'same']]);
  assert.deepEqual([...m.trail.get(-1)!.feature], [1, 0.5]);
  assert.deepEqual([...m.points.frontierThrough(-1)].map((i) => m.points.historyIndex[i]), [1, 0]);
});

test('dirty bits name what changed', () => {
  const m = modelAfterTwoIterations();
  assert.equal(m.apply({ type: 'runState', state: 'paused' }), Dirty.runState);
  assert.equal(m.runState, 'paused');
  assert.equal(m.eta(), null);
  const d = m.apply(iterationMessage(1, m.population, []));
  assert.ok(d & Dirty.population && d & Dirty.stats);
  assert.ok(m.apply({ type: 'dataset', feature: [1], xe: [2], text: ['x'] }) & Dirty.dataset);
});

test('a dataset example is inspected like a prompt when the host sent its ids, and not otherwise', () => {
  const m = modelAfterTwoIterations();
  m.apply({ type: 'dataset', source: 'stories', feature: [3, 1], xe: [2, 2.5], text: ['a b', 'c'] });
  assert.deepEqual(m.selectDataset(0), [], 'text only: nothing to inspect');
  assert.equal(m.selection, null);
  m.apply({ type: 'dataset', source: 'stories', feature: [3, 1], xe: [2, 2.5], text: ['a b', 'c'], ids: [[5, 6], [7]], tokens: [['a', ' b'], ['c']] });
  assert.deepEqual(m.selectDataset(1), [{ type: 'inspect', ids: [7] }]);
  const selected = (m as { selection: { origin: string; feature: number } | null }).selection;
  assert.equal(selected?.origin, 'dataset example · stories');
  assert.equal(selected?.feature, 1);
  assert.deepEqual(m.selectDataset(2), [], 'out of range');
});

test('selecting a row asks for its attribution once, and the answer is cached', () => {
  const m = modelAfterTwoIterations();
  assert.deepEqual(m.selectRow(0), [{ type: 'inspect', ids: [1, 7, 3] }]);
  assert.equal(stateOf(m), 'pending');
  assert.deepEqual(m.selectRow(0), [], 'no second request while one is pending');
  assert.match(m.selection!.origin, /slot 0 · iteration 1$/, 'iterations are shown 1-based');
  assert.deepEqual(m.selection!.before, { ids: [1, 2, 3], what: 'slot 0\'s previous prompt' }, 'the Tokens view marks what the move did');
  const a = attribution([1, 7, 3]);
  assert.equal(m.apply({ type: 'attribution', attribution: a }), Dirty.attribution);
  assert.equal(stateOf(m), 'ready');
  m.selectRow(1);
  assert.equal(stateOf(m), 'pending');
  assert.equal(m.selection!.before, undefined, 'slot 1 kept its prompt: no move to mark');
  assert.deepEqual(m.selectRow(0), [], 'cached: answered without the host');
  assert.equal(stateOf(m), 'ready');
  // A late answer for a prompt no longer selected changes nothing visible.
  assert.equal(m.apply({ type: 'attribution', attribution: attribution([4, 5, 6]) }), 0);
  assert.deepEqual(m.selectRow(1), []);
  assert.equal(stateOf(m), 'ready');
});

test('an attribution error notice ends the wait and can be retried', () => {
  const m = modelAfterTwoIterations();
  m.selectRow(1);
  m.apply({ type: 'notice', level: 'error', message: 'model unloaded', about: 'attribution' });
  assert.deepEqual(m.attribution, { state: 'error', key: '4,5,6', message: 'model unloaded' });
  assert.deepEqual(m.retryAttribution(), [{ type: 'inspect', ids: [4, 5, 6] }]);
});

test('clicking a chart point fetches its text first, then selects and inspects it', () => {
  const m = modelAfterTwoIterations();
  const idx = 4; // history index 4
  assert.deepEqual(m.selectPoint(idx), [{ type: 'requestPoint', historyIndex: 4 }]);
  assert.deepEqual(m.wantPoint(4), [], 'already requested');
  const d = m.apply({ type: 'point', historyIndex: 4, ids: [9, 9, 9], tokens: ['a', 'b', 'c'], text: 'abc', feature: 1.5, xe: 5, iteration: 0 });
  assert.ok(d & Dirty.selection);
  assert.deepEqual(m.pendingOut, [{ type: 'inspect', ids: [9, 9, 9] }]);
  assert.equal(m.selection!.text, 'abc');
  assert.equal(m.selection!.historyIndex, 4);
  assert.equal(m.selection!.origin, 'evaluated in iteration 1');
  assert.equal(m.selection!.before, undefined, 'no parent sent');
  assert.deepEqual(m.wantPoint(4), [], 'cached');
  m.apply({ type: 'point', historyIndex: 3, ids: [9, 8, 7], tokens: ['a', 'b', 'c'], text: 'abc', feature: 0.1, xe: 9.5, iteration: 0, parentIds: [8, 7, 6] });
  assert.deepEqual(m.selectPoint(3), [{ type: 'inspect', ids: [9, 8, 7] }]);
  assert.deepEqual(m.selection!.before, { ids: [8, 7, 6], what: 'its parent' });
  assert.deepEqual(m.selectPoint(99), []);
});

test('history replaces the points and cross-checks the host frontier', () => {
  const m = modelAfterTwoIterations();
  m.apply({ type: 'history', points: { feature: [1, 2, 0], xe: [5, 6, 7], iteration: [-1, 0, 0], historyIndex: [0, 1, 2] }, frontier: [0, 1], iterationsDone: 0 });
  assert.equal(m.points.length, 3);
  assert.equal(m.frontierMismatch, null);
  m.apply({ type: 'history', points: { feature: [1, 2], xe: [5, 6], iteration: [-1, 0], historyIndex: [0, 1] }, frontier: [1], iterationsDone: 0 });
  assert.match(m.frontierMismatch ?? '', /host frontier has 1 points, webview computed 2/);
});

test('a new run clears the old one; the same run keeps the selection', () => {
  const m = modelAfterTwoIterations();
  m.selectRow(0);
  m.apply(initMessage('run-1'));
  assert.equal(m.points.length, 0);
  assert.ok(m.selection);
  m.apply(initMessage('run-2'));
  assert.equal(m.selection, null);
  assert.equal(stateOf(m), 'none');
});

test('a restored selection survives the init of its own run only', () => {
  const m = new PanelModel();
  const sel = { ids: [1, 2], tokens: ['a', 'b'], text: 'ab', feature: 1, xe: 2, origin: 'slot 0' };
  m.restore('run-1', sel, attribution([1, 2]));
  m.apply(initMessage('run-1'));
  assert.deepEqual(m.selection, sel);
  assert.equal(stateOf(m), 'ready');
  const other = new PanelModel();
  other.restore('run-1', sel, null);
  other.apply(initMessage('run-9'));
  assert.equal(other.selection, null);
});

test('persisted state is read defensively', () => {
  assert.deepEqual(readPersisted(undefined), emptyPersisted());
  assert.deepEqual(readPersisted({ v: 99, runId: 'x' }), emptyPersisted());
  const sel = { ids: [1, 2], tokens: ['a', 'b'], text: 'ab', feature: 1, xe: 2, origin: 'slot 0', historyIndex: 5, before: { ids: [1, 3], what: 'its parent' } };
  const good = { v: 1, runId: 'r', selection: sel, attribution: attribution([1, 2]), replayIteration: 40, zoom: { x: [2, 6], y: [0, 3] }, runAgainSeed: '12' };
  assert.deepEqual(readPersisted(JSON.parse(JSON.stringify(good))), good);
  const bad = readPersisted({ ...good, selection: { ...sel, tokens: ['a'] }, zoom: { x: [6, 2], y: [0, 3] }, runAgainSeed: '1; rm', replayIteration: 2.5 });
  assert.equal(bad.selection, null);
  assert.equal(bad.attribution, null, 'an attribution without its selection is dropped');
  assert.equal(bad.zoom, null);
  assert.equal(bad.runAgainSeed, null);
  assert.equal(bad.replayIteration, null);
  assert.equal(readPersisted({ ...good, selection: { ...sel, before: { ids: [1], what: 'x' } } }).selection?.before, undefined, 'a malformed parent is dropped, the selection kept');
  const badAttribution = readPersisted({ ...good, attribution: { ...attribution([1, 2]), tokens: 'x' } });
  assert.equal(badAttribution.attribution, null);
  assert.ok(badAttribution.selection);
});

test('run again: a new run\'s iterations restart at -1 and keep the earlier points', () => {
  const m = modelAfterTwoIterations();
  m.apply(iterationMessage(-1, [row(0, [7, 7, 7], 3, 3, 5), row(1, [8, 8, 8], 0.2, 2, 6)], [[3, 3, 5], [0.2, 2, 6]]));
  assert.equal(m.iteration, -1);
  assert.equal(m.points.length, 7);
  assert.equal(m.points.runStart, 5);
  assert.deepEqual([...m.trail.keys()], [-1], 'the population trail is the new run\'s');
  assert.equal(m.done(), 0);
});
