/**
 * Finite-difference gradient checking for graphs traced by the engine: the ORT-computed gradient
 * of sum(y · seed) is compared with central differences of the same forward graph, evaluated by
 * the same ORT session (so the check covers the VJPs, not the forward kernels).
 */
import { mulberry32 } from '../../src/engine/util/random';
import assert from 'node:assert/strict';
import { Graph, SymTensor, grad, toOnnx, DType, TypedArray, numel, mul, reduceSum } from '../../src/engine/graph';
import { EngineSession, TensorData } from '../../src/engine/runtime/ort';

/** A small deterministic PRNG (mulberry32), so every test sees the same "random" inputs. */
export const mulberry = mulberry32;

/** Standard normal samples (Box–Muller). */
export function randn(rand: () => number, n: number, scale = 1): number[] {
  return Array.from({ length: n }, () => {
    const u = Math.max(rand(), 1e-12);
    return scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  });
}

export function typed(dtype: DType, values: number[]): TypedArray {
  if (dtype === 'float64') return Float64Array.from(values);
  if (dtype === 'float32') return Float32Array.from(values);
  throw new Error(`typed: fd inputs must be float32 or float64, got ${dtype}`);
}

/** Builds one session with one intra-op thread, runs it once and releases it. */
export async function runGraph(g: Graph, feeds: Record<string, TensorData>): Promise<Record<string, TensorData>> {
  const s = await EngineSession.create(toOnnx(g), { threads: 1 });
  try {
    return await s.run(feeds);
  } finally {
    await s.release();
  }
}

export interface FdInput { name: string; shape: number[]; values: number[] }

/** A random input; `positive` keeps values in [0.5, ∞) for log, sqrt and divisors. */
export function randomInput(rand: () => number, name: string, shape: number[], opts: { positive?: boolean; scale?: number } = {}): FdInput {
  const values = randn(rand, numel(shape), opts.scale ?? 1);
  return { name, shape, values: opts.positive ? values.map((v) => 0.5 + Math.abs(v)) : values };
}

export interface GradCheck {
  maxAbsErr: number;
  /** maxAbsErr divided by the largest numeric gradient entry (a scale-free error). */
  maxRelErr: number;
  scale: number;
  worst: { input: string; index: number; analytic: number; numeric: number };
}

/**
 * Builds `f` on fresh inputs of `dtype`, appends the gradient of sum(f · seed) for a random
 * seed (so every output element matters, not only their sum) and compares it entry by entry
 * with central differences.
 */
export async function checkGradient(
  dtype: DType,
  inputs: FdInput[],
  f: (xs: SymTensor[]) => SymTensor,
  opts: { eps?: number; seed?: number } = {},
): Promise<GradCheck> {
  const eps = opts.eps ?? (dtype === 'float64' ? 1e-6 : 1e-2);
  const g = new Graph('fd');
  const xs = inputs.map((i) => g.input(i.name, dtype, i.shape));
  const y = f(xs);
  const rand = mulberry(opts.seed ?? 7);
  const shape = y.shape as number[];
  const seed = g.constant(typed(y.dtype, y.rank === 0 ? [1] : randn(rand, numel(shape))), shape);
  const prod = mul(y, seed);
  const loss = prod.rank === 0 ? prod : reduceSum(prod, [...Array(prod.rank).keys()], false);
  g.output('loss', loss);
  grad(loss, xs).forEach((gr, i) => g.output(`grad_${i}`, gr));

  const sess = await EngineSession.create(toOnnx(g), { threads: 1 });
  const values = inputs.map((i) => typed(dtype, i.values));
  const feeds = () => Object.fromEntries(inputs.map((inp, i) => [inp.name, { dtype, dims: inp.shape, data: values[i] }]));
  const lossAt = async () => Number((await sess.run(feeds(), ['loss'])).loss.data[0]);
  try {
    const out = await sess.run(feeds());
    const res: GradCheck = { maxAbsErr: 0, maxRelErr: 0, scale: 0, worst: { input: '', index: -1, analytic: 0, numeric: 0 } };
    for (let k = 0; k < inputs.length; k++) {
      const analytic = out[`grad_${k}`].data;
      assert.deepEqual(out[`grad_${k}`].dims, inputs[k].shape, `gradient of ${inputs[k].name} has the wrong shape`);
      const v = values[k];
      for (let j = 0; j < v.length; j++) {
        const x0 = Number(v[j]);
        v[j] = x0 + eps;
        const lp = await lossAt();
        v[j] = x0 - eps;
        const lm = await lossAt();
        v[j] = x0;
        const numeric = (lp - lm) / (2 * eps);
        const err = Math.abs(numeric - Number(analytic[j]));
        if (!(err <= res.maxAbsErr)) res.worst = { input: inputs[k].name, index: j, analytic: Number(analytic[j]), numeric };
        res.maxAbsErr = Math.max(res.maxAbsErr, Number.isNaN(err) ? Infinity : err);
        res.scale = Math.max(res.scale, Math.abs(numeric));
      }
    }
    res.maxRelErr = res.maxAbsErr / Math.max(res.scale, 1e-8);
    return res;
  } finally {
    await sess.release();
  }
}

/** Asserts a gradient check passed, naming the worst entry when it did not. */
export function assertGradient(label: string, r: GradCheck, tol: number): void {
  // A zero gradient everywhere would pass any relative check vacuously, so demand signal.
  assert.ok(r.scale > 1e-6, `${label}: the numeric gradient is zero everywhere, the check would be vacuous`);
  const w = r.worst;
  assert.ok(r.maxRelErr <= tol,
    `${label}: gradient error ${r.maxRelErr.toExponential(2)} > ${tol} (worst ${w.input}[${w.index}]: analytic ${w.analytic}, numeric ${w.numeric})`);
}

/** checkGradient + assertGradient, with the tolerances used throughout the engine tests. */
export async function expectGradient(
  label: string,
  dtype: 'float32' | 'float64',
  inputs: FdInput[],
  f: (xs: SymTensor[]) => SymTensor,
  opts: { eps?: number; tol?: number } = {},
): Promise<GradCheck> {
  const r = await checkGradient(dtype, inputs, f, { eps: opts.eps });
  const tol = opts.tol ?? (dtype === 'float64' ? 1e-6 : 2e-2);
  if (process.env.FD_VERBOSE) console.log(`# fd ${label} (${dtype}): rel err ${r.maxRelErr.toExponential(2)} (tol ${tol}, scale ${r.scale.toPrecision(3)})`);
  assertGradient(label, r, tol);
  return r;
}
