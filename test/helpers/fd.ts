/**
 * Finite-difference gradient checking for graphs traced by the engine: the ORT-computed gradient
 * of sum(y · seed) is compared with central differences of the same forward graph.
 */
import { Graph, SymTensor, grad, toOnnx, DType, TypedArray, numel } from '../../src/engine/graph';
import { EngineSession, TensorData } from '../../src/engine/runtime/ort';

export function mulberry(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randn(rand: () => number, n: number, scale = 1): number[] {
  return Array.from({ length: n }, () => {
    const u = Math.max(rand(), 1e-12);
    return scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  });
}

export function typed(dtype: DType, values: number[]): TypedArray {
  return dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values);
}

export async function runGraph(g: Graph, feeds: Record<string, TensorData>): Promise<Record<string, TensorData>> {
  const s = await EngineSession.create(toOnnx(g), { threads: 1 });
  try {
    return await s.run(feeds);
  } finally {
    await s.release();
  }
}

export interface FdInput { name: string; shape: number[]; values: number[] }

/**
 * Builds `f` on fresh inputs, appends its gradient, and returns the max relative error between
 * the analytic and central-difference gradients over all inputs.
 */
export async function checkGradient(
  dtype: DType,
  inputs: FdInput[],
  f: (xs: SymTensor[]) => SymTensor,
  opts: { eps?: number; seed?: number } = {},
): Promise<{ maxAbsErr: number; maxRelErr: number; scale: number }> {
  const eps = opts.eps ?? (dtype === 'float64' ? 1e-6 : 1e-2);
  const g = new Graph('fd');
  const xs = inputs.map((i) => g.input(i.name, dtype, i.shape));
  const y = f(xs);
  // A random seed makes the check sensitive to every output element, not only their sum.
  const rand = mulberry(opts.seed ?? 7);
  const seedVals = y.rank === 0 ? [1] : randn(rand, numel(y.shape as number[]));
  const seed = g.constant(typed(dtype, seedVals), y.shape as number[]);
  const loss = mul_sum(g, y, seed);
  g.output('loss', loss);
  const grads = grad(loss, xs);
  grads.forEach((gr, i) => g.output(`grad_${i}`, gr));

  const sess = await EngineSession.create(toOnnx(g), { threads: 1 });
  const feedsOf = (vals: number[][]) => Object.fromEntries(inputs.map((inp, i) => [inp.name, { dtype, dims: inp.shape, data: typed(dtype, vals[i]) }]));
  const base = inputs.map((i) => [...i.values]);
  const out = await sess.run(feedsOf(base));
  let maxAbsErr = 0, scale = 0;
  for (let k = 0; k < inputs.length; k++) {
    const analytic = out[`grad_${k}`].data as Float64Array;
    for (let j = 0; j < base[k].length; j++) {
      const plus = base.map((v) => [...v]); plus[k][j] += eps;
      const minus = base.map((v) => [...v]); minus[k][j] -= eps;
      const lp = (await sess.run(feedsOf(plus), ['loss'])).loss.data[0] as number;
      const lm = (await sess.run(feedsOf(minus), ['loss'])).loss.data[0] as number;
      const numeric = (lp - lm) / (2 * eps);
      maxAbsErr = Math.max(maxAbsErr, Math.abs(numeric - analytic[j]));
      scale = Math.max(scale, Math.abs(numeric));
    }
  }
  await sess.release();
  return { maxAbsErr, maxRelErr: maxAbsErr / Math.max(scale, 1e-8), scale };
}

function mul_sum(g: Graph, y: SymTensor, seed: SymTensor): SymTensor {
  // Imported lazily to keep this helper's dependencies explicit.
  const { mul, reduceSum } = require('../../src/engine/graph') as typeof import('../../src/engine/graph');
  const prod = mul(y, seed);
  return prod.rank === 0 ? prod : reduceSum(prod, [...Array(prod.rank).keys()], false);
}
