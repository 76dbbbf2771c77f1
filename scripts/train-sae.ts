/**
 * Trains the example SAE on stories260K's `blocks.2.hook_resid_post` and writes it in SAELens
 * format to examples/saes/stories260K-blocks.2.hook_resid_post/ (cfg.json,
 * sae_weights.safetensors, README.md with its quality); with `--transcoder`, the example
 * transcoder of block 2's MLP instead (`blocks.2.ln2.hook_normalized` → `blocks.2.hook_mlp_out`,
 * SAELens's `transcoder` architecture) into examples/saes/stories260K-blocks.2.mlp-transcoder/.
 *
 *   npx tsx scripts/train-sae.ts [--transcoder] [--latents 256] [--l1 …] [--epochs …] [--seed 0]
 *
 * Data: stories sampled from the model itself (temperature 1, special tokens excluded, fixed
 * seed), run through the engine; the activations of every position after BOS are kept.
 * Quality is measured on stories sampled with a different seed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Graph, toOnnx } from '../src/engine/graph';
import { buildForward } from '../src/engine/models/forward';
import { readLlama2c } from '../src/engine/models/llama2c';
import { SentencePieceTokenizer } from '../src/engine/tokenizers/sentencepiece';
import { EngineSession } from '../src/engine/runtime/ort';
import { encodeSafetensors } from '../src/engine/features/write-tensors';
import { Adam, encode, initSae, lossAndGrad, mulberry32, quality, SaeParams } from './sae-trainer';

const TRANSCODER = process.argv.includes('--transcoder');
const HOOK = TRANSCODER ? 'blocks.2.ln2.hook_normalized' : 'blocks.2.hook_resid_post';
/** What is reconstructed: the MLP's output for a transcoder, the input itself for an SAE. */
const HOOK_OUT = TRANSCODER ? 'blocks.2.hook_mlp_out' : HOOK;
const MODEL_DIR = 'media/models/stories260K';
const OUT = join('examples', 'saes', TRANSCODER ? 'stories260K-blocks.2.mlp-transcoder' : `stories260K-${HOOK}`);

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const cfg = {
  latents: arg('latents', 256),
  l1: arg('l1', 1),
  epochs: arg('epochs', 40),
  batch: arg('batch', 256),
  lr: arg('lr', 2e-3),
  seed: arg('seed', 0),
  stories: arg('stories', 256),
  heldOut: arg('held-out', 48),
  length: arg('length', 64),
};

async function main(): Promise<void> {
  const { config, weights } = await readLlama2c(join(MODEL_DIR, 'stories260K.bin'));
  const arch = { family: 'llama' as const, ...config };
  const tokenizer = await SentencePieceTokenizer.load(join(MODEL_DIR, 'tok512.bin'), config.vocabSize);
  const T = cfg.length + 1;
  const g = new Graph('sample');
  const ids = g.input('ids', 'int64', ['B', T]);
  const fwd = buildForward(g, arch, weights, ids, 'stories260K');
  g.output('logits', fwd.logits);
  g.output('act', fwd.hooks.get(HOOK));
  if (TRANSCODER) g.output('target', fwd.hooks.get(HOOK_OUT));
  const session = await EngineSession.create(toOnnx(g));
  const V = config.vocabSize, d = config.hiddenSize;

  /** Samples `count` stories of cfg.length tokens; returns their activations [count·length, d] (and the transcoder's targets) and texts. */
  async function sample(count: number, seed: number): Promise<{ acts: Float32Array; targets: Float32Array; tokens: number[][] }> {
    const rand = mulberry32(seed);
    const seqs = Array.from({ length: count }, () => [tokenizer.bosId ?? 1, ...new Array<number>(cfg.length).fill(0)]);
    const feed = () => ({ ids: { dtype: 'int64' as const, dims: [count, T], data: BigInt64Array.from(seqs.flat().map(BigInt)) } });
    for (let t = 1; t <= cfg.length; t++) {
      // Causal attention: positions ≥ t do not affect the logits at t − 1.
      const logits = (await session.run(feed(), ['logits'])).logits.data as Float32Array;
      for (let b = 0; b < count; b++) {
        const row = logits.subarray((b * T + t - 1) * V, (b * T + t) * V);
        let max = -Infinity;
        for (let v = 0; v < V; v++) if (!tokenizer.specialIds.has(v) && row[v] > max) max = row[v];
        let z = 0;
        const p = new Float64Array(V);
        for (let v = 0; v < V; v++) if (!tokenizer.specialIds.has(v)) z += p[v] = Math.exp(row[v] - max);
        let u = rand() * z, pick = V - 1;
        for (let v = 0; v < V; v++) if ((u -= p[v]) <= 0 && p[v] > 0) { pick = v; break; }
        seqs[b][t] = pick;
      }
    }
    const out = await session.run(feed(), TRANSCODER ? ['act', 'target'] : ['act']);
    // Every position after BOS.
    const rows = (all: Float32Array) => {
      const kept = new Float32Array(count * cfg.length * d);
      for (let b = 0; b < count; b++) kept.set(all.subarray((b * T + 1) * d, (b + 1) * T * d), b * cfg.length * d);
      return kept;
    };
    const acts = rows(out.act.data as Float32Array);
    return { acts, targets: TRANSCODER ? rows(out.target.data as Float32Array) : acts, tokens: seqs.map((s) => s.slice(1)) };
  }

  const started = Date.now();
  const train = await sample(cfg.stories, cfg.seed);
  const test = await sample(cfg.heldOut, cfg.seed + 1000);
  await session.release();
  const m = train.acts.length / d;
  console.log(`sampled ${cfg.stories} + ${cfg.heldOut} stories of ${cfg.length} tokens in ${((Date.now() - started) / 1000).toFixed(1)} s; e.g. "${tokenizer.decode(train.tokens[0]).slice(0, 120)}…"`);

  const mean = new Float32Array(d);
  for (let r = 0; r < m; r++) for (let j = 0; j < d; j++) mean[j] += train.targets[r * d + j] / m;
  const rand = mulberry32(cfg.seed + 1);
  const sae: SaeParams = initSae(d, cfg.latents, mean, rand, TRANSCODER);
  const adam = new Adam(sae, cfg.lr);
  const order = Array.from({ length: m }, (_, i) => i);
  const batch = new Float32Array(cfg.batch * d);
  const target = TRANSCODER ? new Float32Array(cfg.batch * d) : batch;
  for (let epoch = 0; epoch < cfg.epochs; epoch++) {
    for (let i = m - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    let total = 0, steps = 0;
    for (let s = 0; s + cfg.batch <= m; s += cfg.batch) {
      for (let r = 0; r < cfg.batch; r++) {
        batch.set(train.acts.subarray(order[s + r] * d, (order[s + r] + 1) * d), r * d);
        if (TRANSCODER) target.set(train.targets.subarray(order[s + r] * d, (order[s + r] + 1) * d), r * d);
      }
      const { loss, grads } = lossAndGrad(sae, batch, cfg.batch, cfg.l1, target);
      adam.step(sae, grads);
      total += loss;
      steps++;
    }
    if (epoch % 5 === 4 || epoch === cfg.epochs - 1) {
      const q = quality(sae, test.acts, test.acts.length / d, test.targets);
      console.log(`epoch ${epoch + 1}: loss ${(total / steps).toFixed(4)}, held-out FVE ${q.fve.toFixed(3)}, L0 ${q.l0.toFixed(1)}, dead ${q.dead}`);
    }
  }
  const q = quality(sae, test.acts, test.acts.length / d, test.targets);
  const qTrain = quality(sae, train.acts, m, train.targets);

  // The most active latents on held-out text, with the tokens they fire on most: examples to dream about.
  const f = encode(sae, test.acts, test.acts.length / d);
  const flat = test.tokens.flat();
  const summary: string[] = [];
  const freq = Array.from({ length: cfg.latents }, (_, i) => {
    let n = 0;
    for (let r = 0; r < flat.length; r++) if (f[r * cfg.latents + i] > 0) n++;
    return [i, n / flat.length] as const;
  }).sort((a, b) => b[1] - a[1]);
  for (const [i, fr] of freq.filter(([, fr]) => fr > 0.005 && fr < 0.2).slice(0, 8)) {
    const top = Array.from({ length: flat.length }, (_, r) => r).sort((a, b) => f[b * cfg.latents + i] - f[a * cfg.latents + i]).slice(0, 5);
    const contexts = top.map((r) => {
      const b = Math.floor(r / cfg.length), p = r % cfg.length;
      const ctx = tokenizer.decode(test.tokens[b].slice(Math.max(0, p - 4), p)).replace(/\n/g, ' ');
      return `${ctx}[${tokenizer.tokenText(test.tokens[b][p])}]`;
    });
    summary.push(`- latent ${i} (active on ${(100 * fr).toFixed(1)}% of tokens): ${contexts.map((c) => `\`${c.trim()}\``).join(', ')}`);
  }

  mkdirSync(OUT, { recursive: true });
  const saeLensCfg = {
    architecture: TRANSCODER ? 'transcoder' : 'standard', d_in: d, d_sae: cfg.latents, ...(TRANSCODER ? { d_out: d, hook_name_out: HOOK_OUT } : {}),
    dtype: 'float32', device: 'cpu', model_name: 'stories260K', hook_name: HOOK, hook_layer: 2, hook_head_index: null,
    activation_fn_str: 'relu', apply_b_dec_to_input: !TRANSCODER, finetuning_scaling_factor: false,
    normalize_activations: 'none', context_size: T, prepend_bos: true,
    dataset_path: `stories260K samples (temperature 1, seed ${cfg.seed}), scripts/train-sae.ts`,
  };
  writeFileSync(join(OUT, 'cfg.json'), `${JSON.stringify(saeLensCfg, null, 2)}\n`);
  writeFileSync(join(OUT, 'sae_weights.safetensors'), encodeSafetensors({
    W_enc: { shape: [d, cfg.latents], data: sae.W_enc },
    b_enc: { shape: [cfg.latents], data: sae.b_enc },
    W_dec: { shape: [cfg.latents, d], data: sae.W_dec },
    b_dec: { shape: [d], data: sae.b_dec },
  }));
  const what = TRANSCODER
    ? `a ReLU transcoder of block 2's MLP (SAELens's \`transcoder\`: f = relu(x·W_enc + b_enc), ŷ = f·W_dec + b_dec), ${d} → ${cfg.latents} latents → ${d}, loss ‖ŷ − y‖² + ${cfg.l1}·Σf for x = \`${HOOK}\`, y = \`${HOOK_OUT}\``
    : `a standard ReLU SAE, ${d} → ${cfg.latents} latents, loss ‖x̂ − x‖² + ${cfg.l1}·Σf`;
  const readme = `# ${TRANSCODER ? `Transcoder on stories260K \`${HOOK}\` → \`${HOOK_OUT}\`` : `SAE on stories260K \`${HOOK}\``}

Trained by \`npx tsx scripts/train-sae.ts${TRANSCODER ? ' --transcoder' : ''}\` (${Object.entries(cfg).map(([k, v]) => `${k} ${v}`).join(', ')}):
${what}, with unit-norm decoder rows, Adam,
on ${m} activations (every position after BOS of ${cfg.stories} stories the model sampled itself).

| | fraction of variance explained | mean L0 | dead latents |
|---|---|---|---|
| held-out (${test.acts.length / d} activations) | ${q.fve.toFixed(3)} | ${q.l0.toFixed(1)} | ${q.dead} |
| training | ${qTrain.fve.toFixed(3)} | ${qTrain.l0.toFixed(1)} | ${qTrain.dead} |

Latents with the tokens they fire on most (held-out; the firing token in brackets):

${summary.join('\n')}
`;
  writeFileSync(join(OUT, 'README.md'), readme);
  console.log(readme);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
