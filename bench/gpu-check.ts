/**
 * Numerics of a GPU provider against the CPU in fp32: the dream's gradient graph (feature, self-XE,
 * the one-hot gradient G and its top-16 candidates per position) on the bundled model and tiny
 * checkpoints of two families, run on REVERIE_BENCH_PROVIDER (default webgpu) in fp32 and fp16.
 * Prints the provider that actually ran (a fallback to CPU is named) and the worst differences,
 * to read against the fp16 tolerance `test/models/fp16.test.ts` states for the CPU. Then the dream
 * graph itself (score, top-k and saliency as `If` branches of one session) on the provider against
 * the CPU: the branches must run there as the separate graphs do.
 */
import { join } from 'node:path';
import { loadModel } from '../src/engine/models/load';
import { neuronFeature, dreamBackend } from '../src/engine/dream/dream';
import { buildGradientGraph } from '../src/engine/dream/graphs';
import { EngineSession, type Provider, type TensorData } from '../src/engine/runtime/ort';

const MODELS = ['stories260K', 'test/fixtures/models/gemma2-tiny', 'test/fixtures/models/pythia-tiny'];

export async function benchGpuCheck(): Promise<void> {
  const provider = (process.env.REVERIE_BENCH_PROVIDER ?? 'webgpu') as Provider;
  for (const ref of MODELS) {
    const model = await loadModel(ref === 'stories260K' ? ref : join(__dirname, '..', ref));
    const n = 8, B = 4;
    const spec = { model: { name: model.name, arch: model.arch, weights: model.weights }, feature: neuronFeature(model, '1.3').fn, n };
    const ids = new BigInt64Array(B * n).map((_, i) => BigInt(5 + ((i * 37) % 60)));
    const feeds = { ids: { dtype: 'int64' as const, dims: [B, n], data: ids }, lambda: { dtype: 'float32' as const, dims: [B], data: Float32Array.of(0.5, 1, 2, 4) } };
    const run = async (p: Provider, dtype: 'float32' | 'float16'): Promise<{ out: Record<string, TensorData>; ran: string; ms: number }> => {
      const s = await EngineSession.create(buildGradientGraph({ ...spec, dtype }), { provider: p, threads: 0 });
      try {
        await s.run(feeds);
        const t0 = performance.now();
        const out = await s.run(feeds);
        return { out, ran: s.warning ? `cpu (${s.warning})` : s.provider, ms: performance.now() - t0 };
      } finally {
        await s.release();
      }
    };
    const ref32 = await run('cpu', 'float32');
    for (const dtype of ['float32', 'float16'] as const) {
      const got = await run(provider, dtype);
      const a = ref32.out, b = got.out;
      const arr = (t: TensorData) => t.data as Float32Array;
      const maxAbs = (x: Float32Array) => x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      const diff = (x: Float32Array, y: Float32Array) => x.reduce((m, v, i) => Math.max(m, Math.abs(v - y[i])), 0);
      const V = model.arch.vocabSize;
      let same = 0;
      for (let p = 0; p < B * n; p++) {
        const top = (G: Float32Array) => [...Array(V).keys()].sort((i, j) => G[p * V + i] - G[p * V + j]).slice(0, 16);
        const inA = new Set(top(arr(a.G)));
        same += top(arr(b.G)).filter((v) => inA.has(v)).length;
      }
      console.log(`${model.name} on ${got.ran} in ${dtype} (${got.ms.toFixed(1)} ms; CPU fp32 ${ref32.ms.toFixed(1)} ms): ` +
        `feature |Δ| ${diff(arr(a.feature), arr(b.feature)).toExponential(2)} of max ${maxAbs(arr(a.feature)).toFixed(3)}, ` +
        `XE |Δ| ${diff(arr(a.xe), arr(b.xe)).toExponential(2)}, G |Δ| ${(diff(arr(a.G), arr(b.G)) / maxAbs(arr(a.G))).toExponential(2)} of max |G|, ` +
        `top-16 overlap ${(same / (16 * B * n)).toFixed(3)}`);
    }
    const prompts = [0, 1].map((b) => Int32Array.from(ids.subarray(b * n, (b + 1) * n), Number));
    const onCpu = dreamBackend(model, spec.feature, n, { provider: 'cpu', dtype: 'fp32' });
    const onProvider = dreamBackend(model, spec.feature, n, { provider, dtype: 'fp32' });
    try {
      const [a, b] = [await onCpu.score(prompts), await onProvider.score(prompts)];
      const [ta, tb] = [await onCpu.topK(prompts, [0.5, 2], 16), await onProvider.topK(prompts, [0.5, 2], 16)];
      const overlap = ta.reduce((s, r, i) => s + [...tb[i]].filter((v) => r.includes(v)).length, 0) / ta.reduce((s, r) => s + r.length, 0);
      const sal = [await onCpu.saliency(prompts[0]), await onProvider.saliency(prompts[0])];
      console.log(`${model.name} dream graph on ${onProvider.warnings[0] ? `cpu (${onProvider.warnings[0]})` : onProvider.ranOn}: ` +
        `feature |Δ| ${Math.max(...a.feature.map((v, i) => Math.abs(v - b.feature[i]))).toExponential(2)}, ` +
        `XE |Δ| ${Math.max(...a.xe.map((v, i) => Math.abs(v - b.xe[i]))).toExponential(2)}, top-16 overlap ${overlap.toFixed(3)}, ` +
        `saliency |Δ| ${Math.max(...sal[0].map((v, i) => Math.abs(v - sal[1][i]))).toExponential(2)}`);
    } finally {
      await onCpu.dispose();
      await onProvider.dispose();
    }
  }
}
