/** Reading a whole file with errors that name it (Node's own EISDIR and EACCES messages do not). */
import { readFile } from 'node:fs/promises';

export async function readWholeFile(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') throw new Error(`${path} is a folder, not ${what}`);
    if (code === 'ENOENT') throw new Error(`${path} does not exist (${what})`);
    throw new Error(`${path}: cannot read ${what} (${code ?? (e as Error).message})`);
  }
}
