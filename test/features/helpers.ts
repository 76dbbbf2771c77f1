/** Shared set-up for feature tests: the bundled model, scratch workspaces, graph runs. */
import { mulberry32 } from '../../src/engine/util/random';
import { mkdtempSync, mkdirSync, writeFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { readLlama2c } from '../../src/engine/models/llama2c';
import { SentencePieceTokenizer } from '../../src/engine/tokenizers/sentencepiece';
import { compileFeature, type CompiledFeature, type FeatureModel } from '../../src/engine/features/compile';
import { loadFeatureFile } from '../../src/engine/features/load';
import { Graph, toOnnx } from '../../src/engine/graph';
import { buildForward } from '../../src/engine/models/forward';
import { EngineSession } from '../../src/engine/runtime/ort';
import type { FeatureFn, FeatureView } from '../../src/engine/features/feature';

export const MODEL_DIR = 'media/models/stories260K';

let cached: Promise<FeatureModel> | undefined;

/** stories260K as compileFeature wants it (LoadedModel-shaped). */
export function stories260K(): Promise<FeatureModel> {
  cached ??= (async () => {
    const { config, weights } = await readLlama2c(join(MODEL_DIR, 'stories260K.bin'));
    const tokenizer = await SentencePieceTokenizer.load(join(MODEL_DIR, 'tok512.bin'), config.vocabSize);
    return { name: 'stories260K', arch: { family: 'llama' as const, ...config }, weights, tokenizer };
  })();
  return cached;
}

const scratch: string[] = [];
process.on('exit', () => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** A scratch workspace holding `files` (text or bytes), by relative path; removed when the test process exits. */
export function workspace(files: Record<string, string | Uint8Array>): string {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'reverie-features-')));
  scratch.push(root);
  for (const [rel, content] of Object.entries(files)) {
    const path = join(root, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
  return root;
}

/** 1-based line and column of the first occurrence of `needle` in `text`. */
export function locate(text: string, needle: string): { line: number; column: number } {
  const at = text.indexOf(needle);
  if (at < 0) throw new Error(`'${needle}' is not in the text`);
  const before = text.slice(0, at).split('\n');
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

export interface GraphRun {
  features: Record<string, Float32Array>;
  hooks: Record<string, { dims: number[]; data: Float32Array }>;
}

/**
 * One graph computing several features and the raw hooks they read, over `prompts` (each
 * prefixed with BOS = 1), so tests can recompute the features by hand.
 */
export async function runFeatures(model: FeatureModel, fns: Record<string, FeatureFn>, hookNames: string[], prompts: number[][]): Promise<GraphRun> {
  const n = prompts[0].length;
  const g = new Graph('feature-test');
  const ids = g.input('ids', 'int64', ['B', n + 1]);
  const forward = buildForward(g, model.arch, model.weights, ids, model.name);
  const view: FeatureView = { hook: (h) => forward.hooks.get(h), n, offset: 1, forward };
  for (const [name, fn] of Object.entries(fns)) g.output(`f_${name}`, fn(view));
  for (const h of hookNames) g.output(`h_${h}`, forward.hooks.get(h));
  const session = await EngineSession.create(toOnnx(g), { threads: 1 });
  try {
    const data = BigInt64Array.from(prompts.flatMap((p) => [1, ...p]).map(BigInt));
    const out = await session.run({ ids: { dtype: 'int64', dims: [prompts.length, n + 1], data } });
    const run: GraphRun = { features: {}, hooks: {} };
    for (const name of Object.keys(fns)) run.features[name] = out[`f_${name}`].data as Float32Array;
    for (const h of hookNames) run.hooks[h] = { dims: out[`h_${h}`].dims, data: out[`h_${h}`].data as Float32Array };
    return run;
  } finally {
    await session.release();
  }
}

/** Reads x[i0, i1, …] from a row-major tensor. */
export function at(t: { dims: number[]; data: Float32Array }, ...idx: number[]): number {
  let flat = 0;
  for (let k = 0; k < t.dims.length; k++) flat = flat * t.dims[k] + idx[k];
  return t.data[flat];
}

/** The last axis of t at the leading indices, as an array. */
export function row(t: { dims: number[]; data: Float32Array }, ...idx: number[]): number[] {
  const d = t.dims[t.dims.length - 1];
  let flat = 0;
  for (let k = 0; k < idx.length; k++) flat = flat * t.dims[k] + idx[k];
  return Array.from(t.data.subarray(flat * d, flat * d + d));
}

/** A deterministic PRNG in [0, 1). */
export const prng = mulberry32;

/**
 * Loads a feature file and compiles each of its features at `seqLen`, keeping each feature's
 * compile error (message and line) instead of stopping at the first.
 */
export async function compileEach(model: FeatureModel, root: string, file: string, seqLen: number): Promise<{
  diagnostics: string[];
  compiled: Record<string, CompiledFeature>;
  errors: Record<string, { message: string; line: number }>;
}> {
  const loaded = await loadFeatureFile(join(root, file), { workspaceRoot: root, trusted: true });
  const compiled: Record<string, CompiledFeature> = {};
  const errors: Record<string, { message: string; line: number }> = {};
  for (const f of loaded.features) {
    try {
      compiled[f.exportName] = await compileFeature(f, model, { seqLen });
    } catch (e) {
      errors[f.exportName] = e as { message: string; line: number };
    }
  }
  return { diagnostics: loaded.diagnostics.map((d) => d.format()), compiled, errors };
}
