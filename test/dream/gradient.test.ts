/**
 * The one-hot gradient EPO uses, on the real stories260K model, against finite differences in the
 * embedding (the ∂loss/∂e·W_E part) plus the label term computed from the model's log-probs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readLlama2c } from '../../src/engine/models/llama2c';
import { EngineSession } from '../../src/engine/runtime/ort';
import { buildGradientGraph, buildLossGraph, DreamGraphSpec } from '../../src/engine/dream/graphs';
import { neuron } from '../../src/engine/features/builtins';
import { mulberry } from '../helpers/fd';

const MODEL = 'media/models/stories260K/stories260K.bin';

test('one-hot gradient of neuron − λ·XE matches finite differences on stories260K', async (t) => {
  const { config, weights } = await readLlama2c(MODEL);
  const n = 6, lambda = 0.7, V = config.vocabSize, d = config.hiddenSize;
  const spec: DreamGraphSpec = { model: { name: 'stories260K', arch: { family: 'llama', ...config }, weights }, feature: neuron(2, 17), n, bosId: 1 };
  const rand = mulberry(3);
  const prompt = Array.from({ length: n }, () => 259 + Math.floor(rand() * (V - 259)));
  const ids = { dtype: 'int64' as const, dims: [1, n + 1], data: BigInt64Array.from([1, ...prompt].map(BigInt)) };
  const lam = { dtype: 'float32' as const, dims: [1], data: Float32Array.of(lambda) };

  const gradSession = await EngineSession.create(buildGradientGraph(spec), { threads: 1 });
  const out = await gradSession.run({ ids, lambda: lam });
  const G = out.G.data as Float32Array;
  const logprobs = out.logprobs.data as Float32Array;
  assert.deepEqual(out.G.dims, [1, n, V]);

  const lossSession = await EngineSession.create(buildLossGraph(spec), { threads: 1 });
  const E = weights.get('model.embed_tokens.weight')!.data;
  const baseEmb = new Float32Array((n + 1) * d);
  [1, ...prompt].forEach((t, i) => baseEmb.set(E.subarray(t * d, (t + 1) * d), i * d));
  const loss = async (emb: Float32Array) =>
    ((await lossSession.run({ ids, lambda: lam, embeds: { dtype: 'float32', dims: [1, n + 1, d], data: emb } })).loss.data as Float32Array)[0];

  const eps = 1e-2;
  let worst = 0, scale = 0;
  for (const [i, v] of [[0, 300], [1, 17], [2, 411], [3, 260], [4, 505], [5, 333], [5, prompt[5]]]) {
    const plus = baseEmb.slice(), minus = baseEmb.slice();
    for (let c = 0; c < d; c++) {
      plus[(1 + i) * d + c] += eps * E[v * d + c];
      minus[(1 + i) * d + c] -= eps * E[v * d + c];
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
