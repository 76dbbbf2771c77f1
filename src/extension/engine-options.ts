/** Settings → what the dream worker needs to load models and build sessions. */
import type { EngineOptions, ModelOptions } from '../engine/dream/worker-protocol';
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
