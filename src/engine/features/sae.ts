/**
 * Sparse autoencoders in SAELens's on-disk format: a folder with `cfg.json` and
 * `sae_weights.safetensors` (W_enc [d_in, d_sae], b_enc [d_sae], W_dec [d_sae, d_in],
 * b_dec [d_in]; `threshold` [d_sae] for JumpReLU SAEs). Latent i of activation x is
 *   act((x − b_dec)·W_enc[:, i] + b_enc[i])
 * (without − b_dec when cfg says apply_b_dec_to_input: false); act is relu, or JumpReLU
 * (pre · [pre > threshold_i]), or TopK (architecture "topk": the k largest per token, relu'd).
 * Gated SAEs are refused. sparsify's TopK layout (below) is read too. SAELens transcoders are read too: the same files with W_dec [d_sae, d_out]
 * and b_dec [d_out] in the output space, so their encoder never subtracts it.
 *
 * Also Gemma Scope's raw release layout, `…/layer_<L>/width_<W>/average_l0_<K>/params.npz`
 * (sae-gemma-scope.ts: the same five arrays, JumpReLU, the hook from the path or saeLatent's `hook`).
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { GEMMA_SCOPE_PARAMS, readGemmaScope } from './sae-gemma-scope';
import { toBase64 } from '../epo/base64';
import { readSafetensorsFile } from '../models/safetensors';
import type { WeightMap } from '../models/weights';

export { gemmaScopeHook, gemmaScopeTranscoderOut, GEMMA_SCOPE_PARAMS } from './sae-gemma-scope';
export const SAE_CONFIG = 'cfg.json';
/** SAELens's transcoder architectures (cfg.json `architecture`). */
const TRANSCODER_ARCHITECTURES = new Set(['transcoder', 'skip_transcoder', 'jumprelu_transcoder', 'jumprelu_skip_transcoder']);
export const SAE_WEIGHTS = 'sae_weights.safetensors';

export interface Sae {
  dir: string;
  hookName: string;
  dIn: number;
  dSae: number;
  applyBDecToInput: boolean;
  /** A transcoder (SAELens `transcoder` architectures): where its decoder writes, and that hook's width. */
  transcoder?: { hookOut: string; dOut: number };
  activation: 'relu' | 'jumprelu' | 'topk';
  /** TopK SAEs (sparsify): how many latents are kept per token. */
  k?: number;
  /**
   * SAELens's `normalize_activations`, applied to x before b_dec: `constant_norm_rescale` scales
   * each token to norm √d_in ('sqrtDOverNorm'); `expected_average_only_in` multiplies by its
   * norm_scaling_factor (a number).
   */
  inputScale?: 'sqrtDOverNorm' | number;
  weights: WeightMap;
}

/** The encoder of one latent, which is all a feature needs. */
export interface SaeLatentEncoder {
  hook: string;
  wEnc: number[];
  bEnc: number;
  bDec: number[] | null;
  activation: 'relu' | 'jumprelu' | 'none';
  threshold?: number;
  /**
   * A TopK SAE's latent is kept only among the token's k largest: the whole encoder, as base64
   * little-endian float32 (W [d_sae, d_in] row-major, b [d_sae]), so the spec stays plain JSON.
   */
  topK?: { k: number; latent: number; dSae: number; w: string; b: string };
  /** Sae.inputScale, applied to x before b_dec. */
  inputScale?: 'sqrtDOverNorm' | number;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v ? v : undefined;
}

export const SPARSIFY_WEIGHTS = 'sae.safetensors';
/** A TopK latent carries the whole encoder in its spec; past this it would be too big to hash and keep. */
export const TOPK_ENCODER_MAX_BYTES = 256 * 2 ** 20;

/**
 * The hook of a sparsify SAE from its hookpoint (the folder name): the output of layer N
 * (`layers.N`, `h.N`, `gpt_neox.layers.N`, …) is blocks.N.hook_resid_post, its MLP blocks.N.hook_mlp_out.
 */
export function sparsifyHook(hookpoint: string): string | undefined {
  const m = /(?:^|\.)(?:layers|h)\.(\d+)(\.mlp)?$/.exec(hookpoint);
  if (!m) return undefined;
  return m[2] ? `blocks.${m[1]}.hook_mlp_out` : `blocks.${m[1]}.hook_resid_post`;
}

/** What every TopK SAE must satisfy: k within its latents, and an encoder small enough to travel in the spec. */
function checkTopK(k: number, dSae: number, dIn: number, what: string): void {
  if (k > dSae) throw new Error(`${what}: k = ${k} is more than its ${dSae} latents`);
  if (4 * dSae * dIn > TOPK_ENCODER_MAX_BYTES) throw new Error(`${what}: its encoder is ${((4 * dSae * dIn) / 2 ** 20).toFixed(0)} MiB; TopK latents need the whole encoder and are supported up to ${TOPK_ENCODER_MAX_BYTES / 2 ** 20} MiB`);
}

/**
 * EleutherAI sparsify's layout: `cfg.json` (with `k`, `d_in`) and `sae.safetensors` holding
 * `encoder.weight` [d_sae, d_in], `encoder.bias`, `W_dec` [d_sae, d_in], `b_dec`. Latents are
 * relu((x − b_dec)·encoder.weightᵀ + encoder.bias), of which each token keeps its k largest.
 */
async function readSparsify(dir: string, cfg: Record<string, unknown>, ref: string, hook: string | undefined): Promise<Sae> {
  const what = `SAE '${ref}'`;
  if (cfg.transcode === true) throw new Error(`${what}: a sparsify transcoder (transcode: true) is not an SAE of one hook; transcoders are not supported yet`);
  if (cfg.skip_connection === true) throw new Error(`${what}: sparsify SAEs with a skip connection are not supported`);
  const act = str(cfg.activation) ?? 'topk';
  if (act !== 'topk') throw new Error(`${what}: sparsify activation '${act}' is not supported (only 'topk')`);
  const k = cfg.k;
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) throw new Error(`${what}: ${SAE_CONFIG} must give k, the latents kept per token, as an integer ≥ 1 (got ${JSON.stringify(k)})`);
  const folder = dir.split(/[\\/]/).filter(Boolean).pop() ?? '';
  const hookName = hook ?? sparsifyHook(folder);
  if (!hookName) {
    throw new Error(`${what}: the folder name '${folder}' is not a sparsify hookpoint Reverie knows (layers.N, layers.N.mlp); give it: saeLatent(path, latent, { hook: 'blocks.<N>.hook_resid_post' })`);
  }
  let file: WeightMap;
  try {
    ({ weights: file } = await readSafetensorsFile(join(dir, SPARSIFY_WEIGHTS)));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`${what}: ${code === 'ENOENT' ? `no ${SPARSIFY_WEIGHTS} in ${dir}` : (e as Error).message}`);
  }
  const get = (name: string) => {
    const w = file.get(name);
    if (!w) throw new Error(`${what}: ${SPARSIFY_WEIGHTS} has no '${name}' (it has ${[...file.keys()].join(', ')})`);
    return w;
  };
  const enc = get('encoder.weight');
  if (enc.shape.length !== 2) throw new Error(`${what}: encoder.weight must be [d_sae, d_in], got [${enc.shape.join(', ')}]`);
  const [dSae, dIn] = enc.shape;
  if (cfg.d_in !== undefined && cfg.d_in !== dIn) throw new Error(`${what}: ${SAE_CONFIG} says d_in = ${String(cfg.d_in)} but encoder.weight is [${dSae}, ${dIn}]`);
  checkTopK(k, dSae, dIn, what);
  for (const [name, shape] of [['encoder.bias', [dSae]], ['W_dec', [dSae, dIn]], ['b_dec', [dIn]]] as const) {
    const s = get(name).shape;
    if (s.join() !== shape.join()) throw new Error(`${what}: ${name} is [${s.join(', ')}], expected [${shape.join(', ')}] for encoder.weight [${dSae}, ${dIn}]`);
  }
  // SAELens's names and layout (W_enc [d_in, d_sae]), so one encoder serves every format.
  const w = enc.data, wEnc = new Float32Array(dIn * dSae);
  for (let l = 0; l < dSae; l++) for (let r = 0; r < dIn; r++) wEnc[r * dSae + l] = w[l * dIn + r];
  const weights: WeightMap = new Map([
    ['W_enc', { shape: [dIn, dSae], data: wEnc }], ['b_enc', get('encoder.bias')], ['W_dec', get('W_dec')], ['b_dec', get('b_dec')],
    ['encoder.weight', enc],
  ]);
  return { dir, hookName, dIn, dSae, applyBDecToInput: true, activation: 'topk', k, weights };
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isFile(), () => false);
}

/**
 * An SAE by path: a SAELens folder, or a Gemma Scope `params.npz` (the file or its folder).
 * `hook` names the hook where the format has no config (Gemma Scope); SAELens's cfg says its own.
 */
export async function readSae(dir: string, ref: string, hook?: string): Promise<Sae> {
  if (dir.endsWith('.npz') || (!(await isFile(join(dir, SAE_CONFIG))) && (await isFile(join(dir, GEMMA_SCOPE_PARAMS))))) {
    return readGemmaScope(dir.endsWith('.npz') ? dir : join(dir, GEMMA_SCOPE_PARAMS), ref, hook);
  }
  const what = `SAE '${ref}'`;
  let cfg: Record<string, unknown>;
  try {
    cfg = JSON.parse(await readFile(join(dir, SAE_CONFIG), 'utf8')) as Record<string, unknown>;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`${what}: ${code === 'ENOENT' || code === 'ENOTDIR' ? `no ${SAE_CONFIG} in ${dir} (an SAELens SAE is a folder with ${SAE_CONFIG} and ${SAE_WEIGHTS})` : `cannot read ${SAE_CONFIG} (${(e as Error).message})`}`);
  }
  if (typeof cfg !== 'object' || cfg === null || Array.isArray(cfg)) throw new Error(`${what}: ${SAE_CONFIG} must hold a JSON object`);
  if (cfg.k !== undefined && !(await isFile(join(dir, SAE_WEIGHTS))) && (await isFile(join(dir, SPARSIFY_WEIGHTS)))) return readSparsify(dir, cfg, ref, hook);
  const meta = (typeof cfg.metadata === 'object' && cfg.metadata !== null ? cfg.metadata : {}) as Record<string, unknown>;
  const hookName = str(cfg.hook_name) ?? str(cfg.hook_point) ?? str(meta.hook_name);
  if (!hookName) throw new Error(`${what}: ${SAE_CONFIG} names no hook (expected "hook_name", or "hook_point" in older SAELens configs)`);
  if (cfg.hook_head_index !== undefined && cfg.hook_head_index !== null) throw new Error(`${what}: SAEs on one attention head (hook_head_index) are not supported`);
  const norm = cfg.normalize_activations ?? 'none';
  let inputScale: Sae['inputScale'];
  if (norm === 'constant_norm_rescale') inputScale = 'sqrtDOverNorm';
  else if (norm === 'expected_average_only_in') {
    const f = cfg.norm_scaling_factor;
    if (typeof f !== 'number' || !Number.isFinite(f) || f <= 0) {
      throw new Error(`${what}: normalize_activations 'expected_average_only_in' needs its norm_scaling_factor in ${SAE_CONFIG} (it was estimated from training data; SAELens's fold_activation_norm_scaling_factor folds it into the weights)`);
    }
    inputScale = f;
  } else if (norm !== 'none') {
    throw new Error(`${what}: normalize_activations '${String(norm)}' is not supported (only 'none', 'constant_norm_rescale' and 'expected_average_only_in' with its norm_scaling_factor)`);
  }
  const kind = (str(cfg.architecture) ?? str(cfg.activation_fn_str) ?? str(cfg.activation_fn) ?? 'relu').toLowerCase();
  // Transcoders (sae_lens/saes/transcoder.py) encode like SAEs but never subtract b_dec, which lies
  // in the output space; a skip transcoder's W_skip only adds to the output.
  const isTranscoder = TRANSCODER_ARCHITECTURES.has(kind);
  const base = isTranscoder ? kind.replace(/_?(skip_)?transcoder$/, '') || 'relu' : kind;
  const activation = base === 'standard' || base === 'relu' ? 'relu' : base === 'jumprelu' ? 'jumprelu' : base === 'topk' ? 'topk' : undefined;
  if (!activation) throw new Error(`${what}: '${kind}' SAEs are not supported (only standard ReLU, JumpReLU and TopK SAEs, and ReLU and JumpReLU transcoders)`);
  const k = cfg.k;
  if (activation === 'topk' && (typeof k !== 'number' || !Number.isInteger(k) || k < 1)) {
    throw new Error(`${what}: ${SAE_CONFIG} of a TopK SAE must give k, the latents kept per token, as an integer ≥ 1 (got ${JSON.stringify(k)})`);
  }
  const hookOut = str(cfg.hook_name_out) ?? str(meta.hook_name_out);
  if (isTranscoder && !hookOut) throw new Error(`${what}: ${SAE_CONFIG} of a '${kind}' names no output hook (expected "hook_name_out")`);

  let weights: WeightMap;
  try {
    ({ weights } = await readSafetensorsFile(join(dir, SAE_WEIGHTS)));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`${what}: ${code === 'ENOENT' ? `no ${SAE_WEIGHTS} in ${dir}` : (e as Error).message}`);
  }
  const shapeOf = (name: string): number[] => {
    const w = weights.get(name);
    if (!w) throw new Error(`${what}: ${SAE_WEIGHTS} has no '${name}' (it has ${[...weights.keys()].join(', ')})`);
    return w.shape;
  };
  const enc = shapeOf('W_enc');
  if (enc.length !== 2) throw new Error(`${what}: W_enc must be [d_in, d_sae], got [${enc.join(', ')}]`);
  const [dIn, dSae] = enc;
  const expect = (name: string, shape: number[]) => {
    const s = shapeOf(name);
    if (s.join() !== shape.join()) throw new Error(`${what}: ${name} is [${s.join(', ')}], expected [${shape.join(', ')}] for W_enc [${dIn}, ${dSae}]`);
  };
  expect('b_enc', [dSae]);
  const dOut = isTranscoder ? shapeOf('W_dec')[1] : dIn;
  expect('W_dec', [dSae, dOut]);
  expect('b_dec', [dOut]);
  if (activation === 'jumprelu') expect('threshold', [dSae]);
  const sizes = [['d_in', dIn, `W_enc is [${dIn}, ${dSae}]`], ['d_sae', dSae, `W_enc is [${dIn}, ${dSae}]`], ...(isTranscoder ? [['d_out', dOut, `W_dec is [${dSae}, ${dOut}]`] as const] : [])] as const;
  for (const [key, size, because] of sizes) {
    if (cfg[key] !== undefined && cfg[key] !== size) throw new Error(`${what}: ${SAE_CONFIG} says ${key} = ${String(cfg[key])} but ${because}`);
  }
  if (activation === 'topk') addTopKEncoder(weights, dIn, dSae, k as number, cfg.rescale_acts_by_decoder_norm === true, what);
  return {
    dir, hookName, dIn, dSae, applyBDecToInput: !isTranscoder && cfg.apply_b_dec_to_input !== false, activation, weights,
    ...(activation === 'topk' ? { k: k as number } : {}),
    ...(inputScale !== undefined ? { inputScale } : {}), ...(isTranscoder ? { transcoder: { hookOut: hookOut!, dOut } } : {}),
  };
}

/**
 * A SAELens TopK SAE (sae_lens/saes/topk_sae.py): each token keeps the k largest pre-activations,
 * relu'd — the same latents as relu first and then the k largest, which is how the graph computes
 * them (the sparsify layout's encoder, `encoder.weight` [d_sae, d_in]). With
 * rescale_acts_by_decoder_norm the pre-activations are multiplied by ‖W_dec[i]‖ before the top-k:
 * folded here into W_enc's columns and b_enc, which scales each latent's pre-activation exactly so.
 */
function addTopKEncoder(weights: WeightMap, dIn: number, dSae: number, k: number, rescale: boolean, what: string): void {
  checkTopK(k, dSae, dIn, what);
  const W = weights.get('W_enc')!.data, b = weights.get('b_enc')!.data, D = weights.get('W_dec')!;
  const dOut = D.shape[1];
  const scale = Float32Array.from({ length: dSae }, (_, l) => {
    if (!rescale) return 1;
    let ss = 0;
    for (let c = 0; c < dOut; c++) ss += D.data[l * dOut + c] ** 2;
    return Math.sqrt(ss);
  });
  const wEnc = new Float32Array(dIn * dSae), enc = new Float32Array(dSae * dIn);
  for (let r = 0; r < dIn; r++) for (let l = 0; l < dSae; l++) enc[l * dIn + r] = wEnc[r * dSae + l] = W[r * dSae + l] * scale[l];
  weights.set('W_enc', { shape: [dIn, dSae], data: wEnc });
  weights.set('b_enc', { shape: [dSae], data: Float32Array.from(b, (v, l) => v * scale[l]) });
  weights.set('encoder.weight', { shape: [dSae, dIn], data: enc });
}

export function latentEncoder(sae: Sae, index: number, preActivation: boolean, ref: string): SaeLatentEncoder {
  if (!Number.isInteger(index) || index < 0 || index >= sae.dSae) {
    throw new Error(`latent ${index} does not exist: SAE '${ref}' has ${sae.dSae} latents (0–${sae.dSae - 1})`);
  }
  const W = sae.weights.get('W_enc')!.data;
  const wEnc = Array.from({ length: sae.dIn }, (_, r) => W[r * sae.dSae + index]);
  const topK = sae.activation === 'topk' && !preActivation
    ? { k: sae.k!, latent: index, dSae: sae.dSae, w: toBase64(sae.weights.get('encoder.weight')!.data), b: toBase64(sae.weights.get('b_enc')!.data) }
    : undefined;
  return {
    hook: sae.hookName,
    wEnc,
    bEnc: sae.weights.get('b_enc')!.data[index],
    bDec: sae.applyBDecToInput ? Array.from(sae.weights.get('b_dec')!.data) : null,
    // A TopK latent is relu'd, then kept if among the k largest (the spec's topK).
    activation: preActivation ? 'none' : sae.activation === 'topk' ? 'relu' : sae.activation,
    threshold: sae.activation === 'jumprelu' ? sae.weights.get('threshold')!.data[index] : undefined,
    ...(topK ? { topK } : {}),
    ...(sae.inputScale !== undefined ? { inputScale: sae.inputScale } : {}),
  };
}
