/**
 * The Hugging Face Hub cache layout, as huggingface_hub (Python) writes it, so that models
 * downloaded by either side are shared:
 *
 *   <cache>/models--<org>--<name>/
 *     blobs/<etag>                     file contents, named by ETag (sha256 for LFS files)
 *     refs/<revision>                  the commit hash a branch or tag pointed to
 *     snapshots/<commit>/<file>        relative symlink → ../../blobs/<etag> (a copy where symlinks fail)
 *     .no_exist/<commit>/<file>        empty marker: the file is known not to exist at that commit
 */
import { copyFile, mkdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, relative } from 'node:path';

export type Env = Record<string, string | undefined>;

/** opts.cacheDir ?? $HF_HUB_CACHE ?? $HF_HOME/hub ?? $XDG_CACHE_HOME/huggingface/hub ?? ~/.cache/huggingface/hub. */
export function hubCacheDir(cacheDir: string | undefined, env: Env): string {
  if (cacheDir) return expandHome(cacheDir);
  const hubCache = env.HF_HUB_CACHE ?? env.HUGGINGFACE_HUB_CACHE; // the second is the pre-2023 name
  if (hubCache) return expandHome(hubCache);
  if (env.HF_HOME) return join(expandHome(env.HF_HOME), 'hub');
  if (env.XDG_CACHE_HOME) return join(expandHome(env.XDG_CACHE_HOME), 'huggingface', 'hub');
  return join(homedir(), '.cache', 'huggingface', 'hub');
}

export function expandHome(path: string, home = homedir()): string {
  if (path === '~') return home;
  if (path.startsWith('~/') || path.startsWith('~\\')) return join(home, path.slice(2));
  return path;
}

export const COMMIT_RE = /^[0-9a-f]{40}$/;

export class RepoCache {
  readonly root: string;

  constructor(cacheDir: string, readonly repoId: string) {
    this.root = join(cacheDir, `models--${repoId.split('/').join('--')}`);
  }

  blobPath(etag: string): string {
    return join(this.root, 'blobs', etag);
  }
  snapshotDir(commit: string): string {
    return join(this.root, 'snapshots', commit);
  }
  private refPath(revision: string): string {
    return join(this.root, 'refs', ...revision.split('/'));
  }
  private noExistPath(commit: string, file: string): string {
    return join(this.root, '.no_exist', commit, ...file.split('/'));
  }

  /** The commit a revision resolves to in the cache, if known. */
  async commitFor(revision: string): Promise<string | undefined> {
    if (COMMIT_RE.test(revision)) return revision;
    try {
      const commit = (await readFile(this.refPath(revision), 'utf8')).trim();
      return COMMIT_RE.test(commit) ? commit : undefined;
    } catch {
      return undefined;
    }
  }

  async writeRef(revision: string, commit: string): Promise<void> {
    if (revision === commit) return;
    await mkdir(dirname(this.refPath(revision)), { recursive: true });
    await writeFile(this.refPath(revision), commit);
  }

  async hasFile(commit: string, file: string): Promise<boolean> {
    // stat follows the symlink, so a dangling link (deleted blob) counts as missing.
    return stat(join(this.snapshotDir(commit), file)).then((s) => s.isFile(), () => false);
  }

  async knownMissing(commit: string, file: string): Promise<boolean> {
    return stat(this.noExistPath(commit, file)).then(() => true, () => false);
  }

  async markMissing(commit: string, file: string): Promise<void> {
    const p = this.noExistPath(commit, file);
    await mkdir(dirname(p), { recursive: true });
    await writeFile(p, '');
  }

  /** Points snapshots/<commit>/<file> at blobs/<etag>: a relative symlink, or a copy where symlinks are not allowed. */
  async linkSnapshotFile(commit: string, file: string, etag: string): Promise<void> {
    const entry = join(this.snapshotDir(commit), ...file.split('/'));
    await mkdir(dirname(entry), { recursive: true });
    await rm(entry, { force: true });
    try {
      await symlink(relative(dirname(entry), this.blobPath(etag)), entry);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // Windows without developer mode answers EPERM; some file systems EOPNOTSUPP / ENOSYS.
      if (code !== 'EPERM' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS' && code !== 'EACCES') throw e;
      await copyFile(this.blobPath(etag), entry);
    }
  }
}
