/**
 * A cheap backend at real scale (n = 12, thousands of tokens, k = 512) for measuring EPO's own
 * bookkeeping: feature and XE are sums of per-(position, token) tables, top-k is a fixed ranking
 * rotated by the prompt and λ, so the backend itself costs next to nothing.
 */
import type { EpoBackend } from '../../src/engine/epo/backend';
import type { Tokenizer } from '../../src/engine/tokenizers/tokenizer';
import { uniform } from './random';

/** Token v is the text "<v>"; every id sequence round-trips. Id 0 is special. */
export class NumberTokenizer implements Tokenizer {
  readonly kind = 'numbers';
  readonly specialIds: ReadonlySet<number> = new Set([0]);
  readonly addsBos = false;
  constructor(readonly vocabSize: number) {}
  encode(text: string): number[] {
    return [...text.matchAll(/<(\d+)>/g)].map((m) => Number(m[1]));
  }
  decode(ids: readonly number[]): string {
    return ids.map((id) => `<${id}>`).join('');
  }
  tokenText(id: number): string {
    return `<${id}>`;
  }
}

export class FastBackend implements EpoBackend {
  readonly allowed: Uint8Array;
  private readonly table: Float64Array;
  private readonly ranking: Int32Array;
  /** Milliseconds spent inside score/topK. */
  backendMs = 0;

  constructor(readonly vocabRows: number, readonly n: number, seed = 1) {
    this.allowed = new Uint8Array(vocabRows).fill(1);
    this.allowed[0] = 0;
    const rand = uniform(seed);
    this.table = Float64Array.from({ length: n * vocabRows }, () => rand());
    this.ranking = Int32Array.from({ length: vocabRows - 1 }, (_, i) => i + 1);
    for (let i = this.ranking.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [this.ranking[i], this.ranking[j]] = [this.ranking[j], this.ranking[i]];
    }
  }

  async score(prompts: Int32Array[]) {
    const t0 = performance.now();
    const V = this.vocabRows;
    const feature = Float64Array.from(prompts, (p) => p.reduce((s, t, i) => s + this.table[i * V + t], 0));
    const xe = Float64Array.from(prompts, (p) => 3 + (p[0] % 7) / 3);
    const nll = prompts.map(() => new Float32Array(this.n - 1));
    this.backendMs += performance.now() - t0;
    return { feature, xe, nll };
  }

  async topK(prompts: Int32Array[], lambdas: number[], k: number) {
    const t0 = performance.now();
    const out = prompts.map((p, b) => {
      const salt = Math.round(lambdas[b] * 1000) * 31;
      const r = new Int32Array(this.n * k);
      for (let i = 0; i < this.n; i++) {
        const off = (p[i] * 7 + i * 13 + salt) % this.ranking.length;
        for (let j = 0; j < k; j++) r[i * k + j] = this.ranking[(off + j) % this.ranking.length];
      }
      return r;
    });
    this.backendMs += performance.now() - t0;
    return out;
  }

  async saliency(prompt: Int32Array) {
    return new Float64Array(prompt.length);
  }
}
