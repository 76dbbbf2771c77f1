/**
 * The one-hot gradient EPO uses, on real models, against finite differences in the embedding (the
 * ∂loss/∂e·W_E part) plus the label term computed from the model's log-probs: stories260K, and the
 * tiny Gemma 2 (embedding scale, soft-caps, sandwich norms) and Qwen 3 (q/k norms) checkpoints.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EngineSession } from '../../src/engine/runtime/ort';
import { buildGradientGraph, buildLossGraph, DreamGraphSpec } from '../../src/engine/dream/graphs';
import { neuron } from '../../src/engine/features/builtins';
import { embeddingName } from '../../src/engine/models/forward';
import { loadModel } from '../../src/engine/models/load';
import { mulberry } from '../helpers/fd';

const CASES: [ref: string, layer: number, unit: number, firstId: number][] = [
  ['stories260K', 2, 17, 259],
  ['test/fixtures/models/gemma2-tiny', 1, 5, 0],
  ['test/fixtures/models/qwen3-tiny', 1, 9, 0],
];

for (const [ref, layer, unit, firstId] of CASES) {
  test(`one-hot gradient of neuron − λ·XE matches finite differences on ${ref.split('/').pop()}`, async (t) => {
    const model = await loadModel(ref);
    const config = model.arch;
    const n = 6, lambda = 0.7, V = config.vocabSize, d = config.hiddenSize;
    const tok = model.tokenizer;
    const bos = tok.addsBos && tok.bosId !== undefined ? [tok.bosId] : [];
    const spec: DreamGraphSpec = { model: { name: model.name, arch: config, weights: model.weights }, feature: neuron(layer, unit), n, bosId: bos[0] };
    const rand = mulberry(3);
    const usable = Math.min(V, tok.vocabSize) - 3;
    const prompt = Array.from({ length: n }, () => firstId + Math.floor(rand() * (usable - firstId)));
    const all = [...bos, ...prompt], off = bos.length;
    const ids = { dtype: 'int64' as const, dims: [1, all.length], data: BigInt64Array.from(all.map(BigInt)) };
    const lam = { dtype: 'float32' as const, dims: [1], data: Float32Array.of(lambda) };

    const gradSession = await EngineSession.create(buildGradientGraph(spec), { threads: 1 });
    const out = await gradSession.run({ ids, lambda: lam });
    const G = out.G.data as Float32Array;
    const logprobs = out.logprobs.data as Float32Array;
    assert.deepEqual(out.G.dims, [1, n, V]);

    const lossSession = await EngineSession.create(buildLossGraph(spec), { threads: 1 });
    const E = model.weights.get(embeddingName(config))!.data;
    const baseEmb = new Float32Array(all.length * d);
    all.forEach((tk, i) => baseEmb.set(E.subarray(tk * d, (tk + 1) * d), i * d));
    const loss = async (emb: Float32Array) =>
      ((await lossSession.run({ ids, lambda: lam, embeds: { dtype: 'float32', dims: [1, all.length, d], data: emb } })).loss.data as Float32Array)[0];

    const eps = 1e-2;
    let worst = 0, scale = 0;
    const probes = Array.from({ length: n }, (_, i) => [i, firstId + Math.floor(rand() * (usable - firstId))]).concat([[n - 1, prompt[n - 1]]]);
    for (const [i, v] of probes) {
      const plus = baseEmb.slice(), minus = baseEmb.slice();
      for (let c = 0; c < d; c++) {
        plus[(off + i) * d + c] += eps * E[v * d + c];
        minus[(off + i) * d + c] -= eps * E[v * d + c];
      }
      const viaEmbedding = (await loss(plus) - await loss(minus)) / (2 * eps);
      const label = i >= 1 ? (-lambda / (n - 1)) * logprobs[(i - 1) * V + v] : 0;
      const analytic = G[i * V + v];
      worst = Math.max(worst, Math.abs(viaEmbedding + label - analytic));
      scale = Math.max(scale, Math.abs(analytic));
    }
    t.diagnostic(`max |fd − analytic| = ${worst.toExponential(2)}, gradient scale ${scale.toFixed(3)}`);
    // float32 forward passes: central differences carry ~1e-4 absolute noise at this step size.
    assert.ok(scale > 0.05, `gradient scale ${scale} too small to be a meaningful check`);
    assert.ok(worst < 3e-3 + 1e-2 * scale, `max |fd − analytic| = ${worst} (scale ${scale})`);
    await gradSession.release();
    await lossSession.release();
  });
}
