/**
 * Engine overhead on an unembedding-sized product, [256,512] × [512,50304] fp32:
 *   (a) a Graph with the weight as an initializer, serialised by toOnnx, run by EngineSession;
 *   (b) the same single MatMul written directly with onnx-proto, run by a bare ORT session with
 *       the same options;
 *   (c) (a) through WorkerSessionHost, for the cost of the worker hop (inputs and outputs are
 *       posted between threads).
 * Runs of (a) and (b) alternate, in alternating order, so that drift and load from other
 * processes hit both equally. (a) and (b) load to the same ORT graph (the engine's output
 * Identity is removed by ORT), so any difference is the engine's own per-run overhead.
 */
import { availableParallelism } from 'node:os';
import { onnx } from 'onnx-proto';
import { Graph, matmul, toOnnx } from '../src/engine/graph';
import { EngineSession, TensorData, ort } from '../src/engine/runtime/ort';
import { WorkerSessionHost } from '../src/engine/runtime/worker-host';
import { median } from '../src/engine/util/stats';

const [M, K, N] = [256, 512, 50304];
const FLOP = 2 * M * K * N;
const WARMUP = 3;
const RUNS = 31;

function randomFloats(n: number, seed: number, scale: number): Float32Array {
  let s = seed >>> 0;
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0) / 2 ** 32 - 0.5) * scale;
  return a;
}

function engineModel(w: Float32Array): Uint8Array {
  const g = new Graph('bench');
  g.output('y', matmul(g.input('x', 'float32', [M, K]), g.constant(w, [K, N], 'w')));
  return toOnnx(g);
}

/** The reference: one MatMul node, no engine code involved. */
function handWrittenModel(w: Float32Array): Uint8Array {
  const F = onnx.TensorProto.DataType.FLOAT;
  const info = (name: string, dims: number[]): onnx.IValueInfoProto =>
    ({ name, type: { tensorType: { elemType: F, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } });
  return onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'matmul',
      node: [{ opType: 'MatMul', input: ['x', 'w'], output: ['y'] }],
      initializer: [{ name: 'w', dataType: F, dims: [K, N], rawData: new Uint8Array(w.buffer, w.byteOffset, w.byteLength) }],
      input: [info('x', [M, K])],
      output: [info('y', [M, N])],
    },
  }).finish();
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

const line = (label: string, ms: number[]) => {
  const med = median(ms);
  return `${label.padEnd(44)} ${med.toFixed(1).padStart(7)} ms/run (median of ${ms.length}, min ${Math.min(...ms).toFixed(1)})  ${(FLOP / med / 1e6).toFixed(1).padStart(6)} GFLOP/s`;
};

export async function benchEngine(): Promise<void> {
  const threads = availableParallelism();
  const w = randomFloats(K * N, 1, 0.1);
  const x = randomFloats(M * K, 2, 2);
  const feeds: Record<string, TensorData> = { x: { dtype: 'float32', dims: [M, K], data: x } };
  console.log(`MatMul [${M},${K}] × [${K},${N}] fp32, ${(FLOP / 1e9).toFixed(2)} GFLOP per run, ${threads} intra-op threads, ${WARMUP} warm-up + ${RUNS} timed runs`);

  const engine = await EngineSession.create(engineModel(w), { threads });
  const O = ort();
  const bare = await O.InferenceSession.create(handWrittenModel(w), {
    graphOptimizationLevel: 'all', intraOpNumThreads: threads, interOpNumThreads: 1, executionProviders: ['cpu'],
  });
  const runEngine = () => engine.run(feeds);
  const runBare = () => bare.run({ x: new O.Tensor('float32', x, [M, K]) });

  for (let i = 0; i < WARMUP; i++) { await runEngine(); await runBare(); }
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    // Alternate which goes first, so that "first after a pause" effects hit both equally.
    if (i % 2) b.push(await timed(runBare));
    a.push(await timed(runEngine));
    if (!(i % 2)) b.push(await timed(runBare));
  }
  console.log(line('(a) engine Graph → toOnnx → EngineSession', a));
  console.log(line('(b) hand-written onnx-proto → bare ORT', b));
  // Paired: each (a) run against the (b) run next to it, so load from other processes that
  // comes and goes cancels out; the medians and minima are printed alongside for reference.
  const pct = (r: number) => `${r >= 0 ? '+' : ''}${r.toFixed(2)} %`;
  const paired = (median(a.map((v, i) => v / b[i])) - 1) * 100;
  console.log(`overhead of (a) vs (b): ${pct(paired)} (median of paired ratios; ratio of medians ${pct((median(a) / median(b) - 1) * 100)}, of minima ${pct((Math.min(...a) / Math.min(...b) - 1) * 100)}); target < 5 %${paired < 5 ? '' : '  ** above target **'}`);
  await engine.release();
  await bare.release();

  const host = new WorkerSessionHost();
  try {
    const remote = await host.createSession(engineModel(w), { threads });
    const run = () => remote.run(feeds); // the input is copied to the worker, the output transferred back
    for (let i = 0; i < WARMUP; i++) await run();
    const c: number[] = [];
    for (let i = 0; i < RUNS; i++) c.push(await timed(run));
    console.log(line('(c) (a) through WorkerSessionHost', c));
    console.log(`worker hop vs (a): ${((median(c) / median(a) - 1) * 100).toFixed(2)} % (posts a ${(M * K * 4 / 2 ** 20).toFixed(1)} MiB input and a ${(M * N * 4 / 2 ** 20).toFixed(1)} MiB output)`);
    await remote.release();
  } finally {
    await host.dispose();
  }
}
