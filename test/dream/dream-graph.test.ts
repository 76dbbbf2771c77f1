/**
 * The dream graph — score, top-k and saliency as branches of one model — gives what the separate
 * graphs give, for any k from one session, and holds each large weight once: in the outer graph,
 * read by the branches from the outer scope, never inside a branch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { onnx } from 'onnx-proto';
import { loadModel } from '../../src/engine/models/load';
import { neuronFeature } from '../../src/engine/dream/dream';
import { OrtDreamBackend, allowedTokens } from '../../src/engine/dream/backend';
import { buildScoreGraph, buildTopKGraph, buildSaliencyGraph, buildDreamGraph } from '../../src/engine/dream/graphs';
import { EngineSession } from '../../src/engine/runtime/ort';
import { ExternalStore, EXTERNAL_MIN_BYTES, cast, Graph, toOnnx } from '../../src/engine/graph';
import { buildForward } from '../../src/engine/models/forward';
import { usesFloat64 } from '../../src/engine/runtime/model-info';

const prompts = [Int32Array.of(300, 301, 302, 303, 304, 305, 306, 307), Int32Array.of(400, 17, 411, 260, 505, 333, 290, 299)];

test('the dream graph scores, ranks (any k) and attributes as the separate graphs do', async () => {
  const model = await loadModel('stories260K');
  const spec = { model: { name: model.name, arch: model.arch, weights: model.weights }, feature: neuronFeature(model, '2.17').fn, n: 8, bosId: model.tokenizer.bosId };
  const allowed = allowedTokens(model.tokenizer, model.arch.vocabSize);
  const backend = new OrtDreamBackend(spec, allowed, { threads: 1 });
  const ids = { dtype: 'int64' as const, dims: [2, 9], data: BigInt64Array.from(prompts.flatMap((p) => [BigInt(model.tokenizer.bosId!), ...[...p].map(BigInt)])) };
  try {
    const score = await EngineSession.create(buildScoreGraph(spec), { threads: 1 });
    const want = await score.run({ ids });
    const got = await backend.score(prompts);
    assert.deepEqual([...got.feature], [...(want.feature.data as Float32Array)]);
    assert.deepEqual([...got.xe], [...(want.xe.data as Float32Array)]);
    assert.deepEqual(got.nll.flatMap((r) => [...r]), [...(want.nll.data as Float32Array)]);
    await score.release();
    for (const k of [3, 16]) {
      const topk = await EngineSession.create(buildTopKGraph(spec, allowed, k), { threads: 1 });
      const ref = (await topk.run({ ids, lambda: { dtype: 'float32', dims: [2], data: Float32Array.of(0.5, 2) } })).topk.data as BigInt64Array;
      const mine = await backend.topK(prompts, [0.5, 2], k);
      assert.deepEqual(mine.flatMap((r) => [...r]), [...ref].map(Number), `k = ${k}`);
      await topk.release();
    }
    const sal = await EngineSession.create(buildSaliencyGraph(spec), { threads: 1 });
    const one = { dtype: 'int64' as const, dims: [1, 9], data: ids.data.slice(0, 9) };
    assert.deepEqual([...await backend.saliency(prompts[0])], [...((await sal.run({ ids: one })).saliency.data as Float32Array)]);
    await sal.release();
  } finally {
    await backend.dispose();
  }
});

test("with fromModel, each position's last candidates are the model's own most likely allowed next tokens", async () => {
  const model = await loadModel('stories260K');
  const bos = model.tokenizer.bosId!;
  const spec = { model: { name: model.name, arch: model.arch, weights: model.weights }, feature: neuronFeature(model, '2.17').fn, n: 8, bosId: bos };
  const allowed = allowedTokens(model.tokenizer, model.arch.vocabSize);
  const backend = new OrtDreamBackend(spec, allowed, { threads: 1 });
  // The logits from a plain forward pass: position i of the prompt is predicted at sequence index i (BOS first).
  const g = new Graph('logits');
  const ids = g.input('ids', 'int64', ['B', 9]);
  g.output('logits', buildForward(g, model.arch, model.weights, ids, model.name).logits);
  const fwd = await EngineSession.create(toOnnx(g), { threads: 1 });
  try {
    const V = model.arch.vocabSize, k = 16, fromModel = 5;
    const data = BigInt64Array.from(prompts.flatMap((p) => [BigInt(bos), ...[...p].map(BigInt)]));
    const logits = (await fwd.run({ ids: { dtype: 'int64', dims: [2, 9], data } })).logits.data as Float32Array;
    const plain = await backend.topK(prompts, [0.5, 2], k);
    const mixed = await backend.topK(prompts, [0.5, 2], k, fromModel);
    prompts.forEach((_, b) => {
      for (let i = 0; i < 8; i++) {
        const row = logits.subarray((b * 9 + i) * V, (b * 9 + i + 1) * V);
        const likely = [...Array(V).keys()].filter((v) => allowed[v]).sort((x, y) => row[y] - row[x]).slice(0, fromModel);
        const list = [...mixed[b].subarray(i * k, (i + 1) * k)];
        assert.deepEqual(list.slice(0, k - fromModel), [...plain[b].subarray(i * k, i * k + k - fromModel)], `prompt ${b} position ${i}: the gradient's best first`);
        assert.deepEqual(list.slice(k - fromModel), likely, `prompt ${b} position ${i}: then the model's own`);
      }
    });
    await assert.rejects(backend.topK(prompts, [1, 1], 4, 5), /the model's candidates must be an integer from 0 to k = 4, got 5/);
  } finally {
    await fwd.release();
    await backend.dispose();
  }
});

test('the dream graph holds each large weight once, in the outer graph', async () => {
  const model = await loadModel('stories260K');
  const store = new ExternalStore();
  try {
    const spec = { model: { name: model.name, arch: model.arch, weights: model.weights }, feature: neuronFeature(model, '2.17').fn, n: 8, store };
    const g = onnx.ModelProto.decode(buildDreamGraph(spec, allowedTokens(model.tokenizer, model.arch.vocabSize))).graph!;
    const outer = g.initializer!.filter((t) => t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL);
    assert.ok(outer.length > 10, `${outer.length} external weights`);
    const places = outer.map((t) => t.externalData!.find((e) => e.key === 'offset')!.value);
    assert.equal(new Set(places).size, places.length, 'no weight twice in the outer graph');
    const inBranches: string[] = [];
    const visit = (sub: onnx.IGraphProto) => {
      for (const t of sub.initializer ?? []) if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL || (t.rawData?.length ?? 0) >= EXTERNAL_MIN_BYTES) inBranches.push(t.name!);
      for (const n of sub.node ?? []) for (const a of n.attribute ?? []) if (a.g) visit(a.g);
    };
    for (const n of g.node!) for (const a of n.attribute ?? []) if (a.g) visit(a.g);
    assert.deepEqual(inBranches, [], 'large weights inside a branch');
    assert.deepEqual(g.node!.filter((n) => n.opType === 'If').length, 1, 'one If at the top, the next nested in its else branch');
  } finally {
    store.dispose();
  }
});

test('a float64 feature inside a branch is seen, so the session loads with basic optimisations', async () => {
  const model = await loadModel('stories260K');
  const neuron = neuronFeature(model, '2.17').fn;
  const allowed = allowedTokens(model.tokenizer, model.arch.vocabSize);
  const spec = (feature: typeof neuron) => ({ model: { name: model.name, arch: model.arch, weights: model.weights }, feature, n: 8 });
  assert.equal(usesFloat64(buildDreamGraph(spec(neuron), allowed)), false);
  const double = buildDreamGraph(spec((v) => cast(cast(neuron(v), 'float64'), 'float32')), allowed);
  assert.equal(usesFloat64(double), true);
  // Empty placeholders carry no data field (protobufjs decodes an empty one with the deprecated `new Buffer(0)`).
  const placeholders: onnx.ITensorProto[] = [];
  const visit = (g: onnx.IGraphProto) => {
    for (const n of g.node ?? []) for (const a of n.attribute ?? []) {
      if (a.g) visit(a.g);
      if (n.opType === 'Constant' && a.t && a.t.dims!.some((d) => Number(d) === 0)) placeholders.push(a.t);
    }
  };
  visit(onnx.ModelProto.decode(double).graph!);
  assert.ok(placeholders.length >= 4, `${placeholders.length} placeholders`);
  assert.deepEqual(placeholders.filter((t) => Object.hasOwn(t, 'rawData')).map((t) => t.name), []);
});

test('a top-k past the vocabulary is refused with the range, not an ONNX Runtime error', async () => {
  const model = await loadModel('stories260K');
  const spec = { model: { name: model.name, arch: model.arch, weights: model.weights }, feature: neuronFeature(model, '2.17').fn, n: 8 };
  const backend = new OrtDreamBackend(spec, allowedTokens(model.tokenizer, model.arch.vocabSize), { threads: 1 });
  try {
    await assert.rejects(backend.topK(prompts, [1, 1], model.arch.vocabSize + 1), /top-k must be an integer from 1 to the vocabulary's 512, got 513/);
    await assert.rejects(backend.topK(prompts, [1, 1], 0), /got 0/);
  } finally {
    await backend.dispose();
  }
});
