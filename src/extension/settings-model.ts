/**
 * Reverie's settings as plain values, without vscode (settings.ts reads them from the
 * configuration). Only EPO settings the user actually set are passed on: a feature's own `seqLen`
 * or `epo` must win over a default it was never asked to override.
 */
import { isAbsolute, join } from 'node:path';
import { EpoConfig, resolveConfig, SAVED_RUN_CHECKPOINT_EVERY } from '../engine/epo/config';
import { PRECISIONS, type Precision } from '../engine/runtime/precision';
import type { ProviderChoice } from '../engine/runtime/ort';
import { BUNDLED_MODEL } from '../engine/models/load';

/** `reverie.epo.<key>` settings, each an EpoConfig field of the same name. */
export const EPO_SETTING_KEYS = [
  'iterations', 'population', 'islands', 'childrenPerMember', 'topK', 'modelShare', 'shiftShare', 'seqLen', 'restartEvery', 'lambdaMin', 'lambdaMax',
  'cappedSlots', 'xeCapMin', 'xeCapMax', 'restartLambdaMin', 'restartLambdaMax', 'seed', 'batchSize', 'retokenize', 'checkpointEvery',
] as const satisfies readonly (keyof EpoConfig)[];

/** Checkpoints every this many iterations unless the user says otherwise: a run survives a crash or reload. */
export const DEFAULT_CHECKPOINT_EVERY = SAVED_RUN_CHECKPOINT_EVERY;
export const DEFAULT_FRONTIER_FOLDER = 'dreams';

export interface ReverieSettings {
  provider: ProviderChoice;
  threads: number;
  dtype: Precision;
  /** Hugging Face hub cache; undefined: the standard one. */
  modelCacheDir?: string;
  allowDownloads: boolean;
  defaultModel: string;
  frontierFolder: string;
  codeLensEnabled: boolean;
  includeHistories: boolean;
  /** The corpus setting and who set it: a workspace may only name `.txt` files inside its folder. */
  datasetCorpus?: { path: string; scope: SettingScope };
  /** The EPO fields the user set (plus the host's checkpoint interval). */
  epo: Partial<EpoConfig>;
}

/**
 * Settings an untrusted workspace may not set (package.json's `restrictedConfigurations`, checked
 * against this list by a test): each names a path Reverie reads or writes, or allows downloads.
 */
export const RESTRICTED_SETTINGS = ['modelCacheDir', 'defaultModel', 'allowDownloads', 'frontierFolder', 'datasetCorpus'] as const;

/** Where a setting's value came from: the user's own settings, or the workspace's (`.vscode/settings.json`, a folder's). */
export type SettingScope = 'user' | 'workspace';

/** One setting's value in each layer (VS Code's `inspect`, without the language overrides). */
export interface SettingLayers {
  /** package.json's default. */
  default?: unknown;
  user?: unknown;
  workspace?: unknown;
  folder?: unknown;
}

/** Reads one setting's layers; undefined in every layer: the default. */
export type SettingReader = (key: string) => SettingLayers;

interface Effective {
  value: unknown;
  /** Set by someone (user, workspace or folder), not the default. */
  explicit: boolean;
  scope?: SettingScope;
}

/**
 * The value that wins (folder over workspace over user), as VS Code resolves it. In an untrusted
 * workspace a restricted setting takes only the user's value: VS Code does the same for
 * `restrictedConfigurations`, and doing it here too keeps the rule testable and independent of it.
 */
function effective(layers: SettingLayers, restricted: boolean, trusted: boolean): Effective {
  if (!(restricted && !trusted)) {
    if (layers.folder !== undefined) return { value: layers.folder, explicit: true, scope: 'workspace' };
    if (layers.workspace !== undefined) return { value: layers.workspace, explicit: true, scope: 'workspace' };
  }
  if (layers.user !== undefined) return { value: layers.user, explicit: true, scope: 'user' };
  return { value: layers.default, explicit: false };
}

const str = (v: unknown, fallback: string) => (typeof v === 'string' && v.trim() ? v.trim() : fallback);

export function readSettings(readLayers: SettingReader, opts: { trusted: boolean } = { trusted: true }): { settings: ReverieSettings; problems: string[] } {
  const problems: string[] = [];
  const read = (key: string): Effective => effective(readLayers(key), (RESTRICTED_SETTINGS as readonly string[]).includes(key), opts.trusted);
  const provider = read('executionProvider').value;
  const threads = read('threads').value;
  const dtype = read('dtype').value;
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
    provider: provider === 'cuda' || provider === 'webgpu' || provider === 'auto' ? provider : 'cpu',
    threads: typeof threads === 'number' && Number.isInteger(threads) && threads >= 0 ? threads : 0,
    dtype: (PRECISIONS as readonly unknown[]).includes(dtype) ? (dtype as Precision) : 'auto',
    modelCacheDir: str(read('modelCacheDir').value, '') || undefined,
    allowDownloads: read('allowDownloads').value === true,
    defaultModel: str(read('defaultModel').value, BUNDLED_MODEL),
    frontierFolder: str(read('frontierFolder').value, DEFAULT_FRONTIER_FOLDER),
    codeLensEnabled: read('codeLens.enabled').value !== false,
    includeHistories: read('frontier.includeHistories').value !== false,
    datasetCorpus: datasetCorpus(read('datasetCorpus')),
    epo,
  };
  return { settings, problems };
}

function datasetCorpus(s: Effective): ReverieSettings['datasetCorpus'] {
  const path = str(s.value, '');
  return path && s.scope ? { path, scope: s.scope } : undefined;
}

/** The frontier folder for a workspace folder (a relative setting is relative to it). */
export function frontierFolderPath(workspaceRoot: string, setting: string): string {
  return isAbsolute(setting) ? setting : join(workspaceRoot, setting);
}
