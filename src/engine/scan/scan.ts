/**
 * The dataset baseline (issue 7): slide a window of n tokens over a corpus, score every window with
 * the dream's own score graph (feature and self cross-entropy, BOS prefixed when the model uses
 * one), and keep the top windows by feature. Streams files larger than memory, batches windows
 * through one session, skips identical windows, and checkpoints a resume state every N batches.
 */
import { checkFitsContext } from '../models/context';
import { existsSync } from 'node:fs';
import { promptKey } from '../epo/cache';
import { DEFAULT_EPO_CONFIG } from '../epo/config';
import type { LoadedModel } from '../models/load';
import { sessionFor, type PreparedFeature } from '../dream/dream';
import type { SessionOptions } from '../runtime/ort';
import { CorpusFile, DEFAULT_CHUNK_BYTES, DEFAULT_MAX_DOCUMENT_BYTES, listCorpus } from './corpus';
import { WindowScorer } from './scorer';
import { emptyCounts, identityMismatch, readScanState, ScanCounts, ScanIdentity, ScanState, ScanStateMismatchError, SCAN_STATE_FORMAT, SCAN_STATE_VERSION, writeScanState } from './state';
import { TopK, TopEntry } from './top-k';
import { corpusWindows, CorpusWindow, ScanCursor, START_CURSOR } from './windows';

export const DEFAULT_SCAN_TOP = 64;
export const DEFAULT_SCAN_BATCH = 64;
export const DEFAULT_CHECKPOINT_EVERY = 100;
/** Window keys remembered for skipping duplicates before scoring (about 100 bytes each). */
export const DEFAULT_DEDUPE_MEMORY = 1 << 19;

export interface ScanOptions {
  model: LoadedModel;
  /** The feature and its identity (the hash guards resumes). */
  feature: Pick<PreparedFeature, 'fn' | 'info' | 'epo' | 'dtype'>;
  /** Text files and folders (folders: every *.txt inside, recursively). */
  corpus: string[];
  /** A folder every corpus file must lie inside, as a `.txt` file (see `ListOptions.within`). */
  within?: string;
  /** Window length; default the feature's dream length (its `seqLen`, else 12). */
  n?: number;
  top?: number;
  /** Windows start every `stride` tokens (default 1: every token). */
  stride?: number;
  batchSize?: number;
  session?: SessionOptions;
  /** Where the resume state goes; none: no checkpoints. */
  statePath?: string;
  /** Continue from `statePath` when it exists (a finished state returns its result without scanning). */
  resume?: boolean;
  /** Write the state every this many batches (default 100), and when cancelled. */
  checkpointEvery?: number;
  dedupeMemory?: number;
  chunkBytes?: number;
  maxDocumentBytes?: number;
  signal?: AbortSignal;
  onReady?: (info: { files: CorpusFile[]; bytes: number; n: number; resumedFrom?: ScanCounts; warnings: string[] }) => void;
  onProgress?: (p: ScanProgress) => void;
}

export interface ScanProgress {
  bytesDone: number;
  bytesTotal: number;
  counts: ScanCounts;
  /** Scanning time so far, earlier sessions of a resumed scan included. */
  elapsedMs: number;
  tokensPerSecond: number;
  best: number | null;
}

export interface ScanExample {
  ids: number[];
  text: string;
  /** Display form of each token. */
  tokens: string[];
  feature: number;
  xe: number;
  file: string;
  /** Line of the window's document (1-based), its byte offset, and the window's index in it. */
  line: number;
  offset: number;
  window: number;
}

export interface ScanResult {
  examples: ScanExample[];
  files: CorpusFile[];
  n: number;
  stride: number;
  counts: ScanCounts;
  elapsedMs: number;
  tokensPerSecond: number;
  cancelled: boolean;
  /** Whether this result continued (or simply returned) a saved state. */
  resumed: boolean;
}

function positiveInt(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${what} must be a positive integer, got ${v}`);
  return v;
}

async function startingState(o: ScanOptions, identity: ScanIdentity): Promise<ScanState | undefined> {
  if (!o.resume) return undefined;
  if (!o.statePath) throw new Error('resume needs a state file (statePath)');
  if (!existsSync(o.statePath)) return undefined;
  const saved = await readScanState(o.statePath);
  const why = identityMismatch(saved.identity, identity);
  if (why) throw new ScanStateMismatchError(`${o.statePath} is the state of another scan: ${why}`);
  return saved;
}

export async function scanCorpus(o: ScanOptions): Promise<ScanResult> {
  const { model } = o;
  const tok = model.tokenizer;
  const n = o.n ?? o.feature.epo?.seqLen ?? DEFAULT_EPO_CONFIG.seqLen;
  if (!Number.isInteger(n) || n < 2) throw new Error(`window must be an integer ≥ 2 (XE needs a scored token), got ${n}`);
  checkFitsContext(model, n, 'a window');
  const k = positiveInt(o.top ?? DEFAULT_SCAN_TOP, 'top');
  const stride = positiveInt(o.stride ?? 1, 'stride');
  const batchSize = positiveInt(o.batchSize ?? DEFAULT_SCAN_BATCH, 'batch size');
  const every = positiveInt(o.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY, 'checkpoint interval');
  const memory = positiveInt(o.dedupeMemory ?? DEFAULT_DEDUPE_MEMORY, 'dedupe memory');
  const maxDocumentBytes = o.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;

  const files = await listCorpus(o.corpus, { within: o.within });
  const bytesTotal = files.reduce((s, f) => s + f.bytes, 0);
  const identity: ScanIdentity = {
    model: model.files.map((f) => f.sha256).sort(), feature: o.feature.info.sourceHash, n, stride, top: k, maxDocumentBytes, corpus: files,
  };
  const saved = await startingState(o, identity);
  const top = new TopK(k);
  for (const e of saved?.top ?? []) top.offer(e);
  const counts: ScanCounts = saved ? { ...saved.counts } : emptyCounts();
  const from: ScanCursor = saved?.cursor ?? START_CURSOR;
  const priorMs = saved?.elapsedMs ?? 0;

  const result = (elapsedMs: number, cancelled: boolean): ScanResult => ({
    examples: top.sorted().map((e) => ({
      ids: e.ids, text: tok.decode(e.ids), tokens: e.ids.map((id) => tok.tokenText(id)), feature: e.feature, xe: e.xe,
      file: files[e.at.file].path, line: e.at.line, offset: e.at.offset, window: e.at.window,
    })),
    files, n, stride, counts: { ...counts }, elapsedMs, tokensPerSecond: elapsedMs > 0 ? counts.tokens / (elapsedMs / 1000) : 0, cancelled, resumed: !!saved,
  });
  if (saved?.done) return result(priorMs, false);

  const scorer = await WindowScorer.create(model, o.feature.fn, n, sessionFor(o.session, o.feature));
  o.onReady?.({ files, bytes: bytesTotal, n, resumedFrom: saved ? { ...saved.counts } : undefined, warnings: scorer.warning ? [scorer.warning] : [] });
  const t0 = performance.now();
  const elapsed = () => priorMs + performance.now() - t0;
  let bytesDone = 0;
  let cursor = from;
  const checkpoint = async (done: boolean): Promise<void> => {
    if (!o.statePath) return;
    const state: ScanState = {
      format: SCAN_STATE_FORMAT, version: SCAN_STATE_VERSION, identity, done, cursor, counts: { ...counts }, elapsedMs: elapsed(), top: top.sorted(), savedAt: new Date().toISOString(),
    };
    await writeScanState(o.statePath, state);
  };

  let batch: CorpusWindow[] = [];
  let lastPulled: ScanCursor | undefined;
  let best: number | null = top.sorted()[0]?.feature ?? null;
  // Every window up to the last one pulled is done once the batch is scored: the state resumes after it.
  const flush = async (): Promise<void> => {
    if (!batch.length) return;
    const s = await scorer.score(batch.map((w) => w.ids));
    batch.forEach((w, i) => {
      const feature = s.feature[i], xe = s.xe[i];
      if (!Number.isFinite(feature) || !Number.isFinite(xe)) counts.nonFinite++;
      else {
        top.offer({ ids: Array.from(w.ids), feature, xe, at: w.at } satisfies TopEntry);
        if (best === null || feature > best) best = feature;
      }
    });
    counts.scored += batch.length;
    batch = [];
    if (lastPulled) cursor = { ...lastPulled, window: lastPulled.window + 1 };
  };

  const seen = new Set<string>();
  let batches = 0, cancelled = false;
  const windows = corpusWindows(files, tok, counts, { n, stride, from, chunkBytes: o.chunkBytes ?? DEFAULT_CHUNK_BYTES, maxDocumentBytes, onDocument: (b) => (bytesDone = b) });
  try {
    for await (const w of windows) {
      // Work saving only: an identical window that slips through (memory full, or after a resume) is refused by the top-k.
      lastPulled = w.at;
      const key = promptKey(w.ids);
      if (seen.has(key) || top.has(w.ids)) {
        counts.duplicates++;
      } else {
        if (seen.size >= memory) seen.clear();
        seen.add(key);
        batch.push(w);
      }
      if (batch.length < batchSize) continue;
      await flush();
      batches++;
      const ms = elapsed();
      o.onProgress?.({ bytesDone, bytesTotal, counts: { ...counts }, elapsedMs: ms, tokensPerSecond: counts.tokens / (ms / 1000), best });
      if (o.signal?.aborted) { cancelled = true; break; }
      if (batches % every === 0) await checkpoint(false);
    }
    if (!cancelled) await flush();
    await checkpoint(!cancelled);
  } finally {
    await scorer.release();
  }
  return result(elapsed(), cancelled);
}
