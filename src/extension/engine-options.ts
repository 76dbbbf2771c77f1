/** Settings → what the dream worker needs to load models and build sessions. */
import { isAbsolute, join, resolve } from 'node:path';
import type { DatasetRequest, EngineOptions, ModelOptions } from '../worker/worker-protocol';
import type { ReverieSettings } from './settings-model';

export function modelOptions(s: ReverieSettings, cwd: string | undefined, ref?: string): ModelOptions {
  const o: ModelOptions = { allowDownload: s.allowDownloads };
  if (ref) o.ref = ref;
  if (s.modelCacheDir) o.cacheDir = s.modelCacheDir;
  if (cwd) o.cwd = cwd;
  return o;
}

/** `graphCache`: where optimised graphs are kept between runs (the extension's global storage). */
export function engineOptions(s: ReverieSettings, graphCache?: string): EngineOptions {
  return { provider: s.provider, threads: s.threads, dtype: s.dtype, ...(graphCache ? { graphCache } : {}) };
}

/**
 * The dataset corpus (setting `reverie.datasetCorpus`, relative to the workspace folder), with a
 * cache for its scans in the extension's storage; none when the setting is empty. A value from the
 * workspace's settings is confined to the workspace folder (the scan refuses any file whose real
 * path is outside it, or that is not `.txt`): a cloned repository's `.vscode/settings.json` must
 * not make the panel show, and Save Frontier copy, a file from elsewhere. The user's own settings
 * may name any corpus.
 */
export function datasetOptions(s: ReverieSettings, root: string | undefined, storageDir: string): DatasetRequest | undefined {
  const c = s.datasetCorpus;
  if (!c) return undefined;
  const cacheDir = join(storageDir, 'dataset-scans');
  if (c.scope === 'workspace') {
    // A workspace without a folder has nothing its value could be confined to, so no corpus.
    return root ? { corpus: [resolve(root, c.path)], within: root, cacheDir } : undefined;
  }
  return { corpus: [isAbsolute(c.path) || !root ? resolve(c.path) : resolve(root, c.path)], cacheDir };
}
