/**
 * A corpus is a list of UTF-8 text files; each file is a sequence of documents separated by blank
 * lines (lines of only spaces, tabs or \r). Files are read in chunks, so a file larger than memory
 * streams through; a document is handed out whole, because the tokenizer must see it whole (the
 * SentencePiece dummy prefix and merges make tokens depend on where the text starts). A document
 * longer than `maxDocumentBytes` is cut at a line end (or, for one overlong line, at a space), and
 * the cut is a document boundary like a blank line.
 */
import { open, readdir, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

export interface CorpusFile {
  path: string;
  bytes: number;
  mtimeMs: number;
}

export interface DocumentStart {
  /** Byte offset in the file. */
  offset: number;
  /** 1-based line number of that offset. */
  line: number;
}

export interface CorpusDocument extends DocumentStart {
  text: string;
  /** Byte offset just past the document's last byte. */
  end: number;
}

export interface ReadOptions {
  /** Bytes per read (default 1 MiB). */
  chunkBytes?: number;
  /** Longer documents are cut (default 4 MiB). */
  maxDocumentBytes?: number;
}

export const DEFAULT_CHUNK_BYTES = 1 << 20;
export const DEFAULT_MAX_DOCUMENT_BYTES = 4 << 20;
const TEXT_FILE = /\.txt$/i;

export interface ListOptions {
  /**
   * The folder the corpus was named from when someone other than the user named it (a workspace's
   * settings): every file must then be a `.txt` file whose real path (links followed) lies inside
   * this folder, so a cloned repository cannot make Reverie read and show a file elsewhere.
   */
  within?: string;
}

/** Bytes read from the start of each file to check it is text. */
export const TEXT_SNIFF_BYTES = 64 << 10;

/**
 * Files named directly, and every *.txt file under folders named (recursively); sorted within a
 * folder. Every file must look like UTF-8 text (no NUL byte, valid UTF-8 in its first 64 KiB):
 * a binary named by mistake is refused by name instead of being scanned as noise.
 */
export async function listCorpus(paths: string[], opts: ListOptions = {}): Promise<CorpusFile[]> {
  if (!paths.length) throw new Error('no corpus given: name text files or folders');
  const within = opts.within === undefined ? undefined : await realpath(opts.within).catch(() => {
    throw new Error(`the folder the corpus must lie in does not exist: ${opts.within}`);
  });
  const out: CorpusFile[] = [];
  const visit = async (p: string, named: boolean): Promise<void> => {
    const full = resolve(p);
    let s;
    try {
      s = await stat(full);
    } catch {
      throw new Error(`corpus path not found: ${full}`);
    }
    if (s.isDirectory()) {
      const names = (await readdir(full)).filter((n) => !n.startsWith('.')).sort();
      for (const n of names) await visit(join(full, n), false);
    } else if (s.isFile() && (named || TEXT_FILE.test(full))) {
      if (within !== undefined) await checkInside(full, within);
      await checkText(full);
      out.push({ path: full, bytes: s.size, mtimeMs: s.mtimeMs });
    } else if (named) {
      throw new Error(`corpus path is neither a file nor a folder: ${full}`);
    }
  };
  for (const p of paths) {
    const before = out.length;
    await visit(p, true);
    if (out.length === before) throw new Error(`no .txt files in corpus folder ${resolve(p)}`);
  }
  const seen = new Set<string>();
  return out.filter((f) => (seen.has(f.path) ? false : (seen.add(f.path), true)));
}

async function checkInside(file: string, within: string): Promise<void> {
  if (!TEXT_FILE.test(file)) throw new Error(`corpus file ${file} is not a .txt file (a workspace setting may only name .txt files)`);
  const real = await realpath(file);
  const rel = relative(within, real);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    const via = real === file ? '' : ` (it links to ${real})`;
    throw new Error(`corpus file ${file}${via} is outside the workspace folder ${within}: a workspace setting may only name files inside it (name it in your user settings to scan it)`);
  }
}

/** Refuses a file whose first bytes are not UTF-8 text. */
async function checkText(file: string): Promise<void> {
  const fh = await open(file, 'r');
  try {
    const buf = new Uint8Array(TEXT_SNIFF_BYTES);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const head = buf.subarray(0, bytesRead);
    const nul = head.indexOf(0);
    if (nul >= 0) throw new Error(`corpus file ${file} is not a text file (a NUL byte at offset ${nul})`);
    // A character may be cut at the end of the sniffed bytes: drop up to 3 trailing bytes of it.
    let end = head.length;
    if (bytesRead === buf.length) {
      let i = end - 1;
      while (i > end - 4 && i > 0 && (head[i] & 0xc0) === 0x80) i--;
      if (head[i] >= 0xc0) end = i;
    }
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, end));
    } catch {
      throw new Error(`corpus file ${file} is not UTF-8 text`);
    }
  } finally {
    await fh.close();
  }
}

const NL = 0x0a, CR = 0x0d, SPACE = 0x20, TAB = 0x09;

function isBlank(buf: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (buf[i] !== SPACE && buf[i] !== TAB && buf[i] !== CR) return false;
  return true;
}

/** Where to cut an overlong line: after its last space before `limit`, else at a UTF-8 character start. */
function cutPoint(buf: Uint8Array, from: number, limit: number): number {
  for (let i = limit - 1; i > from; i--) if (buf[i] === SPACE) return i + 1;
  let i = limit;
  while (i > from + 1 && (buf[i] & 0xc0) === 0x80) i--; // continuation bytes belong to the character before
  return i;
}

/**
 * The documents of one file, starting at `from` (a document start from an earlier pass, or 0).
 * Every decision depends on the bytes only, never on where a chunk ended, so reading from a
 * document's start gives the same documents as reading the file from its beginning.
 */
export async function* readDocuments(path: string, from: DocumentStart = { offset: 0, line: 1 }, opts: ReadOptions = {}): AsyncGenerator<CorpusDocument> {
  const chunkBytes = opts.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const maxDoc = opts.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
  if (!(chunkBytes >= 1) || !(maxDoc >= 2)) throw new Error(`chunkBytes must be ≥ 1 and maxDocumentBytes ≥ 2 (got ${chunkBytes}, ${maxDoc})`);
  // TextDecoder drops a leading byte-order mark of each decode() call, so a BOM never becomes text.
  const decoder = new TextDecoder('utf-8');
  const fh = await open(path, 'r');
  try {
    let buf = new Uint8Array(0);
    let base = from.offset; // file offset of buf[0]
    let filePos = from.offset;
    let eof = false;
    let pos = 0; // start of the next line in buf
    let line = from.line;
    let doc = -1, docLine = 0, docEnd = 0; // current document: start, its line, end of its last complete line

    const emit = (): CorpusDocument => {
      const text = decoder.decode(buf.subarray(doc, docEnd)).replace(/\r\n/g, '\n');
      const d = { text, offset: base + doc, line: docLine, end: base + docEnd };
      doc = -1;
      return d;
    };
    const readMore = async (): Promise<void> => {
      const keep = doc >= 0 ? doc : pos;
      const chunk = new Uint8Array(chunkBytes);
      const { bytesRead } = await fh.read(chunk, 0, chunkBytes, filePos);
      filePos += bytesRead;
      if (bytesRead === 0) eof = true;
      const next = new Uint8Array(buf.length - keep + bytesRead);
      next.set(buf.subarray(keep));
      next.set(chunk.subarray(0, bytesRead), buf.length - keep);
      base += keep;
      pos -= keep;
      if (doc >= 0) { docEnd -= keep; doc = 0; }
      buf = next;
    };

    for (;;) {
      const nl = buf.indexOf(NL, pos);
      if (nl < 0 && !eof && buf.length - pos <= maxDoc) { await readMore(); continue; }
      if (nl < 0 && pos >= buf.length) break; // end of file
      const lineEnd = nl < 0 ? buf.length : nl;
      if (lineEnd - pos > maxDoc) {
        // A line longer than a document may be: the document so far goes first, then the line is cut.
        if (doc >= 0) { yield emit(); continue; }
        const cut = cutPoint(buf, pos, pos + maxDoc);
        doc = pos; docLine = line; docEnd = cut;
        pos = cut; // the rest of the line starts the next document
        yield emit();
        continue;
      }
      if (isBlank(buf, pos, lineEnd)) {
        if (doc >= 0) yield emit();
      } else {
        if (doc < 0) { doc = pos; docLine = line; }
        docEnd = lineEnd > pos && buf[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd;
      }
      if (nl < 0) break; // the last line had no newline
      pos = nl + 1;
      line++;
      if (doc >= 0 && docEnd - doc > maxDoc) yield emit();
    }
    if (doc >= 0) yield emit();
  } finally {
    await fh.close();
  }
}
