/**
 * A scan's resume state: what was scanned (model, feature, window, corpus files), where the scan
 * is (a cursor at a window), the counts so far and the kept windows. Written atomically, so an
 * interrupted scan resumes from its last state and ends with exactly the uninterrupted result.
 */
import { writeFileAtomic } from '../epo/atomic-write';
import { bad, FileFormatError, isArray, isBool, isInt, isNumber, isObject, isString, parseJson, readTextFile } from '../epo/json-check';
import type { CorpusFile } from './corpus';
import type { TopEntry, WindowLocation } from './top-k';
import type { ScanCursor } from './windows';

export const SCAN_STATE_FORMAT = 'reverie.scan-state';
export const SCAN_STATE_VERSION = 1;

/** What must not change between a scan and its resume. */
export interface ScanIdentity {
  /** sha256 of the model's files, sorted. */
  model: string[];
  /** The feature's hash (PreparedFeature.info.sourceHash). */
  feature: string;
  n: number;
  stride: number;
  top: number;
  maxDocumentBytes: number;
  corpus: CorpusFile[];
}

export interface ScanCounts {
  documents: number;
  tokens: number;
  /** Windows met (duplicates included). */
  windows: number;
  /** Windows run through the model. */
  scored: number;
  /** Windows skipped because an identical window came earlier (within the dedupe memory). */
  duplicates: number;
  /** Windows whose feature or XE was NaN or infinite (never kept). */
  nonFinite: number;
}

export interface ScanState {
  format: typeof SCAN_STATE_FORMAT;
  version: typeof SCAN_STATE_VERSION;
  identity: ScanIdentity;
  /** The whole corpus was scanned; `top` is the final result. */
  done: boolean;
  cursor: ScanCursor;
  counts: ScanCounts;
  /** Scanning time over all sessions of this scan. */
  elapsedMs: number;
  top: TopEntry[];
  savedAt: string;
}

/** The saved state belongs to another scan; the message says what differs. */
export class ScanStateMismatchError extends Error {
  override name = 'ScanStateMismatchError';
}

export const emptyCounts = (): ScanCounts => ({ documents: 0, tokens: 0, windows: 0, scored: 0, duplicates: 0, nonFinite: 0 });

export async function writeScanState(path: string, state: ScanState): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(state)}\n`);
}

function location(v: unknown, what: string): WindowLocation {
  const o = isObject(v, what);
  isInt(o.file, `${what}.file`);
  isInt(o.offset, `${what}.offset`);
  isInt(o.line, `${what}.line`, 1);
  isInt(o.window, `${what}.window`);
  return o as unknown as WindowLocation;
}

/** Reads and checks a state file; errors name the file and field. */
export async function readScanState(path: string): Promise<ScanState> {
  const text = await readTextFile(path, 'scan state');
  try {
    const s = isObject(parseJson(text, path), path);
    if (s.format !== SCAN_STATE_FORMAT) bad(`${path}: format`, `"${SCAN_STATE_FORMAT}"`, s.format);
    if (s.version !== SCAN_STATE_VERSION) bad(`${path}: version`, `${SCAN_STATE_VERSION}`, s.version);
    const id = isObject(s.identity, `${path}: identity`);
    isArray(id.model, `${path}: identity.model`).forEach((h, i) => isString(h, `${path}: identity.model[${i}]`));
    isString(id.feature, `${path}: identity.feature`);
    for (const k of ['n', 'stride', 'top', 'maxDocumentBytes']) isInt(id[k], `${path}: identity.${k}`, 1);
    isArray(id.corpus, `${path}: identity.corpus`).forEach((f, i) => {
      const o = isObject(f, `${path}: identity.corpus[${i}]`);
      isString(o.path, `${path}: identity.corpus[${i}].path`);
      isInt(o.bytes, `${path}: identity.corpus[${i}].bytes`);
      isNumber(o.mtimeMs, `${path}: identity.corpus[${i}].mtimeMs`);
    });
    isBool(s.done, `${path}: done`);
    location(s.cursor, `${path}: cursor`);
    const c = isObject(s.counts, `${path}: counts`);
    for (const k of ['documents', 'tokens', 'windows', 'scored', 'duplicates', 'nonFinite']) isInt(c[k], `${path}: counts.${k}`);
    isNumber(s.elapsedMs, `${path}: elapsedMs`);
    const n = id.n as number;
    isArray(s.top, `${path}: top`).forEach((raw, i) => {
      const e = isObject(raw, `${path}: top[${i}]`);
      const ids = isArray(e.ids, `${path}: top[${i}].ids`);
      if (ids.length !== n) bad(`${path}: top[${i}].ids`, `${n} token ids (identity.n)`, `${ids.length} ids`);
      ids.forEach((v, j) => isInt(v, `${path}: top[${i}].ids[${j}]`));
      isNumber(e.feature, `${path}: top[${i}].feature`);
      isNumber(e.xe, `${path}: top[${i}].xe`);
      location(e.at, `${path}: top[${i}].at`);
    });
    isString(s.savedAt, `${path}: savedAt`);
    return s as unknown as ScanState;
  } catch (e) {
    if (e instanceof FileFormatError) throw new Error(`scan state is damaged: ${e.message}`);
    throw e;
  }
}

/** Why `saved` cannot be resumed as `now`, or null. */
export function identityMismatch(saved: ScanIdentity, now: ScanIdentity): string | null {
  const diffs: string[] = [];
  if (saved.model.join() !== now.model.join()) diffs.push('the model files differ');
  if (saved.feature !== now.feature) diffs.push('the feature is another one (or its definition changed)');
  for (const k of ['n', 'stride', 'top', 'maxDocumentBytes'] as const) {
    if (saved[k] !== now[k]) diffs.push(`${k === 'n' ? 'window' : k} was ${saved[k]}, now ${now[k]}`);
  }
  if (saved.corpus.length !== now.corpus.length) diffs.push(`the corpus had ${saved.corpus.length} files, now ${now.corpus.length}`);
  else {
    saved.corpus.forEach((f, i) => {
      const g = now.corpus[i];
      if (f.path !== g.path) diffs.push(`corpus file ${i + 1} was ${f.path}, now ${g.path}`);
      else if (f.bytes !== g.bytes || f.mtimeMs !== g.mtimeMs) diffs.push(`${f.path} changed since the scan started`);
    });
  }
  return diffs.length ? diffs.join('; ') : null;
}
