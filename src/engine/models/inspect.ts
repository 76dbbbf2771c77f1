/** Scoring and generation on a loaded model: what `reverie score` and `reverie generate` print. */
import { Graph, toOnnx, logSoftmax, slice, reshape, cast } from '../graph';
import { buildForward } from './forward';
import { GraphWeights } from './graph-weights';
import type { LoadedModel } from './load';
import { checkFitsContext } from './context';
import { EngineSession, SessionOptions, TensorData, graphDtype } from '../runtime/ort';

export interface ScoreResult {
  ids: number[];
  tokens: string[];
  /** NLL of each token given the ones before it (nats); NaN for token 0, which is never scored. */
  nll: number[];
  /** Self cross-entropy: mean NLL over tokens 1..n-1 (epo.md). */
  xe: number;
  /** Requested hook values, BOS position removed, as [n, ...] arrays. */
  hooks: Record<string, TensorData>;
  /** The execution provider that ran, and why it is not the one asked for (a fallback to CPU). */
  provider: string;
  warning?: string;
}

/** The model's weights in the dtype the options ask for (`--dtype`). */
function weightsFor(g: Graph, model: LoadedModel, options: SessionOptions): GraphWeights {
  return new GraphWeights(g, model.weights, model.name, undefined, graphDtype(options.dtype, options.provider));
}

function prefix(model: LoadedModel): number[] {
  const t = model.tokenizer;
  return t.addsBos && t.bosId !== undefined ? [t.bosId] : [];
}

export async function scoreIds(model: LoadedModel, ids: number[], hooks: string[] = [], options: SessionOptions = {}): Promise<ScoreResult> {
  if (ids.length < 1) throw new Error('nothing to score: the text encodes to zero tokens');
  for (const id of ids) {
    if (!Number.isInteger(id) || id < 0 || id >= model.arch.vocabSize) throw new Error(`token id ${id} is outside the vocabulary (0–${model.arch.vocabSize - 1})`);
  }
  checkFitsContext(model, ids.length, 'the text');
  const pre = prefix(model);
  const seq = [...pre, ...ids];
  const T = seq.length;
  const g = new Graph('score');
  const input = g.input('ids', 'int64', [1, T]);
  const fwd = buildForward(g, model.arch, weightsFor(g, model, options), input, model.name);
  g.output('logprobs', logSoftmax(fwd.logits, -1));
  for (const h of hooks) {
    const v = cast(fwd.hooks.get(h), 'float32');
    const sliced = v.shape[1] === T && pre.length ? slice(v, 1, pre.length, T) : v;
    g.output(`hook:${h}`, reshape(sliced, sliced.shape.slice(1)));
  }
  const session = await EngineSession.create(toOnnx(g), options);
  try {
    const out = await session.run({ ids: { dtype: 'int64', dims: [1, T], data: BigInt64Array.from(seq.map(BigInt)) } });
    const lp = out.logprobs.data as Float32Array;
    const V = model.arch.vocabSize;
    const nll = ids.map((id, i) => (i === 0 ? NaN : -lp[(pre.length + i - 1) * V + id]));
    const scored = nll.slice(1);
    return {
      ids,
      tokens: ids.map((id) => model.tokenizer.tokenText(id)),
      nll,
      xe: scored.length ? scored.reduce((s, v) => s + v, 0) / scored.length : NaN,
      hooks: Object.fromEntries(hooks.map((h) => [h, out[`hook:${h}`]])),
      provider: session.provider,
      ...(session.warning ? { warning: session.warning } : {}),
    };
  } finally {
    await session.release();
  }
}

export interface GenerateOptions {
  tokens: number;
  /** 0 = greedy (default). */
  temperature?: number;
  seed?: number;
  /** Stop at the tokenizer's EOS (default true). */
  stopAtEos?: boolean;
}

/**
 * Continues `ids` token by token. One graph of the final length serves every step: causal
 * attention makes the logits at position i independent of the (padding) ids after it.
 */
export async function generate(model: LoadedModel, ids: number[], opts: GenerateOptions, options: SessionOptions = {}): Promise<number[]> {
  const pre = prefix(model);
  const T = Math.min(pre.length + ids.length + opts.tokens, model.arch.maxPositions);
  const g = new Graph('generate');
  const input = g.input('ids', 'int64', [1, T]);
  const fwd = buildForward(g, model.arch, weightsFor(g, model, options), input, model.name);
  g.output('logits', fwd.logits);
  const session = await EngineSession.create(toOnnx(g), options);
  const seq = [...pre, ...ids];
  let state = (opts.seed ?? 0) >>> 0;
  const rand = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const V = model.arch.vocabSize;
  try {
    while (seq.length < T) {
      const data = new BigInt64Array(T);
      seq.forEach((t, i) => (data[i] = BigInt(t)));
      const out = await session.run({ ids: { dtype: 'int64', dims: [1, T], data } });
      const row = (out.logits.data as Float32Array).subarray((seq.length - 1) * V, seq.length * V);
      const next = pick(row, opts.temperature ?? 0, rand, Math.min(V, model.tokenizer.vocabSize));
      seq.push(next);
      if ((opts.stopAtEos ?? true) && next === model.tokenizer.eosId) break;
    }
  } finally {
    await session.release();
  }
  return seq.slice(pre.length);
}

function pick(logits: Float32Array, temperature: number, rand: () => number, limit: number): number {
  let best = 0;
  for (let v = 1; v < limit; v++) if (logits[v] > logits[best]) best = v;
  if (temperature <= 0) return best;
  let z = 0;
  const p = new Float64Array(limit);
  for (let v = 0; v < limit; v++) z += p[v] = Math.exp((logits[v] - logits[best]) / temperature);
  let u = rand() * z;
  for (let v = 0; v < limit; v++) if ((u -= p[v]) <= 0) return v;
  return best;
}
