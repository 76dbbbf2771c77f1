/**
 * Every built-in and every Tensor operation, compiled from a feature file, against the same
 * value computed by hand in JS from the raw hook values of the same forward pass (stories260K,
 * 4 random prompts of 6 tokens after BOS).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadFeatureFile } from '../../src/engine/features/load';
import { compileFeature, CompiledFeature } from '../../src/engine/features/compile';
import { encodeNpy, encodeSafetensors } from '../../src/engine/features/write-tensors';
import { buildScoreGraph } from '../../src/engine/dream/graphs';
import { EngineSession } from '../../src/engine/runtime/ort';
import { stories260K, workspace, runFeatures, at, row, prng } from './helpers';

const FEATURES = `
import { defineFeature, neuron, logit, logitMargin, direction, attention, saeLatent, combine, vector } from 'reverie';
const M = 'stories260K';
export const neuronLast = defineFeature({ model: M, objective: neuron(2, 17) });
export const neuronMax = defineFeature({ model: M, objective: neuron(1, 5, 'max') });
export const neuronAt2 = defineFeature({ model: M, objective: neuron(3, 100, 2) });
export const logitHappy = defineFeature({ model: M, objective: logit(' happy') });
export const logitId = defineFeature({ model: M, objective: logit(300, -2) });
export const margin = defineFeature({ model: M, objective: logitMargin(' happy') });
export const dirStd = defineFeature({ model: M, objective: direction('blocks.3.hook_resid_post', './vectors/v.npy') });
export const dirRaw = defineFeature({ model: M, objective: direction('blocks.1.hook_resid_post', './vectors/v.json', { standardize: false, position: 0 }) });
export const attn = defineFeature({ model: M, objective: attention(1, 3, 'last', 2) });
export const attnMax = defineFeature({ model: M, objective: attention(0, 5, 4, 'max') });
export const sae = defineFeature({ model: M, objective: saeLatent('./sae', 7) });
export const saePre = defineFeature({ model: M, objective: saeLatent('./sae', 7, { preActivation: true }) });
export const saeJump = defineFeature({ model: M, objective: saeLatent('./sae-jump', 3, { position: 1 }) });
export const saeLegacy = defineFeature({ model: M, objective: saeLatent('./sae-legacy', 2) });
export const saeNormed = defineFeature({ model: M, objective: saeLatent('./sae-normed', 7, { preActivation: true }) });
export const saeScaled = defineFeature({ model: M, objective: saeLatent('./sae-scaled', 7, { preActivation: true }) });
export const combo = defineFeature({ model: M, objective: combine([[neuron(2, 17), 1], [logit(' happy'), -0.5]]) });
export const arith = defineFeature({
  model: M,
  objective: (m) => m.blocks[2].mlp.post.at('mean').index(3).mul(2).add(m.blocks[0].resid.post.at(-2).norm())
    .sub(m.blocks[4].attn.out.at('last').relu().sum()).div(4),
});
export const midDot = defineFeature({ model: M, objective: (m) => m.blocks[1].resid.mid.at(1).standardize().dot(vector('./vectors/w.safetensors#dir')) });
export const zHead = defineFeature({ model: M, objective: (m) => m.hook('blocks.2.attn.hook_z').at('last').head(1).index(3).square().neg() });
export const embedAbs = defineFeature({ model: M, objective: (m) => m.embed.at(0).abs().mean() });
export const logitsMax = defineFeature({ model: M, objective: (m) => m.logits.at('last').index(' happy').sub(m.logits.at('last').max()) });
export const f64 = defineFeature({ model: M, objective: (m) => m.blocks[4].resid.post.at('last').dot('./vectors/v64.npy') });
export const inline = defineFeature({ model: M, objective: (m) => m.blocks[0].mlp.pre.at('max').dot(Array.from({ length: 172 }, (_, i) => (i % 3) - 1)) });
export const keyPick = defineFeature({ model: M, objective: (m) => m.blocks[2].attn.pattern.select('head', 6).at('mean').key(0) });
export const marginTop = defineFeature({ model: M, objective: logitMargin(TOP) });
export const scalarMul = defineFeature({ model: M, objective: (m) => m.blocks[2].mlp.post.at('last').mul(m.blocks[1].mlp.post.at('last').index(0)).index(9) });
`;

const D = 64, DMLP = 172, HAPPY = 393, N = 6;

function randn(rand: () => number, n: number, scale: number): Float32Array {
  return Float32Array.from({ length: n }, () => {
    const u = Math.max(rand(), 1e-12), v = rand();
    return scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  });
}

function randomSae(rand: () => number, dIn: number, dSae: number, extra: Record<string, Float32Array> = {}) {
  return encodeSafetensors({
    W_enc: { shape: [dIn, dSae], data: randn(rand, dIn * dSae, 0.4) },
    b_enc: { shape: [dSae], data: randn(rand, dSae, 0.5) },
    W_dec: { shape: [dSae, dIn], data: randn(rand, dSae * dIn, 0.2) },
    b_dec: { shape: [dIn], data: randn(rand, dIn, 0.3) },
    ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, { shape: [dSae], data: v }])),
  });
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, x, i) => s + x * b[i], 0);
const standardize = (x: number[]) => {
  const mean = x.reduce((a, b) => a + b, 0) / x.length;
  const variance = x.reduce((a, b) => a + (b - mean) ** 2, 0) / x.length;
  return x.map((v) => (v - mean) / Math.sqrt(variance + 1e-5));
};

test('each built-in and Tensor op equals its hand computation from the hooks', async (t) => {
  const rand = prng(11);
  const v = randn(rand, D, 1), w = randn(rand, D, 1), wDir = randn(rand, D, 1), v64 = randn(rand, D, 1);
  const sae = randomSae(rand, D, 16);
  const jump = randomSae(rand, D, 8, { threshold: Float32Array.from({ length: 8 }, (_, i) => (i === 3 ? 0.2 : 0)) });
  const legacy = randomSae(rand, DMLP, 4);
  const model = await stories260K();
  const prompts = Array.from({ length: 4 }, () => Array.from({ length: N }, () => 3 + Math.floor(rand() * 509)));
  // The first prompt's top next token: its margin is positive, which only a correct "best OTHER
  // logit" gives (the margin against all logits would be 0).
  const first = await runFeatures(model, {}, ['logits'], prompts.slice(0, 1));
  const firstLogits = row(first.hooks.logits, 0, N);
  const top = firstLogits.indexOf(Math.max(...firstLogits));
  const root = workspace({
    'features.ts': FEATURES.replace('TOP', String(top)),
    'vectors/v.npy': encodeNpy(v),
    'vectors/v64.npy': encodeNpy(v64, [D], 'float64'),
    'vectors/v.json': JSON.stringify(Array.from(w)),
    'vectors/w.safetensors': encodeSafetensors({ other: { shape: [2], data: Float32Array.of(1, 2) }, dir: { shape: [D], data: wDir } }),
    'sae/cfg.json': JSON.stringify({ hook_name: 'blocks.2.hook_resid_post', d_in: D, d_sae: 16 }),
    'sae/sae_weights.safetensors': sae,
    'sae-jump/cfg.json': JSON.stringify({ hook_name: 'blocks.2.hook_resid_post', architecture: 'jumprelu' }),
    'sae-jump/sae_weights.safetensors': jump,
    'sae-legacy/cfg.json': JSON.stringify({ hook_point: 'blocks.1.mlp.hook_post', apply_b_dec_to_input: false }),
    'sae-legacy/sae_weights.safetensors': legacy,
    // SAELens normalize_activations: each token to norm √d_in, or × norm_scaling_factor, before b_dec.
    'sae-normed/cfg.json': JSON.stringify({ hook_name: 'blocks.2.hook_resid_post', normalize_activations: 'constant_norm_rescale' }),
    'sae-normed/sae_weights.safetensors': sae,
    'sae-scaled/cfg.json': JSON.stringify({ hook_name: 'blocks.2.hook_resid_post', normalize_activations: 'expected_average_only_in', norm_scaling_factor: 0.7 }),
    'sae-scaled/sae_weights.safetensors': sae,
  });
  const loaded = await loadFeatureFile(`${root}/features.ts`, { workspaceRoot: root, trusted: true });
  assert.deepEqual(loaded.diagnostics.map((d) => d.format()), []);
  const compiled: Record<string, CompiledFeature> = {};
  for (const f of loaded.features) compiled[f.exportName] = await compileFeature(f, model, { seqLen: N });
  assert.equal(Object.keys(compiled).length, 27);

  const hookNames = [
    'blocks.0.mlp.hook_pre', 'blocks.1.mlp.hook_post', 'blocks.2.mlp.hook_post', 'blocks.3.mlp.hook_post', 'logits',
    'blocks.0.hook_resid_post', 'blocks.1.hook_resid_post', 'blocks.2.hook_resid_post', 'blocks.3.hook_resid_post',
    'blocks.4.hook_resid_post', 'blocks.1.hook_resid_mid', 'blocks.0.attn.hook_pattern', 'blocks.1.attn.hook_pattern',
    'blocks.2.attn.hook_pattern', 'blocks.2.attn.hook_z', 'blocks.4.hook_attn_out', 'hook_embed',
  ];
  const fns = Object.fromEntries(Object.entries(compiled).map(([k, c]) => [k, c.fn]));
  const run = await runFeatures(model, fns, hookNames, prompts);
  const h = run.hooks;
  const last = N; // sequence index of the last prompt token (BOS is index 0)
  const W = (file: Uint8Array, name: string) => readF32(file, name);
  const saeLatentRef = (blob: Uint8Array, x: number[], i: number, subtractBDec: boolean) => {
    const wEnc = W(blob, 'W_enc'), bEnc = W(blob, 'b_enc'), bDec = W(blob, 'b_dec');
    const dSae = bEnc.length;
    return x.reduce((s, xr, r) => s + (xr - (subtractBDec ? bDec[r] : 0)) * wEnc[r * dSae + i], 0) + bEnc[i];
  };

  const expected: Record<string, (b: number) => number> = {
    neuronLast: (b) => at(h['blocks.2.mlp.hook_post'], b, last, 17),
    neuronMax: (b) => Math.max(...Array.from({ length: N }, (_, p) => at(h['blocks.1.mlp.hook_post'], b, 1 + p, 5))),
    neuronAt2: (b) => at(h['blocks.3.mlp.hook_post'], b, 3, 100),
    logitHappy: (b) => at(h.logits, b, last, HAPPY),
    logitId: (b) => at(h.logits, b, N - 1, 300),
    margin: (b) => {
      const l = row(h.logits, b, last);
      return l[HAPPY] - Math.max(...l.filter((_, i) => i !== HAPPY));
    },
    dirStd: (b) => dot(standardize(row(h['blocks.3.hook_resid_post'], b, last)), v),
    dirRaw: (b) => dot(row(h['blocks.1.hook_resid_post'], b, 1), w),
    attn: (b) => at(h['blocks.1.attn.hook_pattern'], b, 3, last, 3),
    attnMax: (b) => Math.max(...Array.from({ length: N }, (_, k) => at(h['blocks.0.attn.hook_pattern'], b, 5, 5, 1 + k))),
    sae: (b) => Math.max(0, saeLatentRef(sae, row(h['blocks.2.hook_resid_post'], b, last), 7, true)),
    saePre: (b) => saeLatentRef(sae, row(h['blocks.2.hook_resid_post'], b, last), 7, true),
    saeJump: (b) => {
      const pre = saeLatentRef(jump, row(h['blocks.2.hook_resid_post'], b, 2), 3, true);
      return pre > 0.2 ? pre : 0;
    },
    saeLegacy: (b) => Math.max(0, saeLatentRef(legacy, row(h['blocks.1.mlp.hook_post'], b, last), 2, false)),
    saeNormed: (b) => {
      const x = row(h['blocks.2.hook_resid_post'], b, last);
      const k = Math.sqrt(D) / Math.hypot(...x);
      return saeLatentRef(sae, x.map((v) => v * k), 7, true);
    },
    saeScaled: (b) => saeLatentRef(sae, row(h['blocks.2.hook_resid_post'], b, last).map((v) => v * 0.7), 7, true),
    combo: (b) => at(h['blocks.2.mlp.hook_post'], b, last, 17) - 0.5 * at(h.logits, b, last, HAPPY),
    arith: (b) => {
      const mean = Array.from({ length: N }, (_, p) => at(h['blocks.2.mlp.hook_post'], b, 1 + p, 3)).reduce((a, c) => a + c, 0) / N;
      const norm = Math.hypot(...row(h['blocks.0.hook_resid_post'], b, N - 1));
      const relu = row(h['blocks.4.hook_attn_out'], b, last).reduce((a, c) => a + Math.max(0, c), 0);
      return (2 * mean + norm - relu) / 4;
    },
    midDot: (b) => dot(standardize(row(h['blocks.1.hook_resid_mid'], b, 2)), wDir),
    zHead: (b) => -(at(h['blocks.2.attn.hook_z'], b, last, 1, 3) ** 2),
    embedAbs: (b) => row(h.hook_embed, b, 1).reduce((a, c) => a + Math.abs(c), 0) / D,
    logitsMax: (b) => at(h.logits, b, last, HAPPY) - Math.max(...row(h.logits, b, last)),
    f64: (b) => dot(row(h['blocks.4.hook_resid_post'], b, last), v64),
    inline: (b) => {
      const maxed = Array.from({ length: DMLP }, (_, c) => Math.max(...Array.from({ length: N }, (_, p) => at(h['blocks.0.mlp.hook_pre'], b, 1 + p, c))));
      return dot(maxed, Array.from({ length: DMLP }, (_, i) => (i % 3) - 1));
    },
    keyPick: (b) => Array.from({ length: N }, (_, p) => at(h['blocks.2.attn.hook_pattern'], b, 6, 1 + p, 1)).reduce((a, c) => a + c, 0) / N,
    marginTop: (b) => {
      const l = row(h.logits, b, last);
      return l[top] - Math.max(...l.filter((_, i) => i !== top));
    },
    scalarMul: (b) => at(h['blocks.2.mlp.hook_post'], b, last, 9) * at(h['blocks.1.mlp.hook_post'], b, last, 0),
  };
  assert.deepEqual(Object.keys(expected).sort(), Object.keys(compiled).sort());
  let worst = 0;
  for (const [name, ref] of Object.entries(expected)) {
    for (let b = 0; b < prompts.length; b++) {
      const got = run.features[name][b], want = ref(b);
      const err = Math.abs(got - want);
      worst = Math.max(worst, err / (1 + Math.abs(want)));
      assert.ok(err <= 1e-4 * (1 + Math.abs(want)), `${name}[${b}]: feature ${got}, by hand ${want}`);
    }
  }
  t.diagnostic(`25 features × 4 prompts; worst relative error ${worst.toExponential(2)}`);
  // The relu and the JumpReLU threshold must actually have been exercised.
  const pre = prompts.map((_, b) => expected.saePre(b));
  assert.ok(pre.some((p) => p < 0) && pre.some((p) => p > 0), `SAE pre-activations ${pre} do not straddle 0`);
  assert.ok(run.features.marginTop[0] > 0, `the top token's margin is ${run.features.marginTop[0]}, expected > 0`);
  // Default banned text: the target token's text for logit built-ins, nothing otherwise.
  assert.deepEqual(compiled.margin.bannedText, ['happy']);
  assert.deepEqual(compiled.combo.bannedText, ['happy']);
  assert.deepEqual(compiled.neuronLast.bannedText, []);
});

test('a compiled feature gives the same value through the dream score graph', async () => {
  const root = workspace({ 'f.ts': `import { defineFeature, neuron } from 'reverie';\nexport const a = defineFeature({ model: 'stories260K', objective: neuron(2, 17, 'mean'), seqLen: 5 });\n` });
  const { features } = await loadFeatureFile(`${root}/f.ts`, { workspaceRoot: root, trusted: true });
  const model = await stories260K();
  const c = await compileFeature(features[0], model);
  assert.equal(c.seqLen, 5);
  const prompt = [300, 301, 302, 303, 304];
  const session = await EngineSession.create(buildScoreGraph({ model, feature: c.fn, n: 5, bosId: 1 }), { threads: 1 });
  const out = await session.run({ ids: { dtype: 'int64', dims: [1, 6], data: BigInt64Array.from([1, ...prompt].map(BigInt)) } });
  await session.release();
  const run = await runFeatures(model, {}, ['blocks.2.mlp.hook_post'], [prompt]);
  const want = [1, 2, 3, 4, 5].reduce((s, i) => s + at(run.hooks['blocks.2.mlp.hook_post'], 0, i, 17), 0) / 5;
  assert.ok(Math.abs((out.feature.data as Float32Array)[0] - want) < 1e-5, `${(out.feature.data as Float32Array)[0]} vs ${want}`);
});

/** Reads one F32 tensor from safetensors bytes (independently of the engine's reader). */
function readF32(bytes: Uint8Array, name: string): Float32Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = Number(dv.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + len)));
  const [begin, end] = header[name].data_offsets as [number, number];
  return new Float32Array(bytes.slice(8 + len + begin, 8 + len + end).buffer);
}
