/**
 * Gemma Scope's raw release layout: `…/layer_<L>/width_<W>/average_l0_<K>/params.npz` with W_enc,
 * b_enc, W_dec, b_dec and threshold (JumpReLU; the encoder does not subtract b_dec). It has no
 * config, so the hook comes from saeLatent's `hook` option, else from the path.
 */
import { readNpz } from './npz';
import type { WeightMap } from '../models/weights';
import type { Sae } from './sae';

export const GEMMA_SCOPE_PARAMS = 'params.npz';

/**
 * The hook of a Gemma Scope SAE from its path (layer_<L> under a -res / -mlp / -att release), or
 * undefined. An -att SAE reads the per-head attention outputs `attn.hook_z`, flattened head-major
 * (SAELens's loader: "att" in the repo → blocks.<L>.attn.hook_z).
 * Under a -transcoders release it is a transcoder's input hook (SAELens's gemma_2_transcoder
 * config: ln2.hook_normalized in, hook_mlp_out out): see gemmaScopeTranscoderOut.
 */
export function gemmaScopeHook(path: string): string | undefined {
  const layer = /(?:^|[\\/])layer_(\d+)(?:[\\/]|$)/.exec(path)?.[1];
  if (layer === undefined) return undefined;
  if (/-transcoders?\b/i.test(path)) return `blocks.${layer}.ln2.hook_normalized`;
  if (/-res\b|resid/i.test(path)) return `blocks.${layer}.hook_resid_post`;
  if (/-mlp\b/i.test(path)) return `blocks.${layer}.hook_mlp_out`;
  if (/-att\b/i.test(path)) return `blocks.${layer}.attn.hook_z`;
  return undefined;
}

/** A Gemma Scope transcoder's output hook, from its path (layer_<L> under a -transcoders release). */
export function gemmaScopeTranscoderOut(path: string): string | undefined {
  const layer = /(?:^|[\\/])layer_(\d+)(?:[\\/]|$)/.exec(path)?.[1];
  return layer !== undefined && /-transcoders?\b/i.test(path) ? `blocks.${layer}.hook_mlp_out` : undefined;
}

export async function readGemmaScope(file: string, ref: string, hook: string | undefined): Promise<Sae> {
  const what = `SAE '${ref}'`;
  const hookName = hook ?? gemmaScopeHook(file);
  if (!hookName) {
    throw new Error(`${what}: a Gemma Scope ${GEMMA_SCOPE_PARAMS} has no config naming its hook, and the path does not say it ` +
      `(layer_<L> under a '-res', '-mlp' or '-att' release); give it: saeLatent(path, latent, { hook: 'blocks.<L>.hook_resid_post' })`);
  }
  let arrays: Map<string, { shape: number[]; data: Float32Array }>;
  try {
    arrays = await readNpz(file);
  } catch (e) {
    throw new Error(`${what}: ${(e as Error).message}`);
  }
  const weights: WeightMap = new Map();
  for (const name of ['W_enc', 'b_enc', 'W_dec', 'b_dec', 'threshold']) {
    const a = arrays.get(name);
    if (!a) throw new Error(`${what}: ${GEMMA_SCOPE_PARAMS} has no '${name}' (it has ${[...arrays.keys()].join(', ')})`);
    weights.set(name, a);
  }
  const enc = weights.get('W_enc')!.shape;
  if (enc.length !== 2) throw new Error(`${what}: W_enc must be [d_in, d_sae], got [${enc.join(', ')}]`);
  const [dIn, dSae] = enc;
  const hookOut = gemmaScopeTranscoderOut(file);
  const dOut = hookOut ? weights.get('W_dec')!.shape[1] : dIn;
  for (const [name, shape] of [['b_enc', [dSae]], ['W_dec', [dSae, dOut]], ['b_dec', [dOut]], ['threshold', [dSae]]] as const) {
    const s = weights.get(name)!.shape;
    if (s.join() !== shape.join()) throw new Error(`${what}: ${name} is [${s.join(', ')}], expected [${shape.join(', ')}] for W_enc [${dIn}, ${dSae}]`);
  }
  return { dir: file, hookName, dIn, dSae, applyBDecToInput: false, activation: 'jumprelu', weights, ...(hookOut ? { transcoder: { hookOut, dOut } } : {}) };
}
