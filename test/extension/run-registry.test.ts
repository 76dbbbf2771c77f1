/** The record of open dream panels that restores them after a reload. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { featureSource, recordFeature, RunRegistry, Store } from '../../src/extension/run-registry';

function memento(): Store & { data: Map<string, unknown> } {
  const data = new Map<string, unknown>();
  return { data, get: <T>(k: string) => data.get(k) as T | undefined, update: async (k, v) => { data.set(k, JSON.parse(JSON.stringify(v))); } };
}

test('records are kept, updated and removed; a file feature forgets its trust', async () => {
  const store = memento();
  const reg = new RunRegistry(store, () => new Date('2026-01-01T00:00:00Z'));
  const feature = recordFeature({ kind: 'file', file: '/w/f.ts', exportName: 'x', workspaceRoot: '/w', trusted: true });
  assert.deepEqual(feature, { kind: 'file', file: '/w/f.ts', exportName: 'x', workspaceRoot: '/w' });
  assert.deepEqual(featureSource(feature, false), { kind: 'file', file: '/w/f.ts', exportName: 'x', workspaceRoot: '/w', trusted: false });
  await reg.put({ sessionId: 's1', title: 'Dream: x', feature, config: { iterations: 5 }, runs: [] });
  await reg.put({ sessionId: 's2', title: 'Dream: neuron 2.17', feature: { kind: 'neuron', spec: '2.17' }, config: {}, runs: [] });
  await reg.update('s1', { runs: [{ id: 'a', seed: 0, state: 'running', iterationsDone: 3, iterations: 5, checkpointPath: '/s/s1-a.checkpoint.json' }] });
  await reg.update('gone', { frontierPath: '/w/dreams/x.frontier.json' });
  assert.equal(reg.get('gone'), undefined, 'updating an unknown panel does not create it');
  assert.equal(reg.get('s1')?.runs[0].iterationsDone, 3);
  assert.equal(reg.get('s1')?.updatedAt, '2026-01-01T00:00:00.000Z');
  assert.deepEqual([...reg.checkpointsInUse()], ['/s/s1-a.checkpoint.json']);

  // A new registry over the same store (the window reloaded) sees the same records.
  const again = new RunRegistry(store);
  assert.deepEqual(again.list().map((r) => r.sessionId).sort(), ['s1', 's2']);
  await again.remove('s1');
  assert.deepEqual(again.list().map((r) => r.sessionId), ['s2']);
  assert.deepEqual([...again.checkpointsInUse()], []);
});

test('records not touched for a month are pruned', async () => {
  const store = memento();
  let now = new Date('2026-01-01T00:00:00Z');
  const reg = new RunRegistry(store, () => now);
  await reg.put({ sessionId: 'old', title: 'a', feature: { kind: 'neuron', spec: '1.2' }, config: {}, runs: [] });
  now = new Date('2026-01-25T00:00:00Z');
  await reg.put({ sessionId: 'new', title: 'b', feature: { kind: 'neuron', spec: '1.3' }, config: {}, runs: [] });
  now = new Date('2026-02-05T00:00:00Z');
  await reg.prune(30);
  assert.deepEqual(reg.list().map((r) => r.sessionId), ['new']);
});
