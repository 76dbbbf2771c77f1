/**
 * Save Frontier: writes `<folder>/<feature>.frontier.json`, merging with what is already there
 * (never replacing it), atomically (temp file + rename in the same folder). A file that cannot be
 * read as a frontier file is left untouched and the new data goes to a new name; a file of another
 * model or feature is reported (the caller asks the user) or, when told, skipped for a new name.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../epo/atomic-write';
import { FrontierFile, FrontierFileError, FRONTIER_SUFFIX } from './format';
import { mergeConflict, mergeFrontierFiles } from './merge';
import { parseFrontierFile } from './parse';

export type SaveOutcome =
  | {
    status: 'saved';
    path: string;
    /** Whether runs already in the file were kept beside the new ones. */
    merged: boolean;
    runs: number;
    points: number;
    /** Something the user should know (a damaged file skipped, another feature's file skipped). */
    warning?: string;
  }
  | { status: 'conflict'; path: string; what: 'model' | 'feature'; reason: string };

export interface SaveFrontierOptions {
  /**
   * When `<feature>.frontier.json` holds another model or feature: 'report' (default) returns a
   * conflict and writes nothing; 'newFile' saves to `<feature>-2.frontier.json` (or the first name
   * that is free or holds the same feature and model, which it then merges with).
   */
  onMismatch?: 'report' | 'newFile';
  now?: Date;
}

/** A file name for a feature: its name with anything but letters, digits, '.', '_' and '-' made '-'. */
export function frontierSlug(featureName: string): string {
  const slug = featureName.normalize('NFKD').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/-+/g, '-').replace(/^[-.]+|[-.]+$/g, '').slice(0, 80);
  return slug || 'feature';
}

export function frontierFileName(featureName: string, index = 1): string {
  return `${frontierSlug(featureName)}${index > 1 ? `-${index}` : ''}${FRONTIER_SUFFIX}`;
}

type Existing = { kind: 'none' } | { kind: 'damaged'; problem: string } | { kind: 'ok'; file: FrontierFile };

async function readExisting(path: string): Promise<Existing> {
  if (!existsSync(path)) return { kind: 'none' };
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    return { kind: 'damaged', problem: `cannot be read: ${(e as Error).message}` };
  }
  try {
    return { kind: 'ok', file: parseFrontierFile(text, path) };
  } catch (e) {
    if (e instanceof FrontierFileError) return { kind: 'damaged', problem: e.message };
    throw e;
  }
}

async function write(path: string, file: FrontierFile, merged: boolean, warning?: string): Promise<SaveOutcome> {
  await writeFileAtomic(path, `${JSON.stringify(file, null, 1)}\n`);
  const out: SaveOutcome = { status: 'saved', path, merged, runs: file.runs.length, points: file.frontier.length };
  if (warning) out.warning = warning;
  return out;
}

export async function saveFrontierFile(folder: string, incoming: FrontierFile, opts: SaveFrontierOptions = {}): Promise<SaveOutcome> {
  await mkdir(folder, { recursive: true });
  const now = opts.now ?? new Date();
  const skipped: string[] = [];
  for (let index = 1; index < 1000; index++) {
    const path = join(folder, frontierFileName(incoming.feature.name, index));
    const existing = await readExisting(path);
    const warning = skipped.length ? skipped.join('; ') : undefined;
    if (existing.kind === 'none') return write(path, incoming, false, warning);
    if (existing.kind === 'damaged') {
      skipped.push(`${path} is damaged and was left untouched (${existing.problem})`);
      continue;
    }
    const conflict = mergeConflict(existing.file, incoming);
    if (!conflict) return write(path, mergeFrontierFiles(existing.file, incoming, now), existing.file.runs.length > 0, warning);
    if ((opts.onMismatch ?? 'report') === 'report') {
      return { status: 'conflict', path, what: conflict.what, reason: `${path} was not changed: ${conflict.message}` };
    }
    skipped.push(`${path} holds another ${conflict.what} and was left untouched`);
  }
  throw new Error(`no free file name for '${incoming.feature.name}' in ${folder} (tried 999)`);
}
