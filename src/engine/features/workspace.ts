/**
 * Feature files read only inside the workspace root: their imports, vectors and SAEs. Paths are
 * compared after resolving symbolic links, so a link cannot lead outside.
 */
import { existsSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';

export class OutsideWorkspaceError extends Error {
  override name = 'OutsideWorkspaceError';
}

function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    // A missing file cannot be followed; its existing parent decides where it would be.
    const parent = dirname(path);
    return parent === path ? path : resolve(real(parent), path.slice(parent.length + 1));
  }
}

export function isInside(root: string, path: string): boolean {
  const rel = relative(real(root), real(path));
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** `ref` resolved against the folder of `fromFile`; throws when it leaves `root`. */
export function resolveInWorkspace(root: string, fromFile: string, ref: string, what: string): string {
  const path = resolve(dirname(fromFile), ref);
  if (!isInside(root, path)) {
    throw new OutsideWorkspaceError(`${what} '${ref}' resolves to ${path}, outside the workspace ${resolve(root)}; feature files may only read files inside their workspace`);
  }
  return path;
}

/** The folder holding the nearest tsconfig.json or package.json above `file`, else the file's folder. */
export function guessWorkspaceRoot(file: string): string {
  let dir = dirname(resolve(file));
  for (;;) {
    if (existsSync(resolve(dir, 'tsconfig.json')) || existsSync(resolve(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) return dirname(resolve(file));
    dir = up;
  }
}
