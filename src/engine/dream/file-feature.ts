/** Features from TypeScript feature files, made ready to dream. */
import { createHash } from 'node:crypto';
import { relative, resolve } from 'node:path';
import { existsSync } from 'node:fs';
export { guessWorkspaceRoot } from '../features/workspace';
import type { SaeHubOptions } from '../features/sae-sources';
import { loadFeatureFile, compileFeature, FeatureError, LoadedFeature, CompiledFeature } from '../features';
import type { LoadedModel } from '../models/load';
import type { PreparedFeature } from './dream';

export interface FileFeatureOptions {
  workspaceRoot: string;
  /** Feature files are code: evaluated only when the caller trusts the workspace. */
  trusted: boolean;
  timeoutMs?: number;
}

/** `path/to/file.ts#export` → its parts (the export may be omitted when the file has one feature). */
export function parseFeatureRef(ref: string): { file: string; exportName?: string } {
  const hash = ref.lastIndexOf('#');
  return hash < 0 ? { file: ref } : { file: ref.slice(0, hash), exportName: ref.slice(hash + 1) || undefined };
}

/** Loads the file and picks one feature; errors name the file, line and the features available. */
export async function loadOneFeature(file: string, exportName: string | undefined, opts: FileFeatureOptions): Promise<LoadedFeature> {
  const path = resolve(file);
  if (!existsSync(path)) throw new Error(`feature file not found: ${path}`);
  const r = await loadFeatureFile(path, { workspaceRoot: opts.workspaceRoot, trusted: opts.trusted, timeoutMs: opts.timeoutMs });
  const errors = r.diagnostics.filter((d) => d.severity !== 'warning');
  if (errors.length) throw new Error(errors.map((d) => d.format()).join('\n'));
  if (!r.features.length) throw new Error(`${path} defines no features (export const x = defineFeature({...}))`);
  if (exportName === undefined) {
    if (r.features.length === 1) return r.features[0];
    throw new Error(`${path} defines ${r.features.length} features; pick one with #name: ${r.features.map((f) => f.exportName).join(', ')}`);
  }
  const f = r.features.find((x) => x.exportName === exportName);
  if (!f) throw new Error(`${path} has no feature '${exportName}' (it has: ${r.features.map((x) => x.exportName).join(', ')})`);
  return f;
}

/** Where the feature is defined and, for SAE latents, which (the panel's header and the CLI show it). */
function defaultDescription(feature: LoadedFeature, compiled: CompiledFeature): string {
  const where = `${feature.exportName} in ${relative(feature.workspaceRoot, feature.file) || feature.file}`;
  const saes = compiled.saeLatents.map((s) => s.hookOut ? `transcoder ${s.sae} latent ${s.latent} (${s.hook} → ${s.hookOut})` : `SAE ${s.sae} latent ${s.latent} (${s.hook})`);
  return saes.length ? `${saes.join(', ')} · ${where}` : where;
}

/** A compiled feature as a PreparedFeature; its hash is over the compiled spec, so edits that change nothing keep it. */
export async function prepareLoadedFeature(feature: LoadedFeature, model: LoadedModel, hub?: SaeHubOptions): Promise<PreparedFeature & { compiled: CompiledFeature }> {
  let compiled: CompiledFeature;
  try {
    compiled = await compileFeature(feature, model, { hub });
  } catch (e) {
    throw e instanceof FeatureError ? new Error(e.format()) : e;
  }
  const sourceHash = createHash('sha256').update(JSON.stringify({ model: feature.model, spec: compiled.spec })).digest('hex');
  return {
    fn: compiled.fn,
    info: {
      name: feature.name, description: feature.description ?? defaultDescription(feature, compiled), sourceHash,
      kind: 'file', file: relative(feature.workspaceRoot, feature.file) || feature.file, exportName: feature.exportName,
    },
    bannedText: compiled.bannedText,
    epo: compiled.epo,
    ...(feature.dtype ? { dtype: feature.dtype } : {}),
    compiled,
  };
}

export async function prepareFileFeature(file: string, exportName: string | undefined, model: LoadedModel, opts: FileFeatureOptions): Promise<PreparedFeature & { compiled: CompiledFeature }> {
  return prepareLoadedFeature(await loadOneFeature(file, exportName, opts), model);
}
