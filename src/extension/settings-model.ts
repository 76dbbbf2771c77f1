/**
 * Reverie's settings as plain values, without vscode (settings.ts reads them from the
 * configuration). Only EPO settings the user actually set are passed on: a feature's own `seqLen`
 * or `epo` must win over a default it was never asked to override.
 */
import { isAbsolute, join } from 'node:path';
import { EpoConfig, resolveConfig } from '../engine/epo/config';
import type { Provider } from '../engine/runtime/ort';
import { BUNDLED_MODEL } from '../engine/models/load';

/** `reverie.epo.<key>` settings, each an EpoConfig field of the same name. */
export const EPO_SETTING_KEYS = [
  'iterations', 'population', 'childrenPerMember', 'topK', 'seqLen', 'restartEvery', 'lambdaMin', 'lambdaMax',
  'restartLambdaMin', 'restartLambdaMax', 'seed', 'batchSize', 'retokenize', 'checkpointEvery',
] as const satisfies readonly (keyof EpoConfig)[];

/** Checkpoints every this many iterations unless the user says otherwise: a run survives a crash or reload. */
export const DEFAULT_CHECKPOINT_EVERY = 10;
export const DEFAULT_FRONTIER_FOLDER = 'dreams';

export interface ReverieSettings {
  provider: Provider;
  threads: number;
  /** Hugging Face hub cache; undefined: the standard one. */
  modelCacheDir?: string;
  allowDownloads: boolean;
  defaultModel: string;
  frontierFolder: string;
  codeLensEnabled: boolean;
  includeHistories: boolean;
  datasetCorpus?: string;
  /** The EPO fields the user set (plus the host's checkpoint interval). */
  epo: Partial<EpoConfig>;
}

/** Reads one setting: its value and whether the user set it anywhere (user, workspace, folder). */
export type SettingReader = (key: string) => { value: unknown; explicit: boolean };

const str = (v: unknown, fallback: string) => (typeof v === 'string' && v.trim() ? v.trim() : fallback);

export function readSettings(read: SettingReader): { settings: ReverieSettings; problems: string[] } {
  const problems: string[] = [];
  const provider = read('executionProvider').value;
  const threads = read('threads').value;
  const epo: Partial<EpoConfig> = {};
  for (const key of EPO_SETTING_KEYS) {
    const s = read(`epo.${key}`);
    if (!s.explicit) continue;
    try {
      resolveConfig({ [key]: s.value } as Partial<EpoConfig>);
      (epo as Record<string, unknown>)[key] = s.value;
    } catch (e) {
      problems.push(`reverie.epo.${key}: ${(e as Error).message} (using the default)`);
    }
  }
  epo.checkpointEvery ??= DEFAULT_CHECKPOINT_EVERY;
  const settings: ReverieSettings = {
    provider: provider === 'cuda' || provider === 'webgpu' ? provider : 'cpu',
    threads: typeof threads === 'number' && Number.isInteger(threads) && threads >= 0 ? threads : 0,
    modelCacheDir: str(read('modelCacheDir').value, '') || undefined,
    allowDownloads: read('allowDownloads').value === true,
    defaultModel: str(read('defaultModel').value, BUNDLED_MODEL),
    frontierFolder: str(read('frontierFolder').value, DEFAULT_FRONTIER_FOLDER),
    codeLensEnabled: read('codeLens.enabled').value !== false,
    includeHistories: read('frontier.includeHistories').value !== false,
    datasetCorpus: str(read('datasetCorpus').value, '') || undefined,
    epo,
  };
  return { settings, problems };
}

/** The frontier folder for a workspace folder (a relative setting is relative to it). */
export function frontierFolderPath(workspaceRoot: string, setting: string): string {
  return isAbsolute(setting) ? setting : join(workspaceRoot, setting);
}
