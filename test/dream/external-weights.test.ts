/**
 * Weights as ONNX external data: a dream's graphs reference one weights file instead of carrying
 * the weights in every protobuf; the results are the inline graphs' results, and a graph built
 * later adds nothing to the file (the weights are written once, shared by every session).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { onnx } from 'onnx-proto';
import { loadModel } from '../../src/engine/models/load';
import { dreamBackend, neuronFeature } from '../../src/engine/dream/dream';
import { OrtDreamBackend, allowedTokens } from '../../src/engine/dream/backend';
import { buildScoreGraph, buildTopKGraph, buildSaliencyGraph } from '../../src/engine/dream/graphs';
import { ExternalStore, EXTERNAL_MIN_BYTES } from '../../src/engine/graph';
import { weightBytes } from '../../src/engine/models/weights';

test('external weights give the inline results; later graphs reuse the file; the folder is removed on dispose', async () => {
  const model = await loadModel('stories260K');
  const feature = neuronFeature(model, '2.17');
  const inline = dreamBackend(model, feature.fn, 8, { threads: 1 });
  const spec = { model: { name: model.name, arch: model.arch, weights: model.weights }, feature: feature.fn, n: 8, bosId: model.tokenizer.bosId };
  const external = new OrtDreamBackend(spec, allowedTokens(model.tokenizer, model.arch.vocabSize), { threads: 1 }, { external: true });
  const prompts = [Int32Array.of(300, 301, 302, 303, 304, 305, 306, 307), Int32Array.of(400, 17, 411, 260, 505, 333, 290, 299)];
  const [a, b] = [await inline.score(prompts), await external.score(prompts)];
  assert.deepEqual([...b.feature], [...a.feature]);
  assert.deepEqual([...b.xe], [...a.xe]);
  assert.deepEqual(await external.topK(prompts, [0.5, 2], 16), await inline.topK(prompts, [0.5, 2], 16));
  const afterTwoGraphs = external.externalBytes;
  assert.ok(afterTwoGraphs > 0.5 * weightBytes(model.weights), `${afterTwoGraphs} bytes external`);
  assert.deepEqual([...(await external.saliency(prompts[0]))], [...(await inline.saliency(prompts[0]))]);
  assert.equal(external.externalBytes, afterTwoGraphs, 'the saliency graph reuses the weights already in the file');
  const dir = (external as unknown as { store: ExternalStore }).store.dir;
  await inline.dispose();
  await external.dispose();
  assert.equal(existsSync(dir), false, 'the weights folder is removed with the backend');
});

test('an external model protobuf holds references, not weights', async () => {
  const model = await loadModel('stories260K');
  const store = new ExternalStore();
  try {
    const spec = { model: { name: model.name, arch: model.arch, weights: model.weights }, feature: neuronFeature(model, '2.17').fn, n: 8, store };
    const bytes = buildScoreGraph(spec);
    const inits = onnx.ModelProto.decode(bytes).graph!.initializer!;
    const ext = inits.filter((t) => t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL);
    assert.ok(ext.length > 10);
    for (const t of ext) {
      const kv = Object.fromEntries(t.externalData!.map((e) => [e.key, e.value]));
      assert.equal(kv.location, 'weights.bin');
      assert.equal(Number(kv.offset) % 65536, 0, 'aligned so ONNX Runtime can map it');
    }
    assert.ok(bytes.length < store.bytes / 4, `protobuf ${bytes.length} bytes, weights file ${store.bytes}`);
  } finally {
    store.dispose();
  }
});

test('no graph of a dream transposes a weight (ONNX Runtime would fold it into a resident copy)', async () => {
  const model = await loadModel('stories260K');
  const spec = { model: { name: model.name, arch: model.arch, weights: model.weights }, feature: neuronFeature(model, '2.17').fn, n: 8 };
  const allowed = allowedTokens(model.tokenizer, model.arch.vocabSize);
  for (const [name, bytes] of [['score', buildScoreGraph(spec)], ['topk', buildTopKGraph(spec, allowed, 8)], ['saliency', buildSaliencyGraph(spec)]] as const) {
    const g = onnx.ModelProto.decode(bytes).graph!;
    const big = new Set(g.initializer!.filter((t) => (t.rawData?.length ?? 0) >= EXTERNAL_MIN_BYTES).map((t) => t.name));
    const folded = g.node!.filter((n) => n.opType === 'Transpose' && big.has(n.input![0]));
    assert.deepEqual(folded.map((n) => n.input![0]), [], `${name} graph transposes weights`);
  }
});
