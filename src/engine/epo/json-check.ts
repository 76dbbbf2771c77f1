/** Small checks for reading JSON files back, each naming the field that is wrong. */
import { readFile } from 'node:fs/promises';

export class FileFormatError extends Error {
  override name = 'FileFormatError';
}

export function bad(what: string, expected: string, got: unknown): never {
  const shown = got === undefined ? 'nothing' : typeof got === 'object' ? (Array.isArray(got) ? 'an array' : got === null ? 'null' : 'an object') : JSON.stringify(got);
  throw new FileFormatError(`${what} must be ${expected}, got ${shown}`);
}

export function isObject(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(what, 'an object', v);
  return v as Record<string, unknown>;
}

export function isArray(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) bad(what, 'an array', v);
  return v;
}

export function isString(v: unknown, what: string): string {
  if (typeof v !== 'string') bad(what, 'a string', v);
  return v;
}

export function isNumber(v: unknown, what: string): number {
  if (typeof v !== 'number') bad(what, 'a number', v);
  return v;
}

export function isInt(v: unknown, what: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) bad(what, `an integer ${min} … ${max}`, v);
  return v;
}

export function isBool(v: unknown, what: string): boolean {
  if (typeof v !== 'boolean') bad(what, 'true or false', v);
  return v;
}

/** JSON.parse with the file named in the error. */
export function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new FileFormatError(`${path} is not valid JSON (damaged or truncated?): ${(e as Error).message}`);
  }
}

/** A file's text, or an error that says which kind of file could not be read ("cannot read run file x: …"). */
export async function readTextFile(path: string, kind: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${kind} ${path}: ${(e as Error).message}`);
  }
}

/** A model's `files` list: name, sha256 and size of each file, as run and frontier files record them. */
export function checkModelFiles(v: unknown, what: string): void {
  isArray(v, what).forEach((x, i) => {
    const o = isObject(x, `${what}[${i}]`);
    isString(o.name, `${what}[${i}].name`);
    isString(o.sha256, `${what}[${i}].sha256`);
    isInt(o.bytes, `${what}[${i}].bytes`);
  });
}
