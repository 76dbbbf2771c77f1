/**
 * Makes sure a cached snapshot holds everything Reverie loads from a Hub model: config, tokenizer
 * files and safetensors weights (single file, or index + shards). Offline, it only checks; with
 * downloads allowed, it fetches what is missing, pinning every file to the commit the first one
 * came from so a branch moving mid-download cannot mix two versions.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { COMMIT_RE, RepoCache } from './cache-layout';
import { downloadBlob, DownloadOptions } from './download-file';
import { fetchMetadata, HubContext, HubFileError } from './hub-http';

export const REQUIRED_FILES = ['config.json', 'tokenizer.json'];
export const OPTIONAL_FILES = ['tokenizer_config.json', 'special_tokens_map.json'];
const WEIGHTS = 'model.safetensors';
const INDEX = 'model.safetensors.index.json';

type FileState = 'present' | 'absent' | 'unknown';

export interface SnapshotResult {
  dir: string;
  commit: string;
  /** Files fetched by this call (empty when everything came from the cache). */
  downloaded: string[];
}

class SnapshotFiller {
  commit: string | undefined;
  readonly missing: string[] = [];
  readonly downloaded: string[] = [];

  constructor(
    private readonly ctx: HubContext,
    private readonly cache: RepoCache,
    private readonly revision: string,
    commit: string | undefined,
    private readonly download: DownloadOptions | undefined,
  ) {
    this.commit = commit;
  }

  /** Present in the snapshot, known absent (.no_exist), or fetched now when downloads are on. */
  async ensure(file: string, optional: boolean): Promise<FileState> {
    if (this.commit && (await this.cache.hasFile(this.commit, file))) return 'present';
    if (this.commit && (await this.cache.knownMissing(this.commit, file))) return 'absent';
    if (!this.download) {
      if (!optional) this.missing.push(file);
      return 'unknown';
    }
    return (await this.fetch(file, optional)) ? 'present' : 'absent';
  }

  private async fetch(file: string, optional: boolean): Promise<boolean> {
    let meta;
    try {
      meta = await fetchMetadata(this.ctx, this.commit ?? this.revision, file);
    } catch (e) {
      if (optional && e instanceof HubFileError && e.isMissingEntry && this.commit) {
        await this.cache.markMissing(this.commit, file);
        return false;
      }
      throw e;
    }
    if (!this.commit) {
      const commit = meta.commit ?? (COMMIT_RE.test(this.revision) ? this.revision : undefined);
      if (!commit || !COMMIT_RE.test(commit)) {
        throw new Error(`${this.ctx.endpoint}: no X-Repo-Commit header for ${this.ctx.repoId}@${this.revision}, so the download cannot be cached`);
      }
      this.commit = commit;
      await this.cache.writeRef(this.revision, commit);
      // Files a previous (e.g. Python) download already put in this snapshot need no fetch.
      if (await this.cache.hasFile(commit, file)) return true;
    }
    await downloadBlob(this.ctx, meta, file, this.cache.blobPath(meta.etag), this.download);
    await this.cache.linkSnapshotFile(this.commit, file, meta.etag);
    this.downloaded.push(file);
    return true;
  }

  async ensureWeights(): Promise<void> {
    const single = await this.ensure(WEIGHTS, true);
    if (single === 'present') return;
    const index = await this.ensure(INDEX, true);
    if (index === 'present') {
      for (const shard of await shardFiles(join(this.cache.snapshotDir(this.commit!), INDEX))) await this.ensure(shard, false);
      return;
    }
    if (single === 'absent' && index === 'absent') {
      throw new Error(`${this.ctx.repoId}@${this.revision} has neither ${WEIGHTS} nor ${INDEX}: only safetensors checkpoints are supported (not pytorch_model.bin).`);
    }
    this.missing.push(single === 'absent' ? INDEX : `${WEIGHTS} (or ${INDEX} and its shards)`);
  }
}

/**
 * Checks (and with `download` set, fetches) the given files of a snapshot, in order; the first
 * file fetched pins the commit. Returns each file's state ('unknown': not in the cache, offline).
 */
export async function ensureRepoFiles(
  ctx: HubContext, cache: RepoCache, revision: string, download: DownloadOptions | undefined, files: { file: string; optional: boolean }[],
): Promise<{ commit?: string; states: Map<string, FileState>; downloaded: string[] }> {
  const filler = new SnapshotFiller(ctx, cache, revision, await cache.commitFor(revision), download);
  const states = new Map<string, FileState>();
  for (const { file, optional } of files) states.set(file, await filler.ensure(file, optional));
  return { commit: filler.commit, states, downloaded: filler.downloaded };
}

async function shardFiles(indexPath: string): Promise<string[]> {
  let weightMap: unknown;
  try {
    weightMap = (JSON.parse(await readFile(indexPath, 'utf8')) as { weight_map?: unknown }).weight_map;
  } catch (e) {
    throw new Error(`${indexPath}: cannot parse the shard index (${(e as Error).message})`);
  }
  if (typeof weightMap !== 'object' || weightMap === null) throw new Error(`${indexPath}: missing "weight_map"`);
  const files = new Set(Object.values(weightMap));
  for (const f of files) {
    if (typeof f !== 'string' || f.startsWith('/') || f.split('/').includes('..')) throw new Error(`${indexPath}: invalid shard file name ${JSON.stringify(f)}`);
  }
  return [...files] as string[];
}

/**
 * Checks (and with `download` set, completes) the snapshot for `revision`. Throws, offline, with
 * the list of what is missing; `offlineHint` tells the user how to allow downloads.
 */
export async function ensureSnapshot(
  ctx: HubContext, cache: RepoCache, revision: string, download: DownloadOptions | undefined, offlineHint: string,
): Promise<SnapshotResult> {
  const filler = new SnapshotFiller(ctx, cache, revision, await cache.commitFor(revision), download);
  for (const f of REQUIRED_FILES) await filler.ensure(f, false);
  for (const f of OPTIONAL_FILES) await filler.ensure(f, true);
  await filler.ensureWeights();
  if (filler.missing.length || !filler.commit) {
    const what = filler.commit ? `missing ${filler.missing.join(', ')}` : `no snapshot for revision '${revision}'`;
    throw new Error(`Model ${ctx.repoId}@${revision} is not in the Hugging Face cache at ${cache.root} (${what}). ` +
      `Downloads are disabled: ${offlineHint}, or download it with \`huggingface-cli download ${ctx.repoId}\`.`);
  }
  return { dir: cache.snapshotDir(filler.commit), commit: filler.commit, downloaded: filler.downloaded };
}
