/**
 * Half precision (`--dtype fp16`): the same graphs with fp16 weights and activations, and the
 * accumulations that need it (norm statistics, attention softmax, logits, log-softmax, the
 * cross-entropy, the feature, the one-hot gradient's last product) in fp32. On the CPU ONNX Runtime
 * runs the fp16 ops by casting them to fp32, so this checks the graph construction and the
 * rounding of weights and activations; the GPU runs the same graph with fp16 kernels.
 *
 * The tolerance EPO needs, against fp32 on every family (measured worst cases in brackets):
 * feature |Δ| ≤ 5e-3 · max|f| (3e-3, qwen3-tiny), self-XE |Δ| ≤ 0.02 nats (6e-3), one-hot gradient
 * |Δ| ≤ 0.01 · max|G| (5.3e-3, llama3-tiny), and ≥ 98 % of each position's top-16 candidates
 * the same (≥ 99.4 %).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { onnx } from 'onnx-proto';
import { loadModel } from '../../src/engine/models/load';
import { neuronFeature } from '../../src/engine/dream/dream';
import { buildGradientGraph, buildScoreGraph } from '../../src/engine/dream/graphs';
import { EngineSession } from '../../src/engine/runtime/ort';
import { graphDtype } from '../../src/engine/runtime/precision';
import { halfBits, toHalf } from '../../src/engine/graph/dtype';

test('halfBits rounds to nearest even, with subnormals, overflow to infinity and NaN', () => {
  const cases: [number, number][] = [
    [1, 0x3c00], [-2, 0xc000], [0.5, 0x3800], [65504, 0x7bff], [65520, 0x7c00], [1e6, 0x7c00], [-Infinity, 0xfc00],
    [2 ** -24, 0x0001], [2 ** -25, 0x0000], [3 * 2 ** -25, 0x0002], [2 ** -14, 0x0400], [0, 0], [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02],
  ];
  for (const [v, bits] of cases) assert.equal(halfBits(v), bits, `${v} → 0x${halfBits(v).toString(16)}, expected 0x${bits.toString(16)}`);
  assert.equal(halfBits(NaN) & 0x7c00, 0x7c00);
  assert.notEqual(halfBits(NaN) & 0x3ff, 0);
  assert.deepEqual([...toHalf([1, -1])], [0x3c00, 0xbc00]);
});

test('dtype: auto is fp16 on CUDA and fp32 elsewhere; bf16 is refused with the reason', () => {
  assert.equal(graphDtype('auto', 'cpu'), 'float32');
  assert.equal(graphDtype('auto', 'webgpu'), 'float32');
  assert.equal(graphDtype('auto', 'cuda'), 'float16');
  assert.equal(graphDtype('fp16', 'cpu'), 'float16');
  assert.equal(graphDtype(undefined, undefined), 'float32');
  assert.throws(() => graphDtype('bf16', 'cpu'), /bf16: ONNX Runtime's CPU and WebGPU providers have no bfloat16 kernels/);
});

const MODELS = ['stories260K', ...['llama3-tiny', 'mistral-tiny', 'qwen2-tiny', 'qwen3-tiny', 'gemma2-tiny', 'gemma3-tiny', 'pythia-tiny', 'gpt2-tiny'].map((m) => `test/fixtures/models/${m}`)];

for (const ref of MODELS) {
  test(`fp16 agrees with fp32 within EPO's tolerance: ${ref.split('/').pop()}`, async () => {
    const model = await loadModel(ref);
    const n = 8, B = 4;
    const spec = { model: { name: model.name, arch: model.arch, weights: model.weights }, feature: neuronFeature(model, '1.3').fn, n };
    const ids = new BigInt64Array(B * n).map((_, i) => BigInt(5 + ((i * 37) % 60)));
    const feeds = { ids: { dtype: 'int64' as const, dims: [B, n], data: ids }, lambda: { dtype: 'float32' as const, dims: [B], data: Float32Array.of(0.5, 1, 2, 4) } };
    const run = async (dtype: 'float32' | 'float16') => {
      const s = await EngineSession.create(buildGradientGraph({ ...spec, dtype }), { threads: 1 });
      try { return await s.run(feeds); } finally { await s.release(); }
    };
    const [a, b] = [await run('float32'), await run('float16')];
    const maxAbs = (x: ArrayLike<number>) => Array.from(x).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const diff = (x: ArrayLike<number>, y: ArrayLike<number>) => Array.from(x).reduce((m, v, i) => Math.max(m, Math.abs(v - y[i])), 0);
    const [fa, fb] = [a.feature.data as Float32Array, b.feature.data as Float32Array];
    assert.ok(diff(fa, fb) <= 5e-3 * Math.max(1e-2, maxAbs(fa)), `feature ${[...fa]} vs ${[...fb]}`);
    assert.ok(diff(a.xe.data as Float32Array, b.xe.data as Float32Array) <= 0.02, `xe ${[...a.xe.data]} vs ${[...b.xe.data]}`);
    const [Ga, Gb] = [a.G.data as Float32Array, b.G.data as Float32Array];
    assert.ok(diff(Ga, Gb) <= 0.01 * maxAbs(Ga), `gradient differs by ${diff(Ga, Gb)} (max |G| ${maxAbs(Ga)})`);
    const V = model.arch.vocabSize;
    let same = 0;
    for (let p = 0; p < B * n; p++) {
      const top = (G: Float32Array) => [...Array(V).keys()].sort((i, j) => G[p * V + i] - G[p * V + j]).slice(0, 16);
      const inA = new Set(top(Ga));
      same += top(Gb).filter((v) => inA.has(v)).length;
    }
    assert.ok(same / (16 * B * n) >= 0.98, `top-16 overlap ${(same / (16 * B * n)).toFixed(3)}`);
  });
}

test('an fp16 graph holds its weights as fp16 and gives fp32 outputs', () => {
  return loadModel('test/fixtures/models/gemma2-tiny').then((model) => {
    const bytes = buildScoreGraph({ model: { name: model.name, arch: model.arch, weights: model.weights }, feature: neuronFeature(model, '1.3').fn, n: 6, dtype: 'float16' });
    const g = onnx.ModelProto.decode(bytes).graph!;
    const big = g.initializer!.filter((t) => (t.rawData?.length ?? 0) >= 1024);
    assert.ok(big.length > 5 && big.every((t) => t.dataType === onnx.TensorProto.DataType.FLOAT16), 'weights are fp16');
    for (const o of g.output!) assert.equal(o.type!.tensorType!.elemType, onnx.TensorProto.DataType.FLOAT, o.name!);
  });
});

test("a feature's dtype applies unless the caller asked for one", async () => {
  const { sessionFor } = await import('../../src/engine/dream/dream');
  assert.equal(sessionFor({ provider: 'cpu' }, { dtype: 'fp16' }).dtype, 'fp16');
  assert.equal(sessionFor({ dtype: 'auto' }, { dtype: 'fp16' }).dtype, 'fp16');
  assert.equal(sessionFor({ dtype: 'fp32' }, { dtype: 'fp16' }).dtype, 'fp32');
  assert.equal(sessionFor(undefined, {}).dtype, 'auto');
  assert.equal(sessionFor({ dtype: 'fp16', threads: 2 }, {}).threads, 2);
});
