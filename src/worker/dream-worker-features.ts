/**
 * The feature of a dream session: prepared from a feature file (only in a trusted workspace) or a
 * built-in, or rebuilt from a saved frontier file when it still means the same thing.
 */
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { LoadedModel } from '../engine/models/load';
import { logitFeature, neuronFeature, PreparedFeature } from '../engine/dream/dream';
import { loadOneFeature, prepareLoadedFeature } from '../engine/dream/file-feature';
import type { SaeHubOptions } from '../engine/features/sae-sources';
import type { FrontierFeature, FrontierFile } from '../engine/frontier-file';
import { ModelOptions, OpenSavedRequest, OpenSessionRequest, UNTRUSTED_ERROR } from './worker-protocol';

/** Named SAEs follow the model settings: the same cache, downloads allowed when the model's are. */
function saeHub(m: ModelOptions): SaeHubOptions {
  return { allowDownload: m.allowDownload, cacheDir: m.cacheDir || undefined, offlineHint: 'allow downloads with the setting reverie.allowDownloads' };
}

export interface SessionFeature {
  prepared: PreparedFeature | null;
  /** Why `prepared` is null (a saved file whose feature cannot be rebuilt). */
  unavailable?: string;
  meta: Omit<FrontierFeature, 'sourceTextHash'>;
}

const named = (message: string, name: string) => Object.assign(new Error(message), { name });

/** Model + feature for a live session; errors name the file, export or model that is wrong. */
export async function prepareSource(req: OpenSessionRequest, deps: { loadModel(o: ModelOptions & { ref: string }): Promise<LoadedModel> }): Promise<{ model: LoadedModel; feature: SessionFeature }> {
  const src = req.feature;
  if (src.kind === 'file') {
    if (!src.trusted) {
      throw named('feature files are code, and Reverie runs them only in trusted workspaces: trust this workspace (Workspaces: Manage Workspace Trust) to dream its features', UNTRUSTED_ERROR);
    }
    const loaded = await loadOneFeature(src.file, src.exportName, { workspaceRoot: src.workspaceRoot, trusted: true });
    const model = await deps.loadModel({ ...req.model, ref: req.model.ref ?? loaded.model });
    const prepared = await prepareLoadedFeature(loaded, model, saeHub(req.model));
    const source = readFileSync(loaded.file, 'utf8');
    return {
      model,
      feature: {
        prepared,
        meta: {
          name: prepared.info.name, description: prepared.info.description, kind: 'file', sourceHash: prepared.info.sourceHash,
          source, file: relative(src.workspaceRoot, loaded.file), exportName: loaded.exportName,
        },
      },
    };
  }
  const model = await deps.loadModel({ ...req.model, ref: req.model.ref ?? 'stories260K' });
  const prepared = src.kind === 'neuron' ? neuronFeature(model, src.spec) : logitFeature(model, src.text);
  const spec = src.kind === 'neuron' ? src.spec : src.text;
  return {
    model,
    feature: {
      prepared,
      meta: {
        name: prepared.info.name, description: prepared.info.description, kind: src.kind, sourceHash: prepared.info.sourceHash,
        source: `${src.kind} ${JSON.stringify(spec)}`, spec,
      },
    },
  };
}

/** The feature of a saved frontier, rebuilt (for attribution and run again) when it still means the same. */
export async function featureOfSaved(file: FrontierFile, model: LoadedModel | null, req: OpenSavedRequest): Promise<SessionFeature> {
  const { sourceTextHash: _t, ...meta } = file.feature;
  const unavailable = (why: string): SessionFeature => ({ prepared: null, unavailable: why, meta });
  if (!model) return unavailable(`the model ${file.model.id} is not loaded`);
  try {
    let prepared: PreparedFeature;
    if (meta.kind === 'neuron' && meta.spec) prepared = neuronFeature(model, meta.spec);
    else if (meta.kind === 'logit' && meta.spec !== undefined) prepared = logitFeature(model, meta.spec);
    else if (meta.kind === 'file' && meta.file && meta.exportName) {
      if (!req.trusted) return unavailable('feature files are code and this workspace is not trusted, so attribution and run again are off');
      if (!req.workspaceRoot) return unavailable(`the feature file ${meta.file} is not in an open workspace folder`);
      const loaded = await loadOneFeature(resolve(req.workspaceRoot, meta.file), meta.exportName, { workspaceRoot: req.workspaceRoot, trusted: true });
      prepared = await prepareLoadedFeature(loaded, model, saeHub(req.model));
    } else {
      return unavailable(`the file does not say how to rebuild feature '${meta.name}'`);
    }
    if (prepared.info.sourceHash !== meta.sourceHash) {
      return unavailable(`feature '${meta.name}' changed since these dreams were saved, so attribution and run again are off (they would describe the new definition)`);
    }
    return { prepared, meta };
  } catch (e) {
    return unavailable(`feature '${meta.name}' cannot be rebuilt: ${(e as Error).message}`);
  }
}

/**
 * Model + feature for a saved frontier: the model only when its files are the ones the dreams were
 * made with, the feature only when it can be rebuilt; `warnings` say what is off and why.
 */
export async function savedSource(
  req: OpenSavedRequest, deps: { loadModel(o: ModelOptions & { ref: string }): Promise<LoadedModel> }, file: FrontierFile,
): Promise<{ model: LoadedModel | null; feature: SessionFeature; warnings: string[] }> {
  const warnings: string[] = [];
  let model: LoadedModel | null = null;
  try {
    const m = await deps.loadModel({ ...req.model, ref: file.model.id });
    const key = (files: { sha256: string }[]) => files.map((f) => f.sha256).sort().join();
    if (key(m.files) === key(file.model.files)) model = m;
    else warnings.push(`${file.model.id} on this machine is not the model these dreams were made with (its files differ), so attribution and run again are off`);
  } catch (e) {
    warnings.push(`${file.model.id} is not available (${(e as Error).message}); points off the frontier show no text, and attribution and run again are off`);
  }
  const feature = await featureOfSaved(file, model, req);
  if (feature.unavailable) warnings.push(feature.unavailable);
  return { model, feature, warnings };
}
