/** Settings → what the dream worker needs to load models and build sessions. */
import { isAbsolute, join, resolve } from 'node:path';
import type { DatasetRequest, EngineOptions, ModelOptions } from '../engine/dream/worker-protocol';
import type { ReverieSettings } from './settings-model';

export function modelOptions(s: ReverieSettings, cwd: string | undefined, ref?: string): ModelOptions {
  const o: ModelOptions = { allowDownload: s.allowDownloads };
  if (ref) o.ref = ref;
  if (s.modelCacheDir) o.cacheDir = s.modelCacheDir;
  if (cwd) o.cwd = cwd;
  return o;
}

export function engineOptions(s: ReverieSettings): EngineOptions {
  return { provider: s.provider, threads: s.threads };
}

/**
 * The dataset corpus of the workspace (setting `reverie.datasetCorpus`, relative to the workspace
 * folder), with a cache for its scans in the extension's storage; none when the setting is empty.
 */
export function datasetOptions(s: ReverieSettings, root: string | undefined, storageDir: string): DatasetRequest | undefined {
  if (!s.datasetCorpus) return undefined;
  const corpus = isAbsolute(s.datasetCorpus) || !root ? resolve(s.datasetCorpus) : resolve(root, s.datasetCorpus);
  return { corpus: [corpus], cacheDir: join(storageDir, 'dataset-scans') };
}
