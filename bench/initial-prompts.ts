/**
 * Random initial prompts: does every seed of the default dream start, and how many token draws does
 * a prompt take? Seeds 0–99 on the bundled model's SentencePiece vocabulary and on a byte-level BPE
 * model (tinystories-656k), with the default config (8 prompts of 12 tokens, retokenize on).
 */
import { randomInitialPrompts } from '../src/engine/epo/candidates';
import { PromptCache } from '../src/engine/epo/cache';
import { DEFAULT_EPO_CONFIG } from '../src/engine/epo/config';
import { PromptChecker } from '../src/engine/epo/hygiene';
import { Prng } from '../src/engine/epo/prng';
import { allowedTokens } from '../src/engine/dream/backend';
import { loadModel } from '../src/engine/models/load';
import { Graph, toOnnx } from '../src/engine/graph';
import { buildForward } from '../src/engine/models/forward';
import { EngineSession } from '../src/engine/runtime/ort';
import { dream, neuronFeature } from '../src/engine/dream/dream';
import { median } from '../src/engine/util/stats';

const SEEDS = 100;

export async function benchInitialPrompts(): Promise<void> {
  const cfg = DEFAULT_EPO_CONFIG;
  for (const ref of ['stories260K', '../shared/models/tinystories-656k']) {
    const model = await loadModel(ref);
    const tok = model.tokenizer;
    const allowed = allowedTokens(tok, model.arch.vocabSize);
    const allowedIds = Int32Array.from([...allowed].flatMap((a, v) => (a ? [v] : [])));
    let started = 0, rejected = 0;
    const failures: string[] = [];
    const t0 = performance.now();
    for (let seed = 0; seed < SEEDS; seed++) {
      const ctx = { rng: Prng.fromSeed(seed), cache: new PromptCache(cfg.seqLen), checker: new PromptChecker(tok, cfg) };
      try {
        const { counts } = randomInitialPrompts(cfg.population, cfg.seqLen, allowedIds, ctx);
        rejected += counts.rejectedRetokenize + counts.rejectedBanned;
        started++;
      } catch (e) {
        failures.push(`seed ${seed}: ${(e as Error).message}`);
      }
    }
    const ms = performance.now() - t0;
    const prompts = started * cfg.population;
    console.log(`${model.name}: ${started}/${SEEDS} seeds start; ${prompts} prompts of ${cfg.seqLen} tokens, ` +
      `${(rejected / Math.max(1, prompts)).toFixed(1)} rejected token draws per prompt, ${(ms / Math.max(1, prompts)).toFixed(2)} ms per prompt`);
    for (const f of failures) console.log(`  ${f}`);
  }
}

/**
 * Which start is better for EPO: the token-by-token random draw (the default) or prompts sampled
 * from the model at temperature 1 (fluent from the start)? Best feature at XE < 4 and < 6 after
 * 50 iterations of the default dream, 20 seeds, three neurons of stories260K.
 */
export async function benchInitialStarts(): Promise<void> {
  const model = await loadModel('stories260K');
  const tok = model.tokenizer;
  const V = model.arch.vocabSize;
  const T = 1 + DEFAULT_EPO_CONFIG.seqLen;
  const g = new Graph('sampler');
  const ids = g.input('ids', 'int64', [1, T]);
  g.output('logits', buildForward(g, model.arch, model.weights, ids, model.name).logits);
  const session = await EngineSession.create(toOnnx(g), { threads: 1 });
  /** Samples token by token from the model (temperature 1), redrawing a token whose prefix fails the run's checks. */
  const sampler = (seed: number) => async (m: number, n: number, accept: (p: Int32Array) => boolean): Promise<Int32Array[]> => {
    const rng = Prng.fromSeed(seed + 1_000_000);
    const out: Int32Array[] = [];
    const seen = new Set<string>();
    while (out.length < m) {
      const seq = [tok.bosId!];
      const p = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const data = BigInt64Array.from({ length: T }, (_, j) => BigInt(seq[j] ?? 0));
        const logits = (await session.run({ ids: { dtype: 'int64', dims: [1, T], data } })).logits.data as Float32Array;
        const row = logits.subarray(i * V, (i + 1) * V);
        let max = -Infinity;
        for (const x of row) max = Math.max(max, x);
        const probs = Array.from(row, (x) => Math.exp(x - max));
        for (let tries = 0; tries < 200; tries++) {
          let u = rng.float() * probs.reduce((a, b) => a + b, 0), v = 0;
          while (v < V - 1 && (u -= probs[v]) > 0) v++;
          p[i] = v;
          if (accept(p.subarray(0, i + 1))) break;
          probs[v] = 0; // never redraw a token that failed here
        }
        seq.push(p[i]);
      }
      const key = p.join(',');
      if (accept(p) && !seen.has(key)) { seen.add(key); out.push(p); }
    }
    return out;
  };
  const SEEDS = 20;
  for (const spec of ['2.17', '3.40', '4.100']) {
    const feature = neuronFeature(model, spec);
    const rows: Record<string, { b4: number[]; b6: number[]; initXe: number[] }> = { random: { b4: [], b6: [], initXe: [] }, model: { b4: [], b6: [], initXe: [] } };
    for (let seed = 0; seed < SEEDS; seed++) {
      for (const start of ['random', 'model'] as const) {
        const r = await dream({
          model, feature, config: { iterations: 50, seed }, session: { threads: 1 },
          initialPrompts: start === 'model' ? sampler(seed) : undefined,
        });
        const h = r.result.history;
        const init = Array.from({ length: h.size }, (_, i) => i).filter((i) => h.iteration(i) < 0).map((i) => h.xe(i));
        rows[start].b4.push(r.result.bestFeatureXeBelow4 ?? NaN);
        rows[start].b6.push(r.result.bestFeatureXeBelow6 ?? NaN);
        rows[start].initXe.push(median(init));
      }
    }
    for (const start of ['random', 'model']) {
      const r = rows[start];
      const found = (xs: number[]) => xs.filter(Number.isFinite);
      console.log(`neuron ${spec}, ${start} starts: initial XE median ${median(r.initXe).toFixed(2)}; after 50 iterations best f @XE<4 ` +
        `median ${median(found(r.b4)).toFixed(3)} (found in ${found(r.b4).length}/${SEEDS}), @XE<6 median ${median(found(r.b6)).toFixed(3)} (${found(r.b6).length}/${SEEDS})`);
    }
    const wins = rows.model.b4.filter((v, i) => (Number.isFinite(v) ? v : -Infinity) > (Number.isFinite(rows.random.b4[i]) ? rows.random.b4[i] : -Infinity)).length;
    console.log(`neuron ${spec}: model-sampled starts beat random ones at XE<4 on ${wins}/${SEEDS} seeds`);
  }
  await session.release();
}
