/**
 * One entry point for every model reference: the bundled default ('stories260K'), a llama2.c
 * checkpoint (.bin with its tok*.bin beside it), a Hugging Face folder, or a Hub id resolved in
 * the Hugging Face cache (downloaded only when allowed).
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Arch } from './arch';
import { LARGE_WEIGHTS_FROM, isLazy, type WeightMap } from './weights';
import type { Tokenizer } from '../tokenizers/tokenizer';
import { readLlama2c } from './llama2c';
import { SentencePieceTokenizer } from '../tokenizers/sentencepiece';
import { readHfConfig, type HfModelConfig } from './hf-config';
import { loadSafetensorsFolder } from './safetensors';
import { HfTokenizer } from '../tokenizers/hf-tokenizer';
import { resolveModelRef, ResolveOptions } from '../hub/resolve';

export const BUNDLED_MODEL = 'stories260K';

export interface ModelFile {
  name: string;
  bytes: number;
  sha256: string;
}

export interface LoadedModel {
  /** The reference as the user gave it (or the bundled name). */
  id: string;
  /** Short display name. */
  name: string;
  format: 'llama2c' | 'safetensors';
  arch: Arch;
  weights: WeightMap;
  tokenizer: Tokenizer;
  /** The files the weights and tokenizer came from, hashed (run files record them). */
  files: ModelFile[];
  /** Where the model was read from. */
  path: string;
}

/** The bundled model folder, found beside the bundle (dist/../media) or the sources. */
export function bundledModelDir(): string {
  const candidates = [join(__dirname, '..', 'media', 'models', BUNDLED_MODEL), join(__dirname, '..', '..', '..', 'media', 'models', BUNDLED_MODEL)];
  const dir = candidates.find((c) => existsSync(join(c, `${BUNDLED_MODEL}.bin`)));
  if (!dir) throw new Error(`the bundled model ${BUNDLED_MODEL} is missing (looked in ${candidates.join(', ')})`);
  return dir;
}

export function sha256File(path: string): Promise<string> {
  return new Promise((ok, fail) => {
    const h = createHash('sha256');
    createReadStream(path).on('data', (c) => h.update(c)).on('error', fail).on('end', () => ok(h.digest('hex')));
  });
}

async function describe(paths: string[]): Promise<ModelFile[]> {
  return Promise.all(paths.map(async (p) => ({ name: basename(p), bytes: statSync(p).size, sha256: await sha256File(p) })));
}

async function loadLlama2c(binPath: string, id: string): Promise<LoadedModel> {
  const dir = dirname(binPath);
  const toks = (await readdir(dir)).filter((f) => /^tok.*\.bin$/.test(f)).sort();
  if (!toks.length) throw new Error(`no tokenizer (tok*.bin) next to ${binPath}`);
  const { config, weights } = await readLlama2c(binPath);
  const tokPath = join(dir, toks.find((t) => t === `tok${config.vocabSize}.bin`) ?? toks[0]);
  const tokenizer = await SentencePieceTokenizer.load(tokPath, config.vocabSize);
  return {
    id, name: basename(binPath, '.bin'), format: 'llama2c', arch: { family: 'llama', ...config }, weights, tokenizer,
    files: await describe([binPath, tokPath]), path: binPath,
  };
}

/**
 * Checkpoints may carry buffers that are not weights (causal-mask tensors, rotary tables) and, in a
 * multimodal Gemma 3, a vision tower the text model never reads: none is loaded.
 */
const NOT_WEIGHTS = /(\.attn\.(masked_)?bias|\.attention\.(masked_)?bias|rotary_emb\.inv_freq)$|^(vision_tower|multi_modal_projector)\./;

/** The original GPT-2 checkpoints store names without the `transformer.` prefix. */
function canonicalGpt2Names(weights: WeightMap): WeightMap {
  if (weights.has('transformer.wte.weight') || !weights.has('wte.weight')) return weights;
  return new Map([...weights].map(([k, v]) => [k.startsWith('lm_head.') ? k : `transformer.${k}`, v]));
}

/**
 * Where a decoder's tensors live: `model.` in a causal-LM checkpoint; a multimodal Gemma 3 nests
 * its text tower under `language_model.model.` (released checkpoints) or `model.language_model.`
 * (saved by newer transformers).
 */
const DECODER_PREFIXES = ['model.', 'language_model.model.', 'model.language_model.'];

function withDecoderPrefix(config: HfModelConfig, weights: WeightMap, dir: string): HfModelConfig {
  if (config.family === 'neox' || config.family === 'gpt2') return config;
  // A tied checkpoint may store the shared matrix only as the head (without a __metadata__ alias).
  if (config.tiedEmbeddings && !DECODER_PREFIXES.some((p) => weights.has(`${p}embed_tokens.weight`)) && weights.has('lm_head.weight')) {
    weights.set('model.embed_tokens.weight', weights.get('lm_head.weight')!);
  }
  const prefix = DECODER_PREFIXES.find((p) => weights.has(`${p}embed_tokens.weight`));
  if (!prefix) throw new Error(`${dir}: no token embedding (looked for ${DECODER_PREFIXES.map((p) => `${p}embed_tokens.weight`).join(', ')})`);
  const headName = ['lm_head.weight', 'language_model.lm_head.weight'].find((n) => weights.has(n));
  return { ...config, prefix, ...(headName ? { headName } : {}) };
}

async function loadHfFolder(dir: string, id: string, { onStage, announceFrom = LARGE_WEIGHTS_FROM, lazyWeights }: LoadOptions): Promise<LoadedModel> {
  const parsed = await readHfConfig(dir);
  const weightFiles = (await readdir(dir)).filter((f) => f.endsWith('.safetensors'));
  const weightBytes = weightFiles.reduce((s, f) => s + statSync(join(dir, f)).size, 0);
  const announce = onStage && weightBytes >= announceFrom;
  const t0 = performance.now();
  if (announce) onStage(`reading ${(weightBytes / 2 ** 30).toFixed(2)} GiB of weights from ${weightFiles.length} file${weightFiles.length === 1 ? '' : 's'} in ${dir} …`);
  const loaded = await loadSafetensorsFolder(dir, { include: (name) => !NOT_WEIGHTS.test(name), lazy: lazyWeights });
  const lazy = [...loaded.weights.values()].some(isLazy);
  // Large weights are read tensor by tensor while the graphs are built (models/weights.ts).
  if (announce) onStage(lazy ? 'headers checked; the tensors are read while the graphs are built' : `read in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const weights = parsed.family === 'gpt2' ? canonicalGpt2Names(loaded.weights) : loaded.weights;
  const config = withDecoderPrefix(parsed, weights, dir);
  const tokenizer = await HfTokenizer.load(dir);
  const files = (await readdir(dir)).filter((f) => /\.(json|safetensors)$/.test(f)).sort().map((f) => join(dir, f));
  return { id, name: basename(resolve(dir)), format: 'safetensors', arch: config, weights, tokenizer, files: await describe(files), path: dir };
}

export interface LoadOptions extends ResolveOptions {
  /** Told what a long load is doing ("reading 2.6 GiB of weights …", "read in 31.0 s"). */
  onStage?: (message: string) => void;
  /** Read the tensors when the graphs are built, keeping none (default: for weights of LARGE_WEIGHTS_FROM bytes or more as fp32). */
  lazyWeights?: boolean;
  /** Announce loads of at least this many bytes of weight files (default LARGE_WEIGHTS_FROM; smaller ones load in a blink). */
  announceFrom?: number;
}

export async function loadModel(ref: string = BUNDLED_MODEL, opts: LoadOptions = {}): Promise<LoadedModel> {
  if (ref === BUNDLED_MODEL) return loadLlama2c(join(bundledModelDir(), `${BUNDLED_MODEL}.bin`), ref);
  const path = await resolveModelRef(ref, opts);
  if (statSync(path).isDirectory()) {
    if (existsSync(join(path, 'config.json'))) return loadHfFolder(path, ref, opts);
    const bins = (await readdir(path)).filter((f) => f.endsWith('.bin') && !f.startsWith('tok'));
    if (bins.length === 1) return loadLlama2c(join(path, bins[0]), ref);
    throw new Error(`${path}: neither a Hugging Face model folder (no config.json) nor a llama2.c folder (one checkpoint .bin beside tok*.bin)`);
  }
  if (path.endsWith('.bin')) return loadLlama2c(path, ref);
  throw new Error(`${path}: not a model (expected a folder with config.json, or a llama2.c .bin checkpoint)`);
}
