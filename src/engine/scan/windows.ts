/**
 * The windows of a corpus: each document is tokenized whole (without BOS), and every run of n
 * consecutive tokens starting at a multiple of `stride` is a window. Windows never cross documents:
 * text across a story or file boundary is text nobody wrote, and a dream is one piece of text too.
 */
import type { Tokenizer } from '../tokenizers/tokenizer';
import { CorpusFile, readDocuments, ReadOptions } from './corpus';
import type { WindowLocation } from './top-k';

/** The next window to consider: a document start and a window index within that document. */
export type ScanCursor = WindowLocation;

export const START_CURSOR: ScanCursor = { file: 0, offset: 0, line: 1, window: 0 };

export interface WindowCounts {
  /** Documents read (a document is counted when its first window is reached, or when it has none). */
  documents: number;
  /** Tokens of those documents. */
  tokens: number;
  /** Windows handed out. */
  windows: number;
}

export interface CorpusWindow {
  ids: Int32Array;
  at: WindowLocation;
}

export interface WindowStreamOptions extends ReadOptions {
  n: number;
  stride?: number;
  /** Where to start (a cursor saved by an earlier scan). */
  from?: ScanCursor;
  /** Bytes of the corpus before the document being read, for progress (updated as documents start). */
  onDocument?: (bytesBefore: number) => void;
}

/** Number of windows of length n at multiples of `stride` in a document of `tokens` tokens. */
export function windowCount(tokens: number, n: number, stride: number): number {
  return tokens < n ? 0 : Math.floor((tokens - n) / stride) + 1;
}

/** Yields the corpus's windows in order, counting into `counts` (which the caller may snapshot between windows). */
export async function* corpusWindows(files: CorpusFile[], tokenizer: Tokenizer, counts: WindowCounts, o: WindowStreamOptions): AsyncGenerator<CorpusWindow> {
  const { n } = o;
  const stride = o.stride ?? 1;
  if (!Number.isInteger(n) || n < 2) throw new Error(`window length must be an integer ≥ 2, got ${n}`);
  if (!Number.isInteger(stride) || stride < 1) throw new Error(`stride must be a positive integer, got ${stride}`);
  const from = o.from ?? START_CURSOR;
  if (from.file > files.length) throw new Error(`scan cursor names file ${from.file}, but the corpus has ${files.length} files`);
  let bytesBefore = files.slice(0, from.file).reduce((s, f) => s + f.bytes, 0);
  for (let f = from.file; f < files.length; f++) {
    const resuming = f === from.file;
    const start = resuming ? { offset: from.offset, line: from.line } : { offset: 0, line: 1 };
    for await (const doc of readDocuments(files[f].path, start, o)) {
      o.onDocument?.(bytesBefore + doc.offset);
      const ids = tokenizer.encode(doc.text);
      const first = resuming && doc.offset === from.offset ? from.window : 0;
      if (first === 0) {
        counts.documents++;
        counts.tokens += ids.length;
      }
      const count = windowCount(ids.length, n, stride);
      for (let w = first; w < count; w++) {
        counts.windows++;
        const s = w * stride;
        yield { ids: Int32Array.from(ids.slice(s, s + n)), at: { file: f, offset: doc.offset, line: doc.line, window: w } };
      }
    }
    bytesBefore += files[f].bytes;
  }
}
