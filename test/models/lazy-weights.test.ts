/**
 * Lazy weights (large checkpoints): tensors are read from the safetensors file when a graph is
 * serialised and never kept in JS. Tracing a graph for its shapes reads nothing; a dream's graphs
 * read each tensor once into the external store (tied aliases once in all); results are the
 * eager model's, bit for bit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadModel, type LoadedModel } from '../../src/engine/models/load';
import { isLazy, lazyWeight, type WeightMap } from '../../src/engine/models/weights';
import { traceForward } from '../../src/engine/features/model-info';
import { neuronFeature } from '../../src/engine/dream/dream';
import { OrtDreamBackend, allowedTokens } from '../../src/engine/dream/backend';
import { ExternalStore, EXTERNAL_MIN_BYTES } from '../../src/engine/graph';

const fixture = (name: string) => join(__dirname, '..', 'fixtures', 'models', name);

/** The eager tensors behind lazy wrappers that count their reads. */
function counted(model: LoadedModel): { weights: WeightMap; reads: Map<string, number> } {
  const reads = new Map<string, number>();
  const wrapped = new Map<object, ReturnType<typeof lazyWeight>>();
  const weights: WeightMap = new Map();
  for (const [name, w] of model.weights) {
    let lazy = wrapped.get(w);
    if (!lazy) {
      lazy = lazyWeight(w.shape, () => { reads.set(name, (reads.get(name) ?? 0) + 1); return Float32Array.from(w.data); });
      wrapped.set(w, lazy);
    }
    weights.set(name, lazy);
  }
  return { weights, reads };
}

test('a large checkpoint loads lazily: every tensor lazy, the same values as an eager load', async () => {
  const eager = await loadModel(fixture('pythia-tiny'), { lazyWeights: false });
  const lazy = await loadModel(fixture('pythia-tiny'), { lazyWeights: true });
  assert.ok([...lazy.weights.values()].every(isLazy));
  assert.ok(![...eager.weights.values()].some(isLazy));
  assert.deepEqual([...lazy.weights.keys()], [...eager.weights.keys()]);
  for (const [name, w] of eager.weights) assert.deepEqual(lazy.weights.get(name)!.data, w.data, name);
});

for (const family of ['pythia-tiny', 'qwen2-tiny', 'gpt2-tiny']) {
  test(`${family}: tracing reads no weights; a dream's graph reads each tensor once and scores as the eager model does`, async () => {
    const model = await loadModel(fixture(family), { lazyWeights: false });
    const { weights, reads } = counted(model);
    const lazyModel = { ...model, weights };
    traceForward(lazyModel, 6, 0);
    assert.equal(reads.size, 0, `tracing for shapes read ${[...reads.keys()].join(', ')}`);

    const feature = neuronFeature(model, '1.3').fn;
    const allowed = allowedTokens(model.tokenizer, model.arch.vocabSize);
    const spec = (m: LoadedModel) => ({ model: { name: m.name, arch: m.arch, weights: m.weights }, feature, n: 6 });
    const eagerBackend = new OrtDreamBackend(spec(model), allowed, { threads: 1 }, { external: true });
    const lazyBackend = new OrtDreamBackend(spec(lazyModel), allowed, { threads: 1 }, { external: true });
    try {
      const prompts = [Int32Array.of(5, 6, 7, 8, 9, 10), Int32Array.of(40, 17, 41, 26, 50, 33)];
      const [a, b] = [await eagerBackend.score(prompts), await lazyBackend.score(prompts)];
      assert.deepEqual([...b.feature], [...a.feature]);
      assert.deepEqual([...b.xe], [...a.xe]);
      for (const [name, n] of reads) {
        // A fused projection is split into parts, each made from one read of the fused tensor.
        // Large tensors go to the store once; small ones (norms, biases) are inline in each of the
        // dream graph's three branches.
        const large = 4 * weights.get(name)!.shape.reduce((x, y) => x * y, 1) >= EXTERNAL_MIN_BYTES;
        assert.ok(n <= (large ? 3 : 9), `${name} read ${n} times by the dream graph`);
      }
      const afterScore = new Map(reads);
      assert.deepEqual(await lazyBackend.topK(prompts, [0.5, 2], 4), await eagerBackend.topK(prompts, [0.5, 2], 4));
      assert.deepEqual([...await lazyBackend.saliency(prompts[0])], [...await eagerBackend.saliency(prompts[0])]);
      assert.deepEqual(reads, afterScore, 'the top-k and saliency run on the graph already built: nothing read again');
      const store = (b: OrtDreamBackend) => (b as unknown as { store: ExternalStore }).store;
      assert.equal(store(lazyBackend).bytes, store(eagerBackend).bytes, 'the lazy store holds what the eager one does (tied aliases once)');
    } finally {
      await eagerBackend.dispose();
      await lazyBackend.dispose();
    }
  });
}

test('reading a large model into the graphs reports its progress, up to the weights in the graph dtype', async () => {
  const model = await loadModel(fixture('gemma2-tiny'), { lazyWeights: true });
  for (const dtype of ['float32', 'float16'] as const) {
    const seen: [number, number][] = [];
    const backend = new OrtDreamBackend(
      { model: { name: model.name, arch: model.arch, weights: model.weights }, feature: neuronFeature(model, '1.3').fn, n: 6, dtype },
      allowedTokens(model.tokenizer, model.arch.vocabSize), { threads: 1 }, { external: true, onWeights: (done, total) => seen.push([done, total]) },
    );
    try {
      await backend.warmUp();
      const total = seen[0][1];
      assert.equal(total, (dtype === 'float16' ? 2 : 4) * [...new Set(model.weights.values())].reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0));
      assert.ok(seen.every(([d], i) => i === 0 || d >= seen[i - 1][0]), 'done only grows');
      const last = seen.at(-1)![0];
      assert.equal(last, total, `${dtype}: ended at ${last} of ${total}`);
      assert.ok(seen.length >= 3, 'progress along the way, not only at the end');
    } finally {
      await backend.dispose();
    }
  }
});
