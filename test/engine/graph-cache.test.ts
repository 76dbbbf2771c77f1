/**
 * The graph cache: a second session for the same graph loads ORT's optimised graph and computes
 * exactly what a fresh one does; another graph is another entry; a damaged entry is rebuilt; a
 * folder that cannot be made only means no cache; the environment turns it off.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel } from '../../src/engine/models/load';
import { neuronFeature } from '../../src/engine/dream/dream';
import { buildDreamGraph } from '../../src/engine/dream/graphs';
import { allowedTokens } from '../../src/engine/dream/backend';
import { EngineSession, TensorData } from '../../src/engine/runtime/ort';
import { defaultGraphCacheDir } from '../../src/engine/runtime/graph-cache';

async function graphOf(n: number): Promise<Uint8Array> {
  const model = await loadModel('stories260K');
  const spec = { model: { name: model.id, arch: model.arch, weights: model.weights }, feature: neuronFeature(model, '2.17').fn, n, bosId: 1 };
  return buildDreamGraph(spec, allowedTokens(model.tokenizer, model.arch.vocabSize));
}

function feeds(n: number): Record<string, TensorData> {
  const ids = BigInt64Array.from({ length: 3 * (n + 1) }, (_, i) => BigInt(i % (n + 1) === 0 ? 1 : 3 + ((i * 37) % 500)));
  return {
    ids: { dtype: 'int64', dims: [3, n + 1], data: ids },
    lambda: { dtype: 'float32', dims: [3], data: new Float32Array(3) },
    k: { dtype: 'int64', dims: [1], data: BigInt64Array.of(1n) },
    kLm: { dtype: 'int64', dims: [1], data: BigInt64Array.of(1n) },
    branch: { dtype: 'int64', dims: [], data: BigInt64Array.of(0n) },
  };
}

async function score(bytes: Uint8Array, n: number, graphCache?: string): Promise<{ out: Record<string, TensorData>; fromCache: boolean }> {
  const s = await EngineSession.create(bytes, { threads: 1, graphCache });
  const out = await s.run(feeds(n), ['feature', 'xe']);
  await s.release();
  return { out, fromCache: s.fromCache };
}

test('graph cache: the second session loads the optimised graph and computes exactly the same', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'reverie-graphs-'));
  try {
    const bytes = await graphOf(6);
    const fresh = await score(bytes, 6);
    const first = await score(bytes, 6, dir);
    assert.equal(first.fromCache, false);
    assert.equal(readdirSync(dir).filter((f) => f.endsWith('.onnx')).length, 1, 'one entry, no temporaries left');
    const second = await score(bytes, 6, dir);
    assert.equal(second.fromCache, true);
    assert.deepEqual(second.out, fresh.out, 'the optimised graph computes what a fresh session does');
    // Another prompt length is another graph, so another entry.
    assert.equal((await score(await graphOf(7), 7, dir)).fromCache, false);
    assert.equal(readdirSync(dir).length, 2);
    // Damaged entries are deleted and rebuilt.
    for (const f of readdirSync(dir)) writeFileSync(join(dir, f), 'not an onnx model');
    const seven = await graphOf(7);
    assert.equal((await score(bytes, 6, dir)).fromCache, false);
    assert.equal((await score(seven, 7, dir)).fromCache, false);
    assert.equal((await score(bytes, 6, dir)).fromCache, true, 'whole again');
    assert.deepEqual((await score(bytes, 6, dir)).out, fresh.out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('graph cache: a folder that cannot be made means no cache, not an error; REVERIE_GRAPH_CACHE chooses or turns it off', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'reverie-graphs-no-'));
  try {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    // Under a file no folder can be made, whoever runs this (root included).
    const r = await score(await graphOf(6), 6, join(file, 'graphs'));
    assert.equal(r.fromCache, false);
    assert.equal(r.out.feature.data.length, 3);
    assert.deepEqual(readdirSync(dir), ['a-file'], 'nothing written');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(defaultGraphCacheDir({ REVERIE_GRAPH_CACHE: 'off' }), undefined);
  assert.equal(defaultGraphCacheDir({ REVERIE_GRAPH_CACHE: '/x/y' }), '/x/y');
  assert.equal(defaultGraphCacheDir({ XDG_CACHE_HOME: '/c' }), join('/c', 'reverie', 'graphs'));
});
