/**
 * Samples a text corpus from the bundled stories260K model itself, for `reverie scan` baselines
 * that need no downloaded data set: `npx tsx scripts/sample-corpus.ts [--seed 0] [--tokens 200000]`.
 *
 * Each story starts from BOS and is sampled at temperature 1 until the model emits EOS or BOS, or
 * reaches the length cap. Stories are sampled in lockstep batches through one forward graph per
 * length bucket (there is no KV cache, so each step re-runs the whole prefix): a row leaves the
 * batch as soon as its story ends, so a story costs about (its length)²/2 token-forwards and no
 * compute is spent on finished rows. All randomness comes from one seeded xoshiro128** stream,
 * consumed in a fixed order (row by row, step by step), so the same seed gives the same file.
 * After each batch the stories so far and the generator's state go to `<out>.partial.json`, so an
 * interrupted run continues where it stopped (with the same options) and still gives the same file.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Command } from 'commander';
import { Graph, toOnnx, gather } from '../src/engine/graph';
import { buildForward } from '../src/engine/models/forward';
import { loadModel, LoadedModel } from '../src/engine/models/load';
import { EngineSession } from '../src/engine/runtime/ort';
import { Prng } from '../src/engine/epo/prng';

interface SampleOptions {
  seed: number;
  tokens: number;
  batch: number;
  maxLength: number;
  temperature: number;
  bucket: number;
  /** Seconds between checkpoints inside a batch. */
  saveEvery: number;
  out: string;
}

/**
 * Forward graphs of lengths bucket, 2·bucket, …; each returns the logits at position `at` [B, 1, V].
 * Only one session is alive at a time: ONNX Runtime keeps each session's peak working memory
 * (attention scores are B·heads·L² floats), so a session per length would hold gigabytes.
 */
class BucketedLogits {
  private readonly graphs = new Map<number, Uint8Array>();
  private current?: { length: number; session: EngineSession };
  constructor(private readonly model: LoadedModel, private readonly bucket: number) {}

  private async session(length: number): Promise<EngineSession> {
    if (this.current?.length === length) return this.current.session;
    await this.release();
    let bytes = this.graphs.get(length);
    if (!bytes) {
      const g = new Graph(`sample-${length}`);
      const ids = g.input('ids', 'int64', ['B', length]);
      const at = g.input('at', 'int64', [1]);
      const fwd = buildForward(g, this.model.arch, this.model.weights, ids, this.model.name);
      g.output('logits', gather(fwd.logits, at, 1));
      bytes = toOnnx(g);
      this.graphs.set(length, bytes);
    }
    this.current = { length, session: await EngineSession.create(bytes) };
    return this.current.session;
  }

  /** Next-token logits [rows × V] after each row's prefix; all prefixes have the same length. */
  async next(prefixes: number[][]): Promise<Float32Array> {
    const len = prefixes[0].length;
    // Causal attention: positions past `len` (padding) cannot change the logits at len-1.
    const L = Math.min(Math.ceil(len / this.bucket) * this.bucket, this.model.arch.maxPositions);
    const data = new BigInt64Array(prefixes.length * L);
    prefixes.forEach((p, r) => p.forEach((t, i) => (data[r * L + i] = BigInt(t))));
    const s = await this.session(L);
    const out = await s.run({
      ids: { dtype: 'int64', dims: [prefixes.length, L], data },
      at: { dtype: 'int64', dims: [1], data: BigInt64Array.of(BigInt(len - 1)) },
    });
    return out.logits.data as Float32Array;
  }

  async release(): Promise<void> {
    const c = this.current;
    this.current = undefined;
    if (c) await c.session.release();
  }
}

/** One draw from softmax(logits / temperature) over the first `limit` ids. */
function sample(logits: Float32Array, limit: number, temperature: number, rng: Prng): number {
  let max = -Infinity;
  for (let v = 0; v < limit; v++) if (logits[v] > max) max = logits[v];
  const p = new Float64Array(limit);
  let z = 0;
  for (let v = 0; v < limit; v++) z += p[v] = Math.exp((logits[v] - max) / temperature);
  let u = rng.float() * z;
  for (let v = 0; v < limit; v++) if ((u -= p[v]) < 0) return v;
  return limit - 1;
}

/** A batch in progress: every row's tokens so far (BOS first) and the rows still sampling. */
interface Round {
  seqs: number[][];
  active: number[];
}

/**
 * Samples one batch of stories in lockstep until every row has ended; returns each story's tokens
 * (BOS and the final EOS/BOS dropped). `save` is offered the round between steps, for checkpoints.
 */
async function sampleRound(model: LoadedModel, logits: BucketedLogits, o: SampleOptions, rng: Prng, round: Round, save: (r: Round) => void): Promise<number[][]> {
  const tok = model.tokenizer;
  const bos = tok.bosId!, eos = tok.eosId;
  const V = model.arch.vocabSize;
  const limit = Math.min(V, tok.vocabSize);
  const { seqs } = round;
  while (round.active.length) {
    const out = await logits.next(round.active.map((r) => seqs[r]));
    const still: number[] = [];
    round.active.forEach((r, k) => {
      const next = sample(out.subarray(k * V, (k + 1) * V), limit, o.temperature, rng);
      if (next === bos || next === eos) return;
      seqs[r].push(next);
      if (seqs[r].length - 1 < o.maxLength) still.push(r);
    });
    round.active = still;
    save(round);
  }
  return seqs.map((s) => s.slice(1));
}

/** A story as one corpus document: blank lines inside it would split it, so they become single newlines. */
function asDocument(text: string): string {
  return text.replace(/\r/g, '').replace(/\n[ \t]*(\n[ \t]*)+/g, '\n').trim();
}

interface Partial {
  options: Omit<SampleOptions, 'out' | 'tokens' | 'saveEvery'>;
  rng: number[];
  stories: string[];
  tokens: number;
  capped: number;
  /** The batch being sampled when the file was written (null between batches). */
  round: Round | null;
}


const sameOptions = (a: Partial['options'], o: SampleOptions) =>
  a.seed === o.seed && a.batch === o.batch && a.maxLength === o.maxLength && a.temperature === o.temperature && a.bucket === o.bucket;

async function main(o: SampleOptions): Promise<void> {
  const model = await loadModel('stories260K');
  if (model.tokenizer.bosId === undefined) throw new Error(`${model.name} has no BOS token to start stories from`);
  if (o.maxLength + 1 > model.arch.maxPositions) throw new Error(`--max-length ${o.maxLength} + BOS exceeds the model's context of ${model.arch.maxPositions}`);
  mkdirSync(dirname(o.out), { recursive: true });
  const partialPath = `${o.out}.partial.json`;
  const options = { seed: o.seed, batch: o.batch, maxLength: o.maxLength, temperature: o.temperature, bucket: o.bucket };
  let state: Partial = { options, rng: Prng.fromSeed(o.seed).state(), stories: [], tokens: 0, capped: 0, round: null };
  if (existsSync(partialPath)) {
    const saved = JSON.parse(readFileSync(partialPath, 'utf8')) as Partial;
    if (!sameOptions(saved.options, o)) throw new Error(`${partialPath} was made with other options (${JSON.stringify(saved.options)}); delete it to start over`);
    state = saved;
    process.stderr.write(`continuing ${partialPath}: ${state.stories.length} stories, ${state.tokens} tokens\n`);
  }
  const logits = new BucketedLogits(model, o.bucket);
  const rng = Prng.fromState(state.rng);
  const { stories } = state;
  const t0 = performance.now();
  let lastSave = performance.now();
  const save = (round: Round | null) => {
    state.round = round;
    state.rng = rng.state();
    writeFileSync(`${partialPath}.tmp`, JSON.stringify(state));
    renameSync(`${partialPath}.tmp`, partialPath);
    lastSave = performance.now();
  };
  const bos = model.tokenizer.bosId;
  try {
    while (state.tokens < o.tokens || state.round) {
      const round = state.round ?? { seqs: Array.from({ length: o.batch }, () => [bos]), active: Array.from({ length: o.batch }, (_, r) => r) };
      const done = await sampleRound(model, logits, o, rng, round, (r) => { if (performance.now() - lastSave > o.saveEvery * 1000) save(r); });
      for (const ids of done) {
        if (ids.length >= o.maxLength) state.capped++;
        const doc = asDocument(model.tokenizer.decode(ids));
        if (!doc) continue;
        stories.push(doc);
        state.tokens += ids.length;
      }
      save(null);
      process.stderr.write(`${stories.length} stories, ${state.tokens} tokens, ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
    }
  } finally {
    await logits.release();
  }
  const { tokens, capped } = state;
  writeFileSync(o.out, `${stories.join('\n\n')}\n`);
  rmSync(partialPath, { force: true });
  const retokenized = stories.reduce((s, d) => s + model.tokenizer.encode(d).length, 0);
  console.log(`wrote ${o.out}: ${stories.length} stories, ${tokens} sampled tokens (${retokenized} when the text is tokenized again), ` +
    `${capped} stopped at the ${o.maxLength}-token cap, seed ${o.seed}, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

const int = (v: string) => parseInt(v, 10);
const program = new Command('sample-corpus')
  .description('sample a story corpus from the bundled stories260K model (seeded, temperature 1)')
  .option('--seed <n>', 'PRNG seed', int, 0)
  .option('--tokens <n>', 'stop after the batch in which the corpus reaches this many tokens', int, 200_000)
  .option('--batch <n>', 'stories sampled in parallel', int, 64)
  .option('--max-length <n>', 'length cap per story in tokens (BOS excluded)', int, 511)
  .option('--temperature <t>', 'sampling temperature', parseFloat, 1)
  .option('--bucket <n>', 'graph lengths are multiples of this', int, 16)
  .option('--save-every <s>', 'seconds between checkpoints inside a batch', parseFloat, 20)
  .option('-o, --out <file>', 'output text file', 'examples/corpus/stories260k-samples.txt');
program.parse();
main(program.opts<SampleOptions>()).catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
