/**
 * A deterministic toy model + feature for testing EPO, with a gradient derived by hand.
 *
 * Prompts are one-hots x_0..x_{n-1} over V rows (identity embedding, e_i = x_i).
 *   feature f(x) = Σ_i w_i·x_i + Σ_{i<n-1} x_iᵀ P x_{i+1}                      (unary + pairwise chain)
 *   XE(x)      = 1/(n-1) Σ_{i≥1} [ -x_i·z_i + (1ᵀx_i)·lse(z_i) ],  z_i = Bᵀ x_{i-1}   (bigram model)
 * At a one-hot, XE is the mean of -ln softmax(B[t_{i-1}])[t_i], the bigram NLL. Differentiating:
 *   ∂f/∂x_i[v]  = w_i[v] + P[v, t_{i+1}] (i < n-1) + P[t_{i-1}, v] (i > 0)
 *   ∂XE/∂x_i[v] = 1/(n-1) · ( -ln p(v | t_{i-1})                (i ≥ 1: x_i is the label — the direct term)
 *                             + Σ_u B[v,u] (p(u | t_i) - δ_{u,t_{i+1}}) )  (i ≤ n-2: x_i is the context of i+1)
 *   G = -∂f/∂x + λ ∂XE/∂x.
 * `relaxed` evaluates f and XE at any real x, so the hand-derived G can be checked by finite differences.
 *
 * The toy tokenizer has pieces where some id sequences do not round-trip: 'a'+'b' decodes to "ab",
 * which encodes (greedy longest match) as the single piece 'ab'.
 */
import type { EpoBackend } from '../../src/engine/epo/backend';
import type { Tokenizer } from '../../src/engine/tokenizers/tokenizer';
import { promptKey } from '../../src/engine/epo/cache';
import { normals, uniform } from './random';

export const TOY_PIECES = [
  '<s>', '<unk>', 'a', 'b', 'ab', 'c', 'd', 'cd', ' the', ' cat', ' sat', ' on', ' mat', ' dog', ' ran', ' hello',
  ' world', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', '.',
];

export class ToyTokenizer implements Tokenizer {
  readonly kind = 'toy (greedy longest match)';
  readonly vocabSize = TOY_PIECES.length;
  readonly bosId = 0;
  readonly specialIds: ReadonlySet<number> = new Set([0, 1]);
  readonly addsBos = false;
  private readonly byLength = TOY_PIECES.map((p, id) => ({ p, id })).filter((e) => !this.specialIds.has(e.id)).sort((a, b) => b.p.length - a.p.length);

  encode(text: string): number[] {
    const out: number[] = [];
    for (let at = 0; at < text.length;) {
      const hit = this.byLength.find((e) => text.startsWith(e.p, at));
      if (!hit) { out.push(1); at++; continue; }
      out.push(hit.id);
      at += hit.p.length;
    }
    return out;
  }

  decode(ids: readonly number[]): string {
    return ids.map((id) => TOY_PIECES[id] ?? '').join('');
  }

  tokenText(id: number): string {
    return TOY_PIECES[id] ?? `<${id}>`;
  }
}

export interface ToyOptions {
  n?: number;
  /** Embedding rows; ids ≥ 40 are padding rows the tokenizer cannot produce. Default 42. */
  vocabRows?: number;
  seed?: number;
  /** Scale of the pairwise feature term; 0 makes f separable. Default 0.5. */
  pairScale?: number;
  /** Scale of the bigram logits. Default 2. */
  bigramScale?: number;
  /** Explicit unary weights w[i][v] (n × vocabRows), replacing the random ones. */
  w?: number[][];
}

export class ToyBackend implements EpoBackend {
  readonly vocabRows: number;
  readonly allowed: Uint8Array;
  readonly n: number;
  readonly w: Float64Array;
  readonly P: Float64Array;
  readonly B: Float64Array;
  /** ln p(v | u) at [u*V + v]. */
  readonly logp: Float64Array;
  /** Every topK call: the prompts and λs it got. */
  readonly topKCalls: { prompts: number[][]; lambdas: number[]; k: number; fromModel?: number }[] = [];
  /** Every prompt ever scored, in order. */
  readonly scored: number[][] = [];
  scoreCalls = 0;
  /** Called before each backend method (lets a test cancel at an exact point). */
  beforeCall?: (method: 'score' | 'topK' | 'saliency') => void;

  constructor(opts: ToyOptions = {}) {
    const n = (this.n = opts.n ?? 6);
    const V = (this.vocabRows = opts.vocabRows ?? 42);
    const rand = uniform(opts.seed ?? 1);
    this.w = Float64Array.from(opts.w ? opts.w.flat() : normals(rand, n * V));
    if (this.w.length !== n * V) throw new Error(`toy w must be ${n}×${V}`);
    this.P = Float64Array.from(normals(rand, V * V, opts.pairScale ?? 0.5));
    this.B = Float64Array.from(normals(rand, V * V, opts.bigramScale ?? 2));
    this.logp = new Float64Array(V * V);
    for (let u = 0; u < V; u++) {
      const row = this.B.subarray(u * V, (u + 1) * V);
      const lse = logSumExp(row);
      for (let v = 0; v < V; v++) this.logp[u * V + v] = row[v] - lse;
    }
    this.allowed = new Uint8Array(V);
    for (let v = 2; v < Math.min(V, TOY_PIECES.length); v++) this.allowed[v] = 1;
  }

  feature(t: ArrayLike<number>): number {
    const { n, vocabRows: V } = this;
    let f = 0;
    for (let i = 0; i < n; i++) f += this.w[i * V + t[i]];
    for (let i = 0; i + 1 < n; i++) f += this.P[t[i] * V + t[i + 1]];
    return f;
  }

  nll(t: ArrayLike<number>): Float32Array {
    const V = this.vocabRows;
    return Float32Array.from({ length: this.n - 1 }, (_, j) => -this.logp[t[j] * V + t[j + 1]]);
  }

  xe(t: ArrayLike<number>): number {
    const V = this.vocabRows;
    let s = 0;
    for (let i = 1; i < this.n; i++) s -= this.logp[t[i - 1] * V + t[i]];
    return s / (this.n - 1);
  }

  /** G[i*V + v] = ∂(-f + λ·XE)/∂x_i[v] at the one-hot of t, from the hand-derived formula. */
  gradient(t: ArrayLike<number>, lambda: number): Float64Array {
    const { n, vocabRows: V } = this;
    const G = new Float64Array(n * V);
    const c = lambda / (n - 1);
    for (let i = 0; i < n; i++) {
      const p = i + 1 < n ? softmax(this.B.subarray(t[i] * V, (t[i] + 1) * V)) : null;
      for (let v = 0; v < V; v++) {
        let df = this.w[i * V + v];
        if (i + 1 < n) df += this.P[v * V + t[i + 1]];
        if (i > 0) df += this.P[t[i - 1] * V + v];
        let dxe = 0;
        if (i > 0) dxe -= this.logp[t[i - 1] * V + v];
        if (p) {
          let s = 0;
          for (let u = 0; u < V; u++) s += this.B[v * V + u] * (p[u] - (u === t[i + 1] ? 1 : 0));
          dxe += s;
        }
        G[i * V + v] = -df + c * dxe;
      }
    }
    return G;
  }

  /** f and XE at real-valued x (n × V), for finite differences. */
  relaxed(x: Float64Array): { f: number; xe: number } {
    const { n, vocabRows: V } = this;
    let f = 0;
    for (let i = 0; i < n; i++) for (let v = 0; v < V; v++) f += this.w[i * V + v] * x[i * V + v];
    for (let i = 0; i + 1 < n; i++) {
      for (let u = 0; u < V; u++) for (let v = 0; v < V; v++) f += x[i * V + u] * this.P[u * V + v] * x[(i + 1) * V + v];
    }
    let xe = 0;
    for (let i = 1; i < n; i++) {
      const z = new Float64Array(V);
      for (let u = 0; u < V; u++) for (let v = 0; v < V; v++) z[v] += this.B[u * V + v] * x[(i - 1) * V + u];
      const lse = logSumExp(z);
      let mass = 0, dot = 0;
      for (let v = 0; v < V; v++) { mass += x[i * V + v]; dot += x[i * V + v] * z[v]; }
      xe += -dot + mass * lse;
    }
    return { f, xe: xe / (n - 1) };
  }

  async score(prompts: Int32Array[]): Promise<{ feature: Float64Array; xe: Float64Array; nll: Float32Array[] }> {
    this.beforeCall?.('score');
    this.scoreCalls++;
    for (const p of prompts) {
      if (p.length !== this.n) throw new Error(`toy score: prompt of length ${p.length}, expected ${this.n}`);
      this.scored.push(Array.from(p));
    }
    return {
      feature: Float64Array.from(prompts, (p) => this.feature(p)),
      xe: Float64Array.from(prompts, (p) => this.xe(p)),
      nll: prompts.map((p) => this.nll(p)),
    };
  }

  async topK(prompts: Int32Array[], lambdas: number[], k: number, fromModel = 0): Promise<Int32Array[]> {
    this.beforeCall?.('topK');
    this.topKCalls.push({ prompts: prompts.map((p) => Array.from(p)), lambdas: [...lambdas], k, ...(fromModel ? { fromModel } : {}) });
    const { n, vocabRows: V } = this;
    return prompts.map((p, b) => {
      const G = this.gradient(p, lambdas[b]);
      const out = new Int32Array(n * k);
      for (let i = 0; i < n; i++) {
        const ids: number[] = [];
        for (let v = 0; v < V; v++) if (this.allowed[v]) ids.push(v);
        ids.sort((a, c) => G[i * V + a] - G[i * V + c] || a - c); // best (most negative G) first
        if (ids.length < k) throw new Error(`toy topK: k ${k} > allowed ${ids.length}`);
        out.set(ids.slice(0, k), i * k);
        if (fromModel && i > 0) {
          // The bigram model's own most likely allowed tokens after t_{i-1} (no BOS: position 0 has no prediction).
          const row = (v: number) => this.B[p[i - 1] * V + v];
          const likely = ids.slice().sort((a, c) => row(c) - row(a) || a - c);
          out.set(likely.slice(0, fromModel), i * k + k - fromModel);
        }
      }
      return out;
    });
  }

  async saliency(prompt: Int32Array): Promise<Float64Array> {
    this.beforeCall?.('saliency');
    const G0 = this.gradient(prompt, 0);
    const V = this.vocabRows;
    return Float64Array.from(prompt, (t, i) => -G0[i * V + t]);
  }

  /** Whether some prompt was scored twice. */
  duplicateScored(): boolean {
    return new Set(this.scored.map(promptKey)).size !== this.scored.length;
  }

  /**
   * Exact minimum of -f + λ·XE over all prompts of allowed tokens (Viterbi: every term is unary or
   * links neighbours), to know the optimum EPO should find.
   */
  optimum(lambda: number): { loss: number; ids: number[] } {
    const { n, vocabRows: V } = this;
    const ids: number[] = [];
    for (let v = 0; v < V; v++) if (this.allowed[v]) ids.push(v);
    const c = lambda / (n - 1);
    let cost = new Map<number, number>(ids.map((v) => [v, -this.w[v]]));
    const back: Map<number, number>[] = [];
    for (let i = 1; i < n; i++) {
      const next = new Map<number, number>(), arg = new Map<number, number>();
      for (const v of ids) {
        let best = Infinity, bu = -1;
        for (const u of ids) {
          const l = cost.get(u)! - this.P[u * V + v] - c * this.logp[u * V + v];
          if (l < best) { best = l; bu = u; }
        }
        next.set(v, best - this.w[i * V + v]);
        arg.set(v, bu);
      }
      back.push(arg);
      cost = next;
    }
    let last = ids[0];
    for (const v of ids) if (cost.get(v)! < cost.get(last)!) last = v;
    const path = [last];
    for (let i = n - 2; i >= 0; i--) path.unshift(back[i].get(path[0])!);
    return { loss: cost.get(last)!, ids: path };
  }
}

function logSumExp(a: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < a.length; i++) m = Math.max(m, a[i]);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.exp(a[i] - m);
  return m + Math.log(s);
}

function softmax(a: ArrayLike<number>): Float64Array {
  const lse = logSumExp(a);
  return Float64Array.from(a as ArrayLike<number>, (x) => Math.exp(x - lse));
}

export function makeToy(opts: ToyOptions = {}): { backend: ToyBackend; tokenizer: ToyTokenizer } {
  return { backend: new ToyBackend(opts), tokenizer: new ToyTokenizer() };
}
