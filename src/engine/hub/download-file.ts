/**
 * Downloads one file into `blobs/<etag>` the way huggingface_hub does: bytes go to
 * `blobs/<etag>.incomplete`, which survives interruptions and is resumed with a Range request
 * (by a retry here, or by the next run); the finished file is checked and renamed atomically, so
 * a blob that exists is always complete.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { FileMetadata, HubContext, hubFetch, requestHeaders } from './hub-http';

export interface DownloadProgress {
  /** Path of the file inside the repository. */
  file: string;
  /** Bytes of this file on disk so far (a resumed download starts above 0). */
  done: number;
  /** Unknown when the server sends no size. */
  total: number | undefined;
}

export interface DownloadOptions {
  onProgress?: (p: DownloadProgress) => void;
  /** Attempts per file; each retry resumes where the last one stopped. */
  maxAttempts?: number;
  /** Abort a transfer that receives nothing for this long. */
  idleTimeoutMs?: number;
}

async function sizeOf(path: string): Promise<number> {
  return stat(path).then((s) => s.size, () => 0);
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** One GET, appending to `partial` from its current length when the server honours Range. */
async function transfer(ctx: HubContext, meta: FileMetadata, file: string, partial: string, opts: DownloadOptions): Promise<void> {
  let have = await sizeOf(partial);
  if (meta.size !== undefined && have === meta.size) return; // finished before an interruption of the rename
  if (meta.size !== undefined && have > meta.size) have = 0; // not a prefix of this file: start over
  const idle = new AbortController();
  const idleMs = opts.idleTimeoutMs ?? 60_000;
  let timer = setTimeout(() => idle.abort(), idleMs);
  try {
    const headers = requestHeaders(ctx, meta.downloadUrl, have > 0 ? { range: `bytes=${have}-` } : {});
    const res = await hubFetch(ctx, meta.downloadUrl, { headers, redirect: 'follow', signal: idle.signal });
    let start: number;
    if (res.status === 206) {
      const m = /^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '');
      if (!m || Number(m[1]) !== have) throw new Error(`${meta.downloadUrl}: asked for bytes from ${have}, got range '${res.headers.get('content-range')}'`);
      start = have;
    } else if (res.status === 200) {
      start = 0; // Range ignored: restart from scratch
    } else {
      throw new Error(`Downloading ${file} of ${ctx.repoId} failed: HTTP ${res.status} ${res.statusText} from ${new URL(meta.downloadUrl).origin}`);
    }
    if (!res.body) throw new Error(`${meta.downloadUrl}: empty response body`);
    const fd = await open(partial, start === 0 ? 'w' : 'a');
    try {
      let done = start;
      opts.onProgress?.({ file, done, total: meta.size });
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        clearTimeout(timer);
        timer = setTimeout(() => idle.abort(), idleMs);
        await fd.write(chunk);
        done += chunk.byteLength;
        opts.onProgress?.({ file, done, total: meta.size });
      }
    } finally {
      await fd.close();
    }
  } finally {
    clearTimeout(timer);
  }
}

/** Ensures `blobs/<etag>` holds the complete file; returns its path. */
export async function downloadBlob(ctx: HubContext, meta: FileMetadata, file: string, blobPath: string, opts: DownloadOptions = {}): Promise<string> {
  // Blobs only appear by atomic rename, so an existing one is complete.
  const existing = await stat(blobPath).then((s) => s.size, () => undefined);
  if (existing !== undefined && (meta.size === undefined || existing === meta.size)) return blobPath;
  await mkdir(dirname(blobPath), { recursive: true });
  const partial = `${blobPath}.incomplete`;
  const attempts = opts.maxAttempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    try {
      await transfer(ctx, meta, file, partial, opts);
      break;
    } catch (e) {
      // Our own messages (HTTP status, bad range) are final; dropped connections are retried.
      const retriable = e instanceof TypeError || (e as Error).name === 'AbortError' || /Could not reach/.test((e as Error).message);
      if (!retriable || attempt >= attempts) {
        throw new Error(`Downloading ${file} of ${ctx.repoId} failed after ${attempt} attempt(s): ${(e as Error).message}. ` +
          `The partial file ${partial} is kept and will be resumed next time.`);
      }
    }
  }
  const got = await sizeOf(partial);
  if (meta.size !== undefined && got !== meta.size) {
    throw new Error(`Downloaded ${file} of ${ctx.repoId} has ${got} bytes, expected ${meta.size}; the partial file ${partial} is kept for a retry.`);
  }
  // LFS ETags are the content's sha256: verify it (git blob ids of small files are not plain hashes of the content).
  if (/^[0-9a-f]{64}$/.test(meta.etag)) {
    const digest = await sha256Of(partial);
    if (digest !== meta.etag) {
      await rm(partial, { force: true });
      throw new Error(`Downloaded ${file} of ${ctx.repoId} is corrupt: sha256 ${digest}, expected ${meta.etag} (the partial file was removed; try again).`);
    }
  }
  await rename(partial, blobPath);
  return blobPath;
}
