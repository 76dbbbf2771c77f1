/**
 * The SentencePiece BPE tokenizer of llama2.c checkpoints (tok512.bin, tokenizer.bin), encoding
 * exactly as llama2.c's run.c `encode` does. Pieces are kept as "binary strings" (one char per
 * byte) so concatenation and lookup are byte-exact, as in the C code, whatever the bytes are.
 */
import { readWholeFile } from '../util/read-file';
import type { Tokenizer } from './tokenizer';
import { mergePairs, MergeTable } from './sentencepiece-merge';

const UNK = 0, BOS = 1, EOS = 2;
/** llama2.c hard-codes byte-fallback ids as byte + 3 (after <unk>, <s>, </s>). */
const BYTE_OFFSET = 3;
const BYTE_PIECE = /^<0x([0-9A-Fa-f]{2})>$/;
const SEGMENT_CACHE_LIMIT = 50_000;

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8');
const toBinary = (bytes: Uint8Array) => String.fromCharCode(...bytes);
const fromBinary = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

export class SentencePieceTokenizer implements Tokenizer, MergeTable {
  readonly kind = 'sentencepiece (llama2.c)';
  readonly bosId = BOS;
  readonly eosId = EOS;
  readonly addsBos = true;
  readonly specialIds: ReadonlySet<number> = new Set([UNK, BOS, EOS]);

  private readonly idOf = new Map<string, number>();
  private readonly pairCache = new Map<number, number>();
  private readonly segmentCache = new Map<string, number[]>();
  private readonly charCache = new Map<string, number[]>();
  private readonly spaceId: number;
  /** True when no piece holds a space after its first byte: then merges never cross the position
   * before a space, and each space-led segment can be encoded (and cached) on its own. */
  private readonly segmentable: boolean;

  private constructor(
    /** Pieces as binary strings (one char per byte); spaces are stored as real 0x20 bytes. */
    private readonly pieces: readonly string[],
    private readonly scores: Float32Array,
    readonly maxTokenLength: number,
    source: string,
  ) {
    pieces.forEach((p, id) => { if (!this.idOf.has(p)) this.idOf.set(p, id); });
    const space = this.idOf.get(' ');
    if (space === undefined) throw new Error(`${source}: no ' ' piece, needed for the dummy prefix`);
    this.spaceId = space;
    for (let b = 0; b < 256; b++) {
      const want = `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;
      if (pieces[b + BYTE_OFFSET] !== want) {
        throw new Error(`${source}: id ${b + BYTE_OFFSET} should be the byte-fallback piece ${want}, found ${JSON.stringify(pieces[b + BYTE_OFFSET])}`);
      }
    }
    this.segmentable = pieces.every((p) => p.indexOf(' ', 1) < 0);
  }

  /** Reads llama2.c's tokenizer file: int32 max_token_length, then per token float32 score,
   * int32 byte length, bytes — until the end of the file. */
  static async load(path: string, expectedVocabSize?: number): Promise<SentencePieceTokenizer> {
    return SentencePieceTokenizer.parse(await readWholeFile(path, 'a llama2.c tokenizer'), path, expectedVocabSize);
  }

  static parse(bytes: Uint8Array, source: string, expectedVocabSize?: number): SentencePieceTokenizer {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.byteLength < 4) throw new Error(`${source}: ${bytes.byteLength} bytes is too short for a llama2.c tokenizer`);
    const maxTokenLength = view.getInt32(0, true);
    const pieces: string[] = [];
    const scores: number[] = [];
    let at = 4;
    while (at < bytes.byteLength) {
      const id = pieces.length;
      if (at + 8 > bytes.byteLength) throw new Error(`${source}: truncated entry for token ${id} at byte ${at}`);
      const score = view.getFloat32(at, true);
      const len = view.getInt32(at + 4, true);
      at += 8;
      if (len < 0 || at + len > bytes.byteLength) throw new Error(`${source}: token ${id} claims ${len} bytes at byte ${at}, past the end of the file (${bytes.byteLength} bytes)`);
      pieces.push(toBinary(bytes.subarray(at, at + len)));
      scores.push(score);
      at += len;
    }
    if (expectedVocabSize !== undefined && pieces.length !== expectedVocabSize) {
      throw new Error(`${source}: holds ${pieces.length} tokens but the model's vocabulary is ${expectedVocabSize}`);
    }
    if (pieces.length < BYTE_OFFSET + 256) throw new Error(`${source}: only ${pieces.length} tokens; expected <unk>, <s>, </s> and 256 byte pieces at least`);
    return new SentencePieceTokenizer(pieces, Float32Array.from(scores), maxTokenLength, source);
  }

  get vocabSize(): number { return this.pieces.length; }

  /** A piece's raw bytes as stored (spaces are real spaces; byte tokens are the text '<0xNN>'). */
  pieceBytes(id: number): Uint8Array { return fromBinary(this.piece(id)); }

  score(id: number): number { return this.scores[id]; }

  mergeOf(a: number, b: number): number {
    const key = a * this.pieces.length + b;
    let merged = this.pairCache.get(key);
    if (merged === undefined) {
      merged = this.idOf.get(this.pieces[a] + this.pieces[b]) ?? -1;
      this.pairCache.set(key, merged);
    }
    return merged;
  }

  /** Text to ids without BOS: dummy-prefix space, code points (or their bytes + 3), then merges. */
  encode(text: string): number[] {
    if (text === '') return [];
    const withPrefix = ' ' + text;
    if (!this.segmentable) return mergePairs(this.symbols(withPrefix), this);
    const out: number[] = [];
    // Each segment is a space followed by everything up to the next space.
    for (let start = 0; start < withPrefix.length;) {
      let end = withPrefix.indexOf(' ', start + 1);
      if (end < 0) end = withPrefix.length;
      const segment = withPrefix.slice(start, end);
      let ids = this.segmentCache.get(segment);
      if (ids === undefined) {
        ids = mergePairs(this.symbols(segment), this);
        if (this.segmentCache.size >= SEGMENT_CACHE_LIMIT) this.segmentCache.clear();
        this.segmentCache.set(segment, ids);
      }
      for (const id of ids) out.push(id);
      start = end;
    }
    return out;
  }

  /** The pre-merge sequence: each code point as a whole piece, else its UTF-8 bytes + 3. */
  private symbols(text: string): number[] {
    const out: number[] = [];
    for (const ch of text) {
      let ids = this.charCache.get(ch);
      if (ids === undefined) {
        const bytes = utf8.encode(ch);
        const whole = this.idOf.get(toBinary(bytes));
        ids = whole !== undefined ? [whole] : Array.from(bytes, (b) => b + BYTE_OFFSET);
        this.charCache.set(ch, ids);
      }
      for (const id of ids) out.push(id);
    }
    return out;
  }

  /** Ids to text. Control tokens produce nothing; byte tokens become raw bytes (so a character
   * split over several byte tokens comes back whole); the space the dummy prefix added is removed
   * from the first piece of the text and after each BOS, as SentencePiece and llama2.c do. */
  decode(ids: readonly number[]): string {
    const bytes: number[] = [];
    let atStart = true;
    for (const id of ids) {
      this.checkId(id);
      if (this.specialIds.has(id)) {
        if (id === BOS) atStart = true;
        continue;
      }
      const byte = this.byteOf(id);
      if (byte !== undefined) bytes.push(byte);
      else {
        const p = this.pieces[id];
        for (let i = atStart && p.startsWith(' ') ? 1 : 0; i < p.length; i++) bytes.push(p.charCodeAt(i));
      }
      atStart = false;
    }
    return utf8Decoder.decode(Uint8Array.from(bytes));
  }

  /** Display form: ' the' keeps its space; <0x0A> shows as '\n'; non-ASCII bytes stay '<0xNN>'
   * (a lone byte of a multi-byte character is no character); '\n<s>\n' shows as '<s>'. */
  tokenText(id: number): string {
    this.checkId(id);
    const byte = this.byteOf(id);
    if (byte !== undefined) return byte < 0x80 ? String.fromCharCode(byte) : this.pieces[id];
    const text = utf8Decoder.decode(this.pieceBytes(id));
    return this.specialIds.has(id) ? text.trim() : text;
  }

  private piece(id: number): string {
    this.checkId(id);
    return this.pieces[id];
  }

  private byteOf(id: number): number | undefined {
    if (id < BYTE_OFFSET || id >= BYTE_OFFSET + 256) return undefined;
    const m = BYTE_PIECE.exec(this.pieces[id]);
    return m ? parseInt(m[1], 16) : undefined;
  }

  private checkId(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.pieces.length) {
      throw new Error(`token id ${id} is outside the vocabulary (0..${this.pieces.length - 1})`);
    }
  }
}
