/**
 * Hugging Face `tokenizer.json` tokenizers (GPT-2 / NeoX byte-level BPE, SentencePiece-style BPE as
 * in Llama repos), through @huggingface/transformers. The library is constructed directly from the
 * JSON files read here, so it never touches the network or its own cache.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import type { Tokenizer } from './tokenizer';

type JsonObject = Record<string, unknown>;

/**
 * The library is ESM-only in spirit and heavy; load it on first use. A real dynamic `import()`
 * (not a `require` that a CJS bundler might substitute) resolves the package's ESM entry point.
 */
type TransformersModule = typeof import('@huggingface/transformers');
let transformers: Promise<TransformersModule> | undefined;
function loadTransformers(): Promise<TransformersModule> {
  transformers ??= import('@huggingface/transformers');
  return transformers;
}

async function readJson(path: string, required: boolean): Promise<JsonObject | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (!required && (e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(`${path} does not exist: Hugging Face models need a tokenizer.json (the tokenizers-library format; a SentencePiece tokenizer.model alone is not supported)`);
    }
    throw new Error(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    const raw: unknown = JSON.parse(text);
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('not a JSON object');
    return raw as JsonObject;
  } catch (e) {
    throw new Error(`${path}: invalid JSON (${(e as Error).message})`);
  }
}

/**
 * `special_tokens_map.json` and older configs store tokens as `{content, ...}` objects, which the
 * library only accepts with a `__type` tag; plain strings are what it wants.
 */
function tokenStrings(obj: JsonObject | undefined): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(obj ?? {})) {
    const content = typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as JsonObject).content : undefined;
    out[k] = k.endsWith('_token') && typeof content === 'string' ? content : v;
  }
  return out;
}

/** Whether a tokenizer.json component (possibly a Sequence of them) includes a step of this type. */
function hasStep(node: unknown, type: string): boolean {
  if (typeof node !== 'object' || node === null) return false;
  const n = node as JsonObject;
  if (n.type === type) return true;
  return ['decoders', 'pretokenizers', 'normalizers'].some((k) => Array.isArray(n[k]) && (n[k] as unknown[]).some((c) => hasStep(c, type)));
}

/** GPT-2's byte ↔ printable-character table: printable Latin-1 bytes map to themselves, the rest to U+0100+. */
const BYTE_OF_CHAR: Map<string, number> = (() => {
  const map = new Map<string, number>();
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    map.set(String.fromCharCode(printable ? b : 256 + extra++), b);
  }
  return map;
})();

function showBytes(bytes: number[]): string {
  try {
    // ignoreBOM: a token that is U+FEFF must show it, not have it stripped as a byte-order mark.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(new Uint8Array(bytes));
  } catch {
    // Part of a multi-byte character: show the raw bytes the way SentencePiece names them.
    return bytes.map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`)).join('');
  }
}

export class HfTokenizer implements Tokenizer {
  readonly kind: string;
  readonly vocabSize: number;
  readonly bosId?: number;
  readonly eosId?: number;
  readonly specialIds: ReadonlySet<number>;
  readonly addsBos: boolean;
  private readonly pieces: (string | undefined)[];
  private readonly addedIds: ReadonlySet<number>;
  private readonly byteLevel: boolean;
  private readonly display: (string | undefined)[] = [];

  private constructor(private readonly tok: PreTrainedTokenizer, tokenizerJson: JsonObject, addBosToken: unknown) {
    const model = (tokenizerJson.model ?? {}) as JsonObject;
    this.kind = `tokenizer.json (${typeof model.type === 'string' ? model.type : 'merges' in model ? 'BPE' : 'unknown model'})`;
    this.byteLevel = hasStep(tokenizerJson.decoder, 'ByteLevel') || hasStep(tokenizerJson.pre_tokenizer, 'ByteLevel');

    const vocab = tok.get_vocab();
    this.pieces = [];
    for (const [piece, id] of vocab) this.pieces[id] = piece;
    const added = Array.isArray(tokenizerJson.added_tokens) ? (tokenizerJson.added_tokens as JsonObject[]) : [];
    this.addedIds = new Set(added.map((t) => t.id).filter((id): id is number => typeof id === 'number'));
    for (const t of added) if (typeof t.id === 'number' && typeof t.content === 'string') this.pieces[t.id] = t.content;
    this.vocabSize = this.pieces.length;

    const id = (v: number | undefined | null) => (typeof v === 'number' && v >= 0 ? v : undefined);
    this.bosId = id(tok.bos_token_id);
    this.eosId = id(tok.eos_token_id);
    const special = new Set(tok.all_special_ids);
    for (const v of [this.bosId, this.eosId, id(tok.unk_token_id), id(tok.pad_token_id)]) if (v !== undefined) special.add(v);
    this.specialIds = special;

    // add_bos_token when the config says; otherwise whatever the post-processor template does.
    if (typeof addBosToken === 'boolean') {
      this.addsBos = addBosToken;
    } else {
      const withSpecial = tok.encode('a'), without = tok.encode('a', { add_special_tokens: false });
      this.addsBos = withSpecial.length > without.length && withSpecial[0] === this.bosId;
    }
  }

  /** Loads `tokenizer.json` (+ `tokenizer_config.json`, `special_tokens_map.json` when present) from a folder. */
  static async load(dir: string): Promise<HfTokenizer> {
    const tokenizerJson = (await readJson(join(dir, 'tokenizer.json'), true))!;
    const config = tokenStrings(await readJson(join(dir, 'tokenizer_config.json'), false));
    const specialMap = tokenStrings(await readJson(join(dir, 'special_tokens_map.json'), false));
    const merged: JsonObject = { ...specialMap, ...config };
    for (const [k, v] of Object.entries(specialMap)) if (merged[k] === null || merged[k] === undefined) merged[k] = v;

    const lib = await loadTransformers();
    // What AutoTokenizer does, minus its file loading: pick the class named by tokenizer_class.
    const className = typeof merged.tokenizer_class === 'string' ? merged.tokenizer_class.replace(/Fast$/, '') : '';
    const candidate = (lib as unknown as Record<string, unknown>)[className];
    const Cls = typeof candidate === 'function' && candidate.prototype instanceof lib.PreTrainedTokenizer
      ? (candidate as typeof lib.PreTrainedTokenizer)
      : lib.PreTrainedTokenizer;
    let tok: PreTrainedTokenizer;
    try {
      tok = new Cls(tokenizerJson, merged);
    } catch (e) {
      throw new Error(`${join(dir, 'tokenizer.json')}: cannot build the tokenizer (${(e as Error).message})`);
    }
    return new HfTokenizer(tok, tokenizerJson, merged.add_bos_token);
  }

  encode(text: string): number[] {
    return this.tok.encode(text, { add_special_tokens: false });
  }

  decode(ids: readonly number[]): string {
    if (ids.length === 0) return '';
    // No clean-up: GPT-2's config asks to remove spaces before punctuation, which breaks round trips.
    return this.tok.decode([...ids], { skip_special_tokens: false, clean_up_tokenization_spaces: false });
  }

  tokenText(id: number): string {
    const cached = this.display[id];
    if (cached !== undefined) return cached;
    const piece = Number.isInteger(id) ? this.pieces[id] : undefined;
    if (piece === undefined) throw new RangeError(`token id ${id} is not in the tokenizer's vocabulary (0..${this.vocabSize - 1})`);
    let text: string;
    if (this.addedIds.has(id)) text = piece;
    else if (this.byteLevel) text = showBytes([...piece].map((c) => BYTE_OF_CHAR.get(c) ?? 0x3f));
    else {
      const byte = /^<0x([0-9A-Fa-f]{2})>$/.exec(piece);
      text = byte && parseInt(byte[1], 16) < 0x80 ? String.fromCharCode(parseInt(byte[1], 16)) : piece.replace(/\u2581/g, ' ');
    }
    this.display[id] = text;
    return text;
  }
}

/** Convenience: `HfTokenizer.load`. */
export function loadHfTokenizer(dir: string): Promise<HfTokenizer> {
  return HfTokenizer.load(dir);
}
