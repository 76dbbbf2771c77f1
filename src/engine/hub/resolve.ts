/**
 * Model references: a filesystem path (a model folder or a llama2.c .bin), or a Hugging Face Hub
 * id `org/name[@revision]` found in — or, when allowed, downloaded into — the standard Hugging Face
 * cache, so models fetched earlier by Python (transformers, huggingface-cli) are reused as they are.
 */
import { stat } from 'node:fs/promises';
import { isAbsolute, resolve as resolvePath } from 'node:path';
import { Env, expandHome, hubCacheDir, RepoCache } from './cache-layout';
import type { DownloadProgress } from './download-file';
import type { HubContext } from './hub-http';
import { ensureSnapshot, SnapshotResult } from './snapshot';

export type { DownloadProgress };

export interface ResolveOptions {
  /** Hub cache folder; default $HF_HUB_CACHE, $HF_HOME/hub, or ~/.cache/huggingface/hub. */
  cacheDir?: string;
  /** Fetch files missing from the cache (default false: offline). */
  allowDownload?: boolean;
  /** Default $HF_ENDPOINT or https://huggingface.co. */
  endpoint?: string;
  /** Bearer token for gated/private repositories; default $HF_TOKEN. */
  token?: string;
  onProgress?: (p: DownloadProgress) => void;
  /** Environment to read HF_* variables from (default process.env). */
  env?: Env;
  /** Base for relative paths (default the working directory). */
  cwd?: string;
  /** How the user turns downloads on, for the offline error (default names --allow-download). */
  offlineHint?: string;
}

export type ModelRef =
  | { kind: 'path'; path: string }
  | { kind: 'hub'; repoId: string; revision: string };

const HUB_ID_RE = /^([A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*)(?:@(.+))?$/;

/** Classifies a reference without touching the disk (paths are resolved against `cwd`). */
export function parseModelRef(ref: string, cwd = process.cwd()): ModelRef {
  const explicitPath = isAbsolute(ref) || ref === '~' || /^~[\\/]/.test(ref) || /^\.\.?([\\/]|$)/.test(ref) || ref.includes('\\');
  const hub = explicitPath ? null : HUB_ID_RE.exec(ref);
  if (hub && !hub[1].includes('--') && !hub[1].includes('..')) {
    const revision = hub[2] ?? 'main';
    if (/\s/.test(revision) || revision.split('/').includes('..')) throw new Error(`invalid revision '${revision}' in model reference '${ref}'`);
    return { kind: 'hub', repoId: hub[1], revision };
  }
  return { kind: 'path', path: resolvePath(cwd, expandHome(ref)) };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/** A repository's cache and how to reach it on the Hub ($HF_ENDPOINT, $HF_TOKEN unless given). */
export function hubRepo(repoId: string, revision: string, opts: ResolveOptions = {}): { cache: RepoCache; ctx: HubContext } {
  const env = opts.env ?? process.env;
  const cache = new RepoCache(hubCacheDir(opts.cacheDir, env), repoId);
  const ctx: HubContext = {
    endpoint: opts.endpoint ?? env.HF_ENDPOINT ?? 'https://huggingface.co',
    repoId,
    revision,
    token: opts.token ?? env.HF_TOKEN ?? undefined,
    cacheRoot: cache.root,
  };
  return { cache, ctx };
}

/** Finds (or downloads) a Hub model's snapshot folder; see `ResolveOptions`. */
export async function resolveHubModel(repoId: string, revision: string, opts: ResolveOptions = {}): Promise<SnapshotResult> {
  const { cache, ctx } = hubRepo(repoId, revision, opts);
  const download = opts.allowDownload ? { onProgress: opts.onProgress } : undefined;
  return ensureSnapshot(ctx, cache, revision, download, opts.offlineHint ?? 'allow them (the CLI option --allow-download, or allowDownload: true)');
}

/**
 * Resolves a model reference to a local path: an existing file or folder as given (absolute), or
 * the snapshot folder of a Hub model. A path that exists wins over a Hub id of the same spelling.
 */
export async function resolveModelRef(ref: string, opts: ResolveOptions = {}): Promise<string> {
  const cwd = opts.cwd ?? process.cwd();
  const parsed = parseModelRef(ref, cwd);
  if (parsed.kind === 'hub') {
    const local = resolvePath(cwd, ref);
    if (await exists(local)) return local;
    return (await resolveHubModel(parsed.repoId, parsed.revision, opts)).dir;
  }
  if (await exists(parsed.path)) return parsed.path;
  const hint = ref.includes('/') || ref.includes('\\') ? '' : ' (a Hugging Face model id has the form org/name, e.g. openai-community/gpt2)';
  throw new Error(`Model not found: ${parsed.path} does not exist${hint}.`);
}
