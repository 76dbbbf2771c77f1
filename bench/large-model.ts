/**
 * A model over 2 GiB, end to end: a random-weight checkpoint in a real layout — Pythia-1.4B
 * (hidden 2048, 24 layers, vocab 50304: 2.6 GiB in fp16) or Gemma-2-2B (hidden 2304, 26 layers,
 * vocab 256000: 4.9 GiB) — written into a temporary Hugging Face cache, loaded through the
 * Hub-cache path, and dreamed for a few EPO iterations. Prints load time, s/iteration, scoring
 * throughput (TFLOP/s) and peak memory as a multiple of the weights' compute bytes. The checkpoint
 * is deleted afterwards. Not a unit test: it needs up to ~20 GB of memory and minutes.
 *
 * Environment (defaults: the CPU run in docs/performance.md):
 *   REVERIE_BENCH_LAYOUT   pythia-1.4b | gemma-2-2b          REVERIE_BENCH_LAYERS  depth (default: the real one)
 *   REVERIE_BENCH_PROVIDER cpu | webgpu | cuda               REVERIE_BENCH_DTYPE   auto | fp32 | fp16
 *   REVERIE_BENCH_M / _R / _N / _ITERATIONS / _BATCH         population, children per member, prompt length, iterations, batch
 *   REVERIE_BENCH_TOKENIZER a folder with tokenizer.json (default ../shared/tokenizers/gpt-neox-20b)
 */
import { closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { loadModel } from '../src/engine/models/load';
import { halfBits } from '../src/engine/graph/dtype';
import { dream, neuronFeature } from '../src/engine/dream/dream';
import type { Precision, Provider } from '../src/engine/runtime/ort';

const GiB = 2 ** 30;

/** Writes a safetensors file tensor by tensor, generating values on the fly (never the whole file in memory). */
export function writeRandomFp16(path: string, tensors: [string, number[]][], seed: number): number {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const [name, shape] of tensors) {
    const bytes = 2 * shape.reduce((a, b) => a * b, 1);
    header[name] = { dtype: 'F16', shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let h = Buffer.from(JSON.stringify(header));
  h = Buffer.concat([h, Buffer.alloc((8 - (h.length % 8)) % 8, 0x20)]);
  const fd = openSync(path, 'w');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.length));
  writeSync(fd, len);
  writeSync(fd, h);
  let s = seed >>> 0;
  const chunk = new Uint16Array(1 << 20);
  for (const [name, shape] of tensors) {
    const count = shape.reduce((a, b) => a * b, 1);
    const isNorm = name.includes('layernorm') || name.includes('layer_norm');
    for (let done = 0; done < count; done += chunk.length) {
      const n = Math.min(chunk.length, count - done);
      for (let i = 0; i < n; i++) {
        s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
        const u = s / 2 ** 32 - 0.5;
        chunk[i] = halfBits(isNorm ? (name.endsWith('weight') ? 1 + 0.1 * u : 0.02 * u) : 0.04 * u);
      }
      writeSync(fd, new Uint8Array(chunk.buffer, 0, 2 * n));
    }
  }
  closeSync(fd);
  return offset;
}

export function pythiaTensors(d: number, m: number, layers: number, vocab: number): [string, number[]][] {
  const t: [string, number[]][] = [['gpt_neox.embed_in.weight', [vocab, d]]];
  for (let l = 0; l < layers; l++) {
    const p = `gpt_neox.layers.${l}.`;
    t.push([`${p}input_layernorm.weight`, [d]], [`${p}input_layernorm.bias`, [d]], [`${p}post_attention_layernorm.weight`, [d]], [`${p}post_attention_layernorm.bias`, [d]],
      [`${p}attention.query_key_value.weight`, [3 * d, d]], [`${p}attention.query_key_value.bias`, [3 * d]],
      [`${p}attention.dense.weight`, [d, d]], [`${p}attention.dense.bias`, [d]],
      [`${p}mlp.dense_h_to_4h.weight`, [m, d]], [`${p}mlp.dense_h_to_4h.bias`, [m]],
      [`${p}mlp.dense_4h_to_h.weight`, [d, m]], [`${p}mlp.dense_4h_to_h.bias`, [d]]);
  }
  t.push(['gpt_neox.final_layer_norm.weight', [d]], ['gpt_neox.final_layer_norm.bias', [d]], ['embed_out.weight', [vocab, d]]);
  return t;
}

function memory(): { rss: number; pss: number; anon: number } {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = (re: RegExp, s: string) => Number(re.exec(s)?.[1] ?? NaN) * 1024;
  let pss = NaN;
  try { pss = kb(/^Pss:\s+(\d+)/m, readFileSync('/proc/self/smaps_rollup', 'utf8')); } catch { /* not Linux */ }
  return { rss: kb(/VmRSS:\s+(\d+)/, status), anon: kb(/RssAnon:\s+(\d+)/, status), pss };
}

/** Peak memory of one phase of the run, in bytes. */
interface Peaks { rss: number; pss: number; anon: number }
const PHASES = ['load', 'graph and session', 'iterations'] as const;

/**
 * Samples memory every 50 ms from a worker thread (the main thread blocks in ONNX Runtime) and
 * keeps the peaks per phase. RSS counts a file mapped by several sessions once per mapping; PSS
 * counts each physical page once, so it is the honest footprint when sessions share the mapped weights.
 */
function peakSampler(): { phase: (p: (typeof PHASES)[number]) => void; stop: () => Promise<Map<string, Peaks>> } {
  const shared = new SharedArrayBuffer(8 + PHASES.length * 3 * 8);
  const phase = new Int32Array(shared, 0, 1);
  const peaks = new Float64Array(shared, 8);
  const worker = new Worker(`
    const { workerData: shared } = require('node:worker_threads');
    const { readFileSync } = require('node:fs');
    const phase = new Int32Array(shared, 0, 1), peaks = new Float64Array(shared, 8);
    const kb = (re, s) => Number(re.exec(s)?.[1] ?? 0) * 1024;
    setInterval(() => {
      const status = readFileSync('/proc/self/status', 'utf8');
      let pss = 0;
      try { pss = kb(/^Pss:\\s+(\\d+)/m, readFileSync('/proc/self/smaps_rollup', 'utf8')); } catch {}
      const at = 3 * Atomics.load(phase, 0);
      peaks[at] = Math.max(peaks[at], kb(/VmRSS:\\s+(\\d+)/, status));
      peaks[at + 1] = Math.max(peaks[at + 1], pss);
      peaks[at + 2] = Math.max(peaks[at + 2], kb(/RssAnon:\\s+(\\d+)/, status));
    }, 50);
  `, { eval: true, workerData: shared });
  return {
    phase: (p) => Atomics.store(phase, 0, PHASES.indexOf(p)),
    stop: async () => {
      await worker.terminate();
      return new Map(PHASES.map((p, i) => [p, { rss: peaks[3 * i], pss: peaks[3 * i + 1], anon: peaks[3 * i + 2] }]));
    },
  };
}

interface Layout {
  title: string;
  layers: number;
  /** config.json for `layers` layers. */
  config(layers: number): Record<string, unknown>;
  tensors(layers: number): [string, number[]][];
  /** Parameters one token's forward multiplies by (every matrix but the embedding lookup). */
  matmulParams(layers: number): number;
}

const PYTHIA: Layout = (() => {
  const d = 2048, m = 8192, vocab = 50304;
  return {
    title: 'Pythia-1.4B', layers: 24,
    config: (layers) => ({
      architectures: ['GPTNeoXForCausalLM'], model_type: 'gpt_neox', hidden_size: d, intermediate_size: m, num_hidden_layers: layers,
      num_attention_heads: 16, max_position_embeddings: 2048, rotary_pct: 0.25, rotary_emb_base: 10000, layer_norm_eps: 1e-5,
      use_parallel_residual: true, hidden_act: 'gelu', tie_word_embeddings: false, vocab_size: vocab, torch_dtype: 'float16',
    }),
    tensors: (layers) => pythiaTensors(d, m, layers, vocab),
    matmulParams: (layers) => layers * (4 * d * d + 2 * d * m) + vocab * d,
  };
})();

const GEMMA2: Layout = (() => {
  const d = 2304, m = 9216, vocab = 256000, heads = 8, kv = 4, hd = 256;
  return {
    title: 'Gemma-2-2B', layers: 26,
    config: (layers) => ({
      architectures: ['Gemma2ForCausalLM'], model_type: 'gemma2', hidden_size: d, intermediate_size: m, num_hidden_layers: layers,
      num_attention_heads: heads, num_key_value_heads: kv, head_dim: hd, max_position_embeddings: 8192, rms_norm_eps: 1e-6,
      rope_theta: 10000, hidden_activation: 'gelu_pytorch_tanh', query_pre_attn_scalar: 256, sliding_window: 4096,
      final_logit_softcapping: 30, attn_logit_softcapping: 50, tie_word_embeddings: true, vocab_size: vocab, torch_dtype: 'float16',
    }),
    tensors: (layers) => {
      const t: [string, number[]][] = [['model.embed_tokens.weight', [vocab, d]]];
      for (let l = 0; l < layers; l++) {
        const p = `model.layers.${l}.`;
        t.push([`${p}input_layernorm.weight`, [d]], [`${p}post_attention_layernorm.weight`, [d]],
          [`${p}pre_feedforward_layernorm.weight`, [d]], [`${p}post_feedforward_layernorm.weight`, [d]],
          [`${p}self_attn.q_proj.weight`, [heads * hd, d]], [`${p}self_attn.k_proj.weight`, [kv * hd, d]],
          [`${p}self_attn.v_proj.weight`, [kv * hd, d]], [`${p}self_attn.o_proj.weight`, [d, heads * hd]],
          [`${p}mlp.gate_proj.weight`, [m, d]], [`${p}mlp.up_proj.weight`, [m, d]], [`${p}mlp.down_proj.weight`, [d, m]]);
      }
      t.push(['model.norm.weight', [d]]);
      return t;
    },
    matmulParams: (layers) => layers * (d * (heads + 2 * kv) * hd + heads * hd * d + 3 * d * m) + vocab * d,
  };
})();

const LAYOUTS: Record<string, Layout> = { 'pythia-1.4b': PYTHIA, 'gemma-2-2b': GEMMA2 };

function envNumber(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}=${v}: expected a positive number`);
  return n;
}

export async function benchLargeModel(): Promise<void> {
  const layoutName = process.env.REVERIE_BENCH_LAYOUT ?? 'pythia-1.4b';
  const layout = LAYOUTS[layoutName];
  if (!layout) throw new Error(`REVERIE_BENCH_LAYOUT=${layoutName}: expected one of ${Object.keys(LAYOUTS).join(', ')}`);
  const layers = envNumber('REVERIE_BENCH_LAYERS', layout.layers);
  const provider = (process.env.REVERIE_BENCH_PROVIDER ?? 'cpu') as Provider;
  const dtype = (process.env.REVERIE_BENCH_DTYPE ?? 'auto') as Precision;
  const M = envNumber('REVERIE_BENCH_M', 2), r = envNumber('REVERIE_BENCH_R', 8), n = envNumber('REVERIE_BENCH_N', 12);
  const iterationsWanted = envNumber('REVERIE_BENCH_ITERATIONS', 2), batchSize = envNumber('REVERIE_BENCH_BATCH', 16);
  const tokenizerDir = process.env.REVERIE_BENCH_TOKENIZER ?? join(__dirname, '..', '..', 'shared', 'tokenizers', 'gpt-neox-20b');
  const cache = mkdtempSync(join(tmpdir(), 'reverie-bench-hub-'));
  try {
    const commit = 'b'.repeat(40);
    const id = `bench/${layoutName}-random`;
    const repo = join(cache, `models--${id.replace('/', '--')}`);
    const snap = join(repo, 'snapshots', commit);
    mkdirSync(snap, { recursive: true });
    mkdirSync(join(repo, 'refs'));
    writeFileSync(join(repo, 'refs', 'main'), commit);
    writeFileSync(join(snap, 'config.json'), JSON.stringify(layout.config(layers)));
    // Any tokenizer no larger than the vocabulary serves: EPO proposes only ids the tokenizer has.
    copyFileSync(join(tokenizerDir, 'tokenizer.json'), join(snap, 'tokenizer.json'));
    for (const f of ['tokenizer_config.json', 'special_tokens_map.json']) {
      try { copyFileSync(join(tokenizerDir, f), join(snap, f)); } catch { /* optional files */ }
    }
    let t0 = performance.now();
    const fileBytes = writeRandomFp16(join(snap, 'model.safetensors'), layout.tensors(layers), 7);
    console.log(`${layout.title} layout, ${layers} layers: wrote ${(fileBytes / GiB).toFixed(2)} GiB of fp16 weights in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    console.log(`provider ${provider}, dtype ${dtype}; M = ${M}, r = ${r}, n = ${n}, batch ${batchSize}, ${iterationsWanted} iterations`);
    const compute = 2 * fileBytes;
    const sampler = peakSampler();
    t0 = performance.now();
    const model = await loadModel(id, { cacheDir: cache, allowDownload: false });
    const loadS = (performance.now() - t0) / 1000;
    const afterLoad = memory();
    sampler.phase('graph and session');
    console.log(`loaded through the Hub cache in ${loadS.toFixed(1)} s; RSS ${(afterLoad.rss / GiB).toFixed(2)} GiB`);
    const iterations: number[] = [];
    let last = performance.now(), buildS = 0;
    const out = await dream({
      model, feature: neuronFeature(model, `${Math.floor(layers / 2)}.100`), session: { threads: 0, provider, dtype },
      config: { iterations: iterationsWanted, population: M, childrenPerMember: r, seqLen: n, batchSize },
      onReady: ({ buildMs }) => { buildS = buildMs / 1000; last = performance.now(); sampler.phase('iterations'); },
      onIteration: () => { const now = performance.now(); iterations.push((now - last) / 1000); last = now; },
    });
    const end = memory();
    const peak = process.resourceUsage().maxRSS * 1024;
    const sampled = await sampler.stop();
    for (const w of out.warnings) console.log(`warning: ${w}`);
    console.log(`ran on ${out.warnings.length ? 'cpu (fallback)' : provider}`);
    console.log(`graph and session ${buildS.toFixed(1)} s; iterations ${iterations.map((s) => s.toFixed(2)).join(', ')} s; ${out.result.stats.evaluations} prompts scored`);
    // Scoring: one forward of n (+ BOS) tokens per prompt, 2 FLOPs per multiply-add (attention's own products are < 1 % here).
    const T = n + (model.tokenizer.addsBos ? 1 : 0);
    const scoringS = out.result.timings.scoringMs / 1000;
    const flops = 2 * layout.matmulParams(layers) * T * out.result.stats.evaluations;
    console.log(`scoring ${scoringS.toFixed(2)} s for ${out.result.stats.evaluations} prompts: ${(flops / scoringS / 1e12).toFixed(3)} TFLOP/s; gradient ${(out.result.timings.gradientMs / 1000).toFixed(2)} s`);
    console.log(`memory: peak RSS ${(peak / GiB).toFixed(2)} GiB = ${(peak / compute).toFixed(2)} × the fp32 weights (${(compute / GiB).toFixed(2)} GiB); ` +
      `at the end RSS ${(end.rss / GiB).toFixed(2)} GiB, PSS ${(end.pss / GiB).toFixed(2)} GiB (mapped weights counted once), anonymous ${(end.anon / GiB).toFixed(2)} GiB`);
    const x = (b: number) => `${(b / GiB).toFixed(2)} GiB = ${(b / compute).toFixed(2)} ×`;
    for (const [phase, p] of sampled) {
      console.log(`peaks in ${phase} (sampled every 50 ms): PSS ${x(p.pss)} (each physical page once), anonymous ${x(p.anon)}, RSS ${x(p.rss)}`);
    }
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}
