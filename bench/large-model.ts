/**
 * A model over 2 GiB, end to end on CPU: a random-weight checkpoint in Pythia-1.4B's layout
 * (hidden 2048, 24 layers, vocab 50304, fp16 safetensors: 2.6 GiB) written into a temporary
 * Hugging Face cache, loaded through the Hub-cache path, and dreamed for 2 EPO iterations with a
 * small population (M = 2, r = 8). Prints load time, s/iteration and peak memory as a multiple of
 * the weights' compute bytes (fp32 = 2 × the fp16 file). REVERIE_BENCH_LAYERS=n shrinks the depth.
 * The checkpoint is deleted afterwards. Not a unit test: it needs ~20 GB of memory and minutes.
 */
import { closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { loadModel } from '../src/engine/models/load';
import { halfBits } from '../src/engine/graph/dtype';
import { dream, neuronFeature } from '../src/engine/dream/dream';

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
const PHASES = ['load', 'graphs and sessions', 'iterations'] as const;

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

export async function benchLargeModel(): Promise<void> {
  const layers = Number(process.env.REVERIE_BENCH_LAYERS ?? 24);
  const d = 2048, m = 8192, vocab = 50304;
  const cache = mkdtempSync(join(tmpdir(), 'reverie-bench-hub-'));
  try {
    const commit = 'b'.repeat(40);
    const repo = join(cache, 'models--bench--pythia-1.4b-random');
    const snap = join(repo, 'snapshots', commit);
    mkdirSync(snap, { recursive: true });
    mkdirSync(join(repo, 'refs'));
    writeFileSync(join(repo, 'refs', 'main'), commit);
    writeFileSync(join(snap, 'config.json'), JSON.stringify({
      architectures: ['GPTNeoXForCausalLM'], model_type: 'gpt_neox', hidden_size: d, intermediate_size: m, num_hidden_layers: layers,
      num_attention_heads: 16, max_position_embeddings: 2048, rotary_pct: 0.25, rotary_emb_base: 10000, layer_norm_eps: 1e-5,
      use_parallel_residual: true, hidden_act: 'gelu', tie_word_embeddings: false, vocab_size: vocab, torch_dtype: 'float16',
    }));
    for (const f of ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json']) {
      try { copyFileSync(join('/work/shared/tokenizers/gpt-neox-20b', f), join(snap, f)); } catch { /* optional files */ }
    }
    let t0 = performance.now();
    const fileBytes = writeRandomFp16(join(snap, 'model.safetensors'), pythiaTensors(d, m, layers, vocab), 7);
    console.log(`Pythia-1.4B layout, ${layers} layers: wrote ${(fileBytes / GiB).toFixed(2)} GiB of fp16 weights in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const compute = 2 * fileBytes;
    const sampler = peakSampler();
    t0 = performance.now();
    const model = await loadModel('bench/pythia-1.4b-random', { cacheDir: cache, allowDownload: false });
    const loadS = (performance.now() - t0) / 1000;
    const afterLoad = memory();
    sampler.phase('graphs and sessions');
    console.log(`loaded through the Hub cache in ${loadS.toFixed(1)} s; RSS ${(afterLoad.rss / GiB).toFixed(2)} GiB`);
    const iterations: number[] = [];
    let last = performance.now(), buildS = 0;
    const out = await dream({
      model, feature: neuronFeature(model, `${Math.floor(layers / 2)}.100`), session: { threads: 0 },
      config: { iterations: 2, population: 2, childrenPerMember: 8, seqLen: 12, batchSize: 16 },
      onReady: ({ buildMs }) => { buildS = buildMs / 1000; last = performance.now(); sampler.phase('iterations'); },
      onIteration: () => { const now = performance.now(); iterations.push((now - last) / 1000); last = now; },
    });
    const end = memory();
    const peak = process.resourceUsage().maxRSS * 1024;
    const sampled = await sampler.stop();
    console.log(`graphs and sessions ${buildS.toFixed(1)} s; iterations ${iterations.map((s) => s.toFixed(1)).join(', ')} s; ${out.result.stats.evaluations} prompts scored`);
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
