/**
 * `reverie demo-engine`: builds a small random transformer with the graph engine, runs its forward
 * and backward pass in the engine worker, and shows that the main thread kept serving timers.
 */
import type { Command } from 'commander';
import { intArg } from '../numbers';
import {
  Graph, SymTensor, add, linear, splitHeads, rotary, causalAttention, reshape, rmsNorm, silu, logSoftmax, gatherElements,
  reduceMean, neg, grad, toOnnx, mul, reduceSum, sqrt,
} from '../../engine/graph';
import { WorkerSessionHost } from '../../engine/runtime/worker-host';
import type { Provider, TensorData } from '../../engine/runtime/ort';

export interface DemoConfig {
  layers: number;
  dModel: number;
  heads: number;
  kvHeads: number;
  seq: number;
  batch: number;
  vocab: number;
  runs: number;
  provider: Provider;
  threads: number;
}

export interface DemoResult {
  /** Mean NLL per token of the random targets. */
  loss: number;
  logitsDims: number[];
  gradNorm: number;
  runMs: number[];
  ticks: number[];
}

function uniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0) / 2 ** 32) * 2 - 1;
}

/**
 * Llama-style pre-norm blocks (RMSNorm, grouped-query causal attention with rotary, SiLU MLP) on
 * input embeddings [B, n, d]; returns logits [B, n, vocab].
 */
function randomTransformer(emb: SymTensor, c: DemoConfig): SymTensor {
  const g = emb.graph;
  const rnd = uniform(7);
  const weight = (shape: number[], scale: number) => {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = rnd() * scale;
    return g.constant(data, shape);
  };
  const ones = () => g.constant(new Float32Array(c.dModel).fill(1), [c.dModel]);
  const headDim = c.dModel / c.heads;
  const s = Math.sqrt(3 / c.dModel); // uniform(-s, s) has variance 1/d
  const rope = { rotaryDim: headDim, theta: 10000, pairing: 'half' as const };
  let x = emb;
  for (let l = 0; l < c.layers; l++) {
    const h = rmsNorm(x, ones(), 1e-5);
    const q = rotary(splitHeads(linear(h, weight([c.heads * headDim, c.dModel], s)), c.heads), rope);
    const k = rotary(splitHeads(linear(h, weight([c.kvHeads * headDim, c.dModel], s)), c.kvHeads), rope);
    const v = splitHeads(linear(h, weight([c.kvHeads * headDim, c.dModel], s)), c.kvHeads);
    const { z } = causalAttention(q, k, v);
    x = add(x, linear(reshape(z, ['B', c.seq, c.dModel]), weight([c.dModel, c.dModel], s)));
    const up = silu(linear(rmsNorm(x, ones(), 1e-5), weight([4 * c.dModel, c.dModel], s)));
    x = add(x, linear(up, weight([c.dModel, 4 * c.dModel], Math.sqrt(3 / (4 * c.dModel)))));
  }
  return linear(rmsNorm(x, ones(), 1e-5), weight([c.vocab, c.dModel], s));
}

/**
 * The model, its loss (per-example mean NLL of random targets, summed over the batch: the batch
 * dim is symbolic, so its size is not known when building) and |d loss / d embeddings|.
 */
function buildDemoGraph(c: DemoConfig): Uint8Array {
  if (c.dModel % c.heads || c.heads % c.kvHeads) throw new Error(`d-model ${c.dModel}, heads ${c.heads}, kv-heads ${c.kvHeads}: need d-model % heads = 0 and heads % kv-heads = 0`);
  const g = new Graph('demo');
  const emb = g.input('emb', 'float32', ['B', c.seq, c.dModel]);
  const targets = g.input('targets', 'int64', ['B', c.seq, 1]);
  const logits = randomTransformer(emb, c);
  const nll = neg(gatherElements(logSoftmax(logits, -1), targets, 2));
  const loss = reduceSum(reduceMean(nll, [1, 2]), [0]);
  const [dEmb] = grad(loss, [emb]);
  g.output('logits', logits);
  g.output('loss', loss);
  g.output('grad_norm', sqrt(reduceSum(mul(dEmb, dEmb), [0, 1, 2])));
  return toOnnx(g);
}

function feeds(c: DemoConfig): Record<string, TensorData> {
  const rnd = uniform(11);
  const emb = new Float32Array(c.batch * c.seq * c.dModel).map(() => rnd());
  const targets = BigInt64Array.from({ length: c.batch * c.seq }, () => BigInt(Math.floor(((rnd() + 1) / 2) * c.vocab) % c.vocab));
  return {
    emb: { dtype: 'float32', dims: [c.batch, c.seq, c.dModel], data: emb },
    targets: { dtype: 'int64', dims: [c.batch, c.seq, 1], data: targets },
  };
}

/** Builds, runs `c.runs` times in the worker while counting 10 ms timer ticks, prints a summary. */
export async function runDemoEngine(c: DemoConfig, print: (line: string) => void = console.log): Promise<DemoResult> {
  if (c.seq < 1 || c.batch < 1 || c.runs < 1) throw new Error('seq, batch and runs must be at least 1');
  const t0 = performance.now();
  const model = buildDemoGraph(c);
  print(`built ${c.layers}-layer transformer (d=${c.dModel}, ${c.heads} heads / ${c.kvHeads} kv, vocab ${c.vocab}) with backward pass: ${(model.byteLength / 2 ** 20).toFixed(1)} MiB ONNX in ${(performance.now() - t0).toFixed(0)} ms`);
  const host = new WorkerSessionHost();
  try {
    const session = await host.createSession(model, { provider: c.provider, threads: c.threads });
    if (session.warning) print(`warning: ${session.warning}`);
    const input = feeds(c);
    const result: DemoResult = { loss: NaN, logitsDims: [], gradNorm: NaN, runMs: [], ticks: [] };
    for (let r = 0; r < c.runs; r++) {
      let ticks = 0;
      const timer = setInterval(() => ticks++, 10);
      const start = performance.now();
      const out = await session.run(input);
      const ms = performance.now() - start;
      clearInterval(timer);
      const logits = out.logits.data as Float32Array;
      result.loss = Number(out.loss.data[0]) / c.batch;
      result.gradNorm = Number(out.grad_norm.data[0]);
      result.logitsDims = out.logits.dims;
      result.runMs.push(ms);
      result.ticks.push(ticks);
      if (r === 0) {
        let sum = 0, sq = 0, best = 0;
        const last = logits.subarray((c.seq - 1) * c.vocab, c.seq * c.vocab); // example 0, last position
        for (const v of logits) { sum += v; sq += v * v; }
        for (let i = 1; i < last.length; i++) if (last[i] > last[best]) best = i;
        const mean = sum / logits.length;
        print(`logits [${out.logits.dims.join(', ')}]: mean ${mean.toFixed(4)}, std ${Math.sqrt(sq / logits.length - mean * mean).toFixed(4)}, argmax at the last position of example 0: ${best}`);
        print(`loss (mean NLL of random targets) ${result.loss.toFixed(4)} (ln vocab = ${Math.log(c.vocab).toFixed(4)}); |d loss / d embeddings| = ${result.gradNorm.toExponential(4)}`);
      }
      print(`run ${r + 1}/${c.runs} in the worker (${session.provider}): ${ms.toFixed(0)} ms; main-thread 10 ms timer fired ${ticks} times (≈${Math.floor(ms / 10)} if never blocked)`);
    }
    await session.release();
    return result;
  } finally {
    await host.dispose();
  }
}


export function registerDemoEngine(program: Command): void {
  program.command('demo-engine')
    .description('build a small random transformer with the graph engine, run forward + backward in the worker, show the main thread stays responsive')
    .option('--layers <n>', 'transformer blocks', intArg(0), 4)
    .option('--d-model <n>', 'residual width', intArg(0), 256)
    .option('--heads <n>', 'query heads', intArg(0), 8)
    .option('--kv-heads <n>', 'key/value heads (grouped-query attention)', intArg(0), 4)
    .option('--seq <n>', 'tokens per example', intArg(0), 128)
    .option('--batch <n>', 'examples per run', intArg(0), 8)
    .option('--vocab <n>', 'vocabulary size', intArg(0), 8192)
    .option('--runs <n>', 'timed runs', intArg(0), 3)
    .option('--provider <p>', 'execution provider: cpu, cuda or webgpu', 'cpu')
    .option('--threads <n>', 'intra-op threads (0 = one per core)', intArg(0), 0)
    .action(async (o: Omit<DemoConfig, 'provider'> & { provider: string }) => {
      if (!['cpu', 'cuda', 'webgpu'].includes(o.provider)) throw new Error(`--provider must be cpu, cuda or webgpu, got '${o.provider}'`);
      await runDemoEngine({ ...o, provider: o.provider as Provider });
    });
}
