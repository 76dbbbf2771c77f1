/**
 * Write-then-rename in the same folder, so a reader (or a crash mid-write) never sees half a file:
 * rename within one file system replaces the target atomically.
 *
 * The rename replaces whatever is at the path, so the target is looked at first: a symbolic link
 * is written through (its target is replaced, the link stays), anything but a regular file (a
 * device, a FIFO, a folder, a socket) is refused, and the new file keeps the old one's permissions.
 */
import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, readlink, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { faultPoint } from '../util/fault';

let counter = 0;
const MAX_LINKS = 40;

/** The file a write to `path` should replace: `path` itself, or the end of its chain of links. */
async function writeTarget(path: string): Promise<{ path: string; mode?: number }> {
  let p = resolve(path);
  for (let hops = 0; hops <= MAX_LINKS; hops++) {
    let s;
    try {
      s = await lstat(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { path: p };
      throw e;
    }
    if (s.isSymbolicLink()) {
      p = resolve(dirname(p), await readlink(p));
      continue;
    }
    if (!s.isFile()) throw new Error(`${p} is ${kindOf(s)}, not a regular file; refusing to replace it`);
    return { path: p, mode: s.mode & 0o7777 };
  }
  throw new Error(`too many symbolic links from ${path}`);
}

function kindOf(s: { isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): string {
  if (s.isDirectory()) return 'a folder';
  if (s.isFIFO()) return 'a FIFO (named pipe)';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device';
  if (s.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Checks, before any work is done, that `path` can be written as writeFileAtomic will: its target
 * is a regular file or absent, its folder exists or can be made, and a file can be created there.
 * A run that can only fail at the end is refused at the start.
 */
export async function checkWritable(path: string): Promise<void> {
  try {
    const target = await writeTarget(path);
    const dir = dirname(target.path);
    await mkdir(dir, { recursive: true });
    const probe = join(dir, `.${basename(target.path)}.${process.pid}.${++counter}.probe`);
    const fh = await open(probe, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY);
    await fh.close();
    await unlink(probe);
  } catch (e) {
    throw new Error(`cannot write ${path}: ${reason(e)}`);
  }
}

function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ENOTDIR' || err.code === 'EEXIST') return `a part of its folder path is a file (${err.path ?? err.message})`;
  if (err.code === 'EACCES' || err.code === 'EPERM') return `permission denied (${err.path ?? err.message})`;
  return err.message;
}

/** Whether a process with this id is running (a temp file of a live writer must not be removed). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Temp files of `target` left by writers that were killed mid-write (their process is gone). */
async function removeStaleTemps(dir: string, target: string): Promise<void> {
  const prefix = `.${basename(target)}.`;
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const m = name.startsWith(prefix) ? /^(\d+)\.\d+\.tmp$/.exec(name.slice(prefix.length)) : null;
    if (m && Number(m[1]) !== process.pid && !alive(Number(m[1]))) await unlink(join(dir, name)).catch(() => undefined);
  }
}

export async function writeFileAtomic(path: string, data: string): Promise<void> {
  let tmp: string | undefined;
  try {
    const target = await writeTarget(path);
    const dir = dirname(target.path);
    await mkdir(dir, { recursive: true });
    tmp = join(dir, `.${basename(target.path)}.${process.pid}.${++counter}.tmp`);
    // (A writer killed between here and the rename leaves this file; the next write removes it.)
    const fh = await open(tmp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, target.mode ?? 0o666);
    try {
      // The mode given to open is masked by the umask: set the old file's exactly.
      if (target.mode !== undefined) await fh.chmod(target.mode);
      const bytes = Buffer.from(data, 'utf8');
      const half = bytes.length >> 1;
      await fh.writeFile(bytes.subarray(0, half));
      faultPoint('write:half'); // a crash halfway through the temp file
      await fh.writeFile(bytes.subarray(half));
      await fh.sync();
    } finally {
      await fh.close();
    }
    faultPoint('write:before-rename'); // a complete temp file, not yet in place
    // The target may have changed kind since it was looked at (a FIFO made meanwhile): look again.
    const now = await stat(target.path).catch(() => undefined);
    if (now && !now.isFile()) throw new Error(`${target.path} is ${kindOf(now)}, not a regular file; refusing to replace it`);
    await rename(tmp, target.path);
    faultPoint('write:after-rename');
    await removeStaleTemps(dir, target.path);
  } catch (e) {
    if (tmp) await unlink(tmp).catch(() => undefined);
    throw new Error(`could not write ${path}: ${reason(e)}`);
  }
}
