/**
 * Forward throughput (256×12 tokens) and forward+backward throughput (8×12, the EPO top-k graph)
 * on stories260K and on a random model shaped like Pythia-70m.
 */
import { Graph, toOnnx } from '../src/engine/graph';
import { buildForward } from '../src/engine/models/forward';
import { buildTopKGraph } from '../src/engine/dream/graphs';
import { neuron } from '../src/engine/features/builtins';
import { EngineSession } from '../src/engine/runtime/ort';
import { loadModel } from '../src/engine/models/load';
import type { Arch, NeoxArch } from '../src/engine/models/arch';
import type { WeightMap } from '../src/engine/models/weights';
import { median, timeRuns } from './timing';

export const PYTHIA_70M_SHAPE: NeoxArch = {
  family: 'neox', hiddenSize: 512, intermediateSize: 2048, numLayers: 6, numHeads: 8, headDim: 64, vocabSize: 50304,
  maxPositions: 2048, layerNormEps: 1e-5, rotaryPct: 0.25, rotaryDim: 16, ropeTheta: 10000, parallelResidual: true, hiddenAct: 'gelu', tiedEmbeddings: false,
};

/** Random weights for a NeoX architecture (N(0, 0.02) matrices, LayerNorm weights 1). */
export function randomNeoxWeights(a: NeoxArch, seed = 1): WeightMap {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0) / 2 ** 32 - 0.5) * 0.07;
  const w = new Map<string, { shape: number[]; data: Float32Array }>();
  const add = (name: string, shape: number[], fill?: number) => {
    const data = new Float32Array(shape.reduce((x, y) => x * y, 1));
    if (fill === undefined) for (let i = 0; i < data.length; i++) data[i] = rnd();
    else data.fill(fill);
    w.set(name, { shape, data });
  };
  const d = a.hiddenSize, m = a.intermediateSize;
  add('gpt_neox.embed_in.weight', [a.vocabSize, d]);
  add('embed_out.weight', [a.vocabSize, d]);
  add('gpt_neox.final_layer_norm.weight', [d], 1);
  add('gpt_neox.final_layer_norm.bias', [d], 0);
  for (let l = 0; l < a.numLayers; l++) {
    const p = `gpt_neox.layers.${l}.`;
    for (const ln of ['input_layernorm', 'post_attention_layernorm']) { add(`${p}${ln}.weight`, [d], 1); add(`${p}${ln}.bias`, [d], 0); }
    add(`${p}attention.query_key_value.weight`, [3 * d, d]); add(`${p}attention.query_key_value.bias`, [3 * d], 0);
    add(`${p}attention.dense.weight`, [d, d]); add(`${p}attention.dense.bias`, [d], 0);
    add(`${p}mlp.dense_h_to_4h.weight`, [m, d]); add(`${p}mlp.dense_h_to_4h.bias`, [m], 0);
    add(`${p}mlp.dense_4h_to_h.weight`, [d, m]); add(`${p}mlp.dense_4h_to_h.bias`, [d], 0);
  }
  return w;
}

/** Forward FLOPs for B sequences of T tokens: 2 per multiply-add in projections, attention and unembedding. */
export function forwardFlops(a: Arch, B: number, T: number): number {
  const d = a.hiddenSize, m = a.intermediateSize, L = a.numLayers;
  const kv = a.family === 'llama' ? a.numKvHeads * a.headDim : d;
  const mlpMats = a.family === 'llama' ? 3 : 2;
  const perTokenLayer = 2 * (d * d + 2 * d * kv + d * d + mlpMats * d * m) + 2 * 2 * T * d;
  return B * T * (L * perTokenLayer + 2 * d * a.vocabSize);
}

async function benchModel(label: string, name: string, arch: Arch, weights: WeightMap, bosId: number | undefined): Promise<void> {
  const n = 12;
  const T = n + (bosId === undefined ? 0 : 1);
  const V = arch.vocabSize;
  const ids = (B: number) => ({ dtype: 'int64' as const, dims: [B, T], data: BigInt64Array.from({ length: B * T }, (_, i) => BigInt((i * 7919) % Math.min(V, 500) + 3)) });

  const g = new Graph('fwd');
  const input = g.input('ids', 'int64', ['B', T]);
  g.output('logits', buildForward(g, arch, weights, input, name).logits);
  const fwd = await EngineSession.create(toOnnx(g));
  const B = 256;
  const tf = median(await timeRuns(() => fwd.run({ ids: ids(B) }), 5));
  const gf = forwardFlops(arch, B, T) / tf / 1e6;
  console.log(`${label}: forward ${B}×${T} tokens: ${tf.toFixed(1)} ms, ${((B * T) / tf * 1000).toFixed(0)} tokens/s, ${gf.toFixed(1)} GFLOP/s`);
  await fwd.release();

  const allowed = new Uint8Array(V).fill(1);
  const spec = { model: { name, arch, weights }, feature: neuron(arch.numLayers - 1, 5), n, bosId };
  const k = Math.min(512, V);
  const bw = await EngineSession.create(buildTopKGraph(spec, allowed, k));
  const Bb = 8;
  const lambda = { dtype: 'float32' as const, dims: [Bb], data: new Float32Array(Bb).fill(1) };
  const tb = median(await timeRuns(() => bw.run({ ids: ids(Bb), lambda }), 5));
  // Backward w.r.t. activations only costs about one more forward; the one-hot gradient adds a [n, d]×[d, V] product.
  const fb = 2 * forwardFlops(arch, Bb, T) + 2 * Bb * n * arch.hiddenSize * V;
  console.log(`${label}: forward+backward+top-${k} ${Bb}×${T}: ${tb.toFixed(1)} ms, ${((Bb * T) / tb * 1000).toFixed(0)} tokens/s, ${(fb / tb / 1e6).toFixed(1)} GFLOP/s (≈${(fb / 1e9).toFixed(2)} GFLOP)`);
  await bw.release();
}

export async function benchModels(): Promise<void> {
  const m = await loadModel('stories260K');
  await benchModel('stories260K', m.name, m.arch, m.weights, m.tokenizer.bosId);
  const t0 = performance.now();
  const w = randomNeoxWeights(PYTHIA_70M_SHAPE);
  console.log(`pythia-70m-shaped random weights: ${(performance.now() - t0).toFixed(0)} ms to generate`);
  await benchModel('pythia-70m-shaped', 'pythia-70m-random', PYTHIA_70M_SHAPE, w, undefined);
}
