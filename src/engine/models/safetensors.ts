/**
 * safetensors reader: an 8-byte little-endian header length, a JSON header describing every tensor
 * (dtype, shape, byte range within the data section), then the raw little-endian data.
 * The whole header is validated before any tensor byte is read, so a truncated or hand-edited file
 * fails with a message naming the file and tensor instead of yielding garbage weights.
 *
 * Long because: header validation, eager and lazy tensor reads, sharded folders and tied aliases
 * all read the same header, kept together.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { totalmem } from 'node:os';
import { LARGE_WEIGHTS_FROM, lazyWeight, type WeightMap, type WeightTensor } from './weights';

/** Bytes per element of every dtype the safetensors format defines (validation needs all of them). */
const DTYPE_BYTES: Record<string, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8,
};
/** The dtypes the engine can widen to fp32. */
export const LOADABLE_DTYPES = ['F32', 'F16', 'BF16'] as const;

/** Same cap as the reference Rust implementation: a larger header is corruption, not a model. */
const MAX_HEADER_BYTES = 100_000_000;

export interface SafetensorsEntry {
  name: string;
  dtype: string;
  shape: number[];
  /** Byte range relative to the start of the data section. */
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  entries: Map<string, SafetensorsEntry>;
  metadata: Record<string, string>;
  /** Absolute file offset of the data section (8 + header length). */
  dataStart: number;
}

function isNonNegativeInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/**
 * Validates the JSON header against the file size. `jsonBytes` is the header JSON only;
 * `fileSize` is the full file length.
 */
export function parseSafetensorsHeader(jsonBytes: Uint8Array, fileSize: number, source: string): SafetensorsHeader {
  const dataStart = 8 + jsonBytes.byteLength;
  const dataSize = fileSize - dataStart;
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(jsonBytes));
  } catch (e) {
    throw new Error(`${source}: the safetensors header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new Error(`${source}: the safetensors header must be a JSON object`);
  }
  const metadata: Record<string, string> = {};
  const entries = new Map<string, SafetensorsEntry>();
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof value !== 'object' || value === null) throw new Error(`${source}: __metadata__ must be an object of strings`);
      for (const [k, v] of Object.entries(value)) {
        if (typeof v !== 'string') throw new Error(`${source}: __metadata__ value for '${k}' must be a string, got ${JSON.stringify(v)}`);
        metadata[k] = v;
      }
      continue;
    }
    entries.set(name, parseEntry(name, value, dataSize, source));
  }
  // Overlapping ranges would mean two tensors alias the same bytes: a corrupt or malicious file.
  const sorted = [...entries.values()].sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1], cur = sorted[i];
    if (cur.begin < prev.end) {
      throw new Error(`${source}: tensors '${prev.name}' [${prev.begin}, ${prev.end}) and '${cur.name}' [${cur.begin}, ${cur.end}) overlap`);
    }
  }
  return { entries, metadata, dataStart };
}

function parseEntry(name: string, value: unknown, dataSize: number, source: string): SafetensorsEntry {
  const where = `${source}: tensor '${name}'`;
  if (typeof value !== 'object' || value === null) throw new Error(`${where}: header entry must be an object`);
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) {
    throw new Error(`${where}: unknown dtype ${JSON.stringify(dtype)} (safetensors dtypes: ${Object.keys(DTYPE_BYTES).join(', ')})`);
  }
  if (!Array.isArray(shape) || !shape.every(isNonNegativeInt)) {
    throw new Error(`${where}: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegativeInt)) {
    throw new Error(`${where}: data_offsets must be [begin, end], got ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end || end > dataSize) {
    throw new Error(`${where}: data_offsets [${begin}, ${end}] fall outside the data section of ${dataSize} bytes (truncated file?)`);
  }
  const elements = (shape as number[]).reduce((a, b) => a * b, 1);
  const expected = elements * DTYPE_BYTES[dtype];
  if (expected !== end - begin) {
    throw new Error(`${where}: ${dtype} ${JSON.stringify(shape)} needs ${expected} bytes but data_offsets span ${end - begin}`);
  }
  return { name, dtype, shape: shape as number[], begin, end };
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** fp16 bit pattern → fp32 value for all 65,536 patterns (subnormals, ±inf and NaN payloads kept). */
const F16_TABLE: Float32Array = (() => {
  const table = new Float32Array(65536);
  const bits = new Uint32Array(table.buffer);
  for (let h = 0; h < 65536; h++) {
    const sign = (h & 0x8000) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
    if (exp === 0) table[h] = (sign ? -1 : 1) * mant * 2 ** -24; // zero and subnormals
    else if (exp === 31) bits[h] = sign | 0x7f800000 | (mant << 13); // inf / NaN
    else bits[h] = sign | ((exp + 112) << 23) | (mant << 13); // rebias 15 → 127
  }
  return table;
})();

/**
 * Raw little-endian tensor bytes → fp32. F32 is a zero-copy view when the bytes are 4-aligned
 * (and the machine is little-endian), else a copy; F16/BF16 are widened exactly.
 */
export function toFloat32(bytes: Uint8Array, dtype: string, what: string): Float32Array {
  const n = bytes.byteLength / (DTYPE_BYTES[dtype] ?? NaN);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case 'F32': {
      if (LITTLE_ENDIAN && bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, n);
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
      return out;
    }
    case 'F16': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = F16_TABLE[view.getUint16(2 * i, true)];
      return out;
    }
    case 'BF16': {
      // bf16 is the top half of an fp32, so widening is a shift.
      const out = new Float32Array(n);
      const outBits = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) outBits[i] = view.getUint16(2 * i, true) << 16;
      return out;
    }
    default:
      throw new Error(`${what} has dtype ${dtype}; only ${LOADABLE_DTYPES.join(', ')} tensors can be loaded as weights`);
  }
}

export interface ReadOptions {
  /** Load only the tensors this accepts (e.g. to skip a checkpoint's boolean attention-mask buffers). */
  include?: (name: string) => boolean;
  /** Refuse, before reading any tensor, weights whose fp32 form exceeds this many bytes (default: the machine's memory). */
  memoryLimit?: number;
  /**
   * Read tensors when they are used instead of now, and keep none (default: when the fp32 form is
   * at least LARGE_WEIGHTS_FROM bytes). The graphs then hold the only copy.
   */
  lazy?: boolean;
}

const GiB = 2 ** 30;

/**
 * What a dream on CPU needs, as a multiple of the fp32 weights: peak PSS (each physical page once)
 * measured by `npm run bench:large-model` on a Pythia-1.4B layout (docs/performance.md).
 */
export const DREAM_MEMORY_FACTOR = 1.5;

/**
 * The graphs compute in fp32: refuse a checkpoint whose dream cannot fit in memory before reading
 * gigabytes of it, saying how much it needs.
 */
function checkFits(headers: { path: string; header: SafetensorsHeader }[], opts: ReadOptions, where: string): number {
  let elements = 0;
  for (const { header } of headers) {
    for (const e of header.entries.values()) if (!opts.include || opts.include(e.name)) elements += e.shape.reduce((a, b) => a * b, 1);
  }
  const fp32 = 4 * elements;
  const limit = opts.memoryLimit ?? totalmem();
  if (DREAM_MEMORY_FACTOR * fp32 > limit) {
    const size = (b: number) => (b >= GiB ? `${(b / GiB).toFixed(1)} GiB` : `${(b / 2 ** 20).toFixed(1)} MiB`);
    const params = elements >= 1e9 ? `${(elements / 1e9).toFixed(2)} B` : `${(elements / 1e6).toFixed(1)} M`;
    throw new Error(`${where}: its ${params} parameters need ${size(fp32)} as fp32 weights ` +
      `(a dream peaks at about ${size(DREAM_MEMORY_FACTOR * fp32)}), more than this machine's ${size(limit)} of memory`);
  }
  return fp32;
}

/** Largest single read (fs reads are limited to 2 GiB). */
const READ_CHUNK = 1 << 30;

async function readExactly(fd: import('node:fs/promises').FileHandle, into: Uint8Array, position: number, path: string): Promise<void> {
  for (let done = 0; done < into.byteLength;) {
    const len = Math.min(READ_CHUNK, into.byteLength - done);
    const { bytesRead } = await fd.read(into, done, len, position + done);
    if (bytesRead === 0) throw new Error(`${path}: unexpected end of file at byte ${position + done}`);
    done += bytesRead;
  }
}

/**
 * One tensor's bytes, read synchronously (graph building is synchronous) into a fresh, aligned
 * buffer. The file was validated when the model loaded; a file changed since is reported, not trusted.
 */
function readRangeSync(path: string, position: number, length: number): Uint8Array {
  const into = new Uint8Array(length);
  const fd = openSync(path, 'r');
  try {
    for (let done = 0; done < length;) {
      const n = readSync(fd, into, done, Math.min(READ_CHUNK, length - done), position + done);
      if (n === 0) throw new Error(`${path}: the file is shorter than when the model was loaded (changed on disk?)`);
      done += n;
    }
  } finally {
    closeSync(fd);
  }
  return into;
}

/** Reads and validates only the header of a .safetensors file. */
export async function readSafetensorsHeader(path: string): Promise<SafetensorsHeader> {
  const fd = await open(path, 'r');
  try {
    return await readHeaderFrom(fd, path);
  } finally {
    await fd.close();
  }
}

async function readHeaderFrom(fd: import('node:fs/promises').FileHandle, path: string): Promise<SafetensorsHeader> {
  const { size } = await fd.stat();
  if (size < 8) throw new Error(`${path}: ${size} bytes is too short for a safetensors file (the length prefix alone is 8)`);
  const prefix = new Uint8Array(8);
  await readExactly(fd, prefix, 0, path);
  const headerLen = new DataView(prefix.buffer).getBigUint64(0, true);
  if (headerLen > BigInt(Math.min(size - 8, MAX_HEADER_BYTES))) {
    throw new Error(`${path}: header length ${headerLen} exceeds the file (${size} bytes) — not a safetensors file, or truncated`);
  }
  const json = new Uint8Array(Number(headerLen));
  await readExactly(fd, json, 8, path);
  return parseSafetensorsHeader(json, size, path);
}

/** Reads one .safetensors file into fp32 weights (after validating the whole header). */
export async function readSafetensorsFile(path: string, opts: ReadOptions = {}): Promise<{ weights: WeightMap; metadata: Record<string, string> }> {
  const fd = await open(path, 'r');
  try {
    const header = await readHeaderFrom(fd, path);
    const wanted = wantedTensors(header, opts);
    for (const e of header.entries.values()) {
      if (wanted(e.name) && !(LOADABLE_DTYPES as readonly string[]).includes(e.dtype)) {
        throw new Error(`${path}: tensor '${e.name}' has dtype ${e.dtype}; only ${LOADABLE_DTYPES.join(', ')} tensors can be loaded as weights`);
      }
    }
    const weights: WeightMap = new Map();
    for (const e of header.entries.values()) {
      if (!wanted(e.name)) continue;
      const what = `${path}: tensor '${e.name}'`;
      if (opts.lazy) {
        weights.set(e.name, lazyWeight(e.shape, () => toFloat32(readRangeSync(path, header.dataStart + e.begin, e.end - e.begin), e.dtype, what)));
        continue;
      }
      // A fresh buffer per tensor: always aligned, so F32 needs no second copy.
      const bytes = new Uint8Array(e.end - e.begin);
      await readExactly(fd, bytes, header.dataStart + e.begin, path);
      weights.set(e.name, { shape: e.shape, data: toFloat32(bytes, e.dtype, what) });
    }
    return { weights, metadata: header.metadata };
  } finally {
    await fd.close();
  }
}

/** The include filter, widened so a stored tensor is read when only its tied alias is wanted. */
function wantedTensors(header: SafetensorsHeader, opts: ReadOptions): (name: string) => boolean {
  const include = opts.include;
  if (!include) return () => true;
  const viaAlias = new Set(Object.entries(header.metadata).filter(([alias]) => include(alias)).map(([, target]) => target));
  return (name) => include(name) || viaAlias.has(name);
}

const SINGLE_FILE = 'model.safetensors';
const INDEX_FILE = 'model.safetensors.index.json';

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/** Shard file → tensors it must hold, from `model.safetensors.index.json`. */
async function readIndex(indexPath: string): Promise<{ shards: Map<string, string[]>; metadata: Record<string, string> }> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(indexPath, 'utf8'));
  } catch (e) {
    throw new Error(`${indexPath}: cannot parse the shard index (${(e as Error).message})`);
  }
  const weightMap = (raw as { weight_map?: unknown })?.weight_map;
  if (typeof weightMap !== 'object' || weightMap === null) throw new Error(`${indexPath}: missing "weight_map" (tensor → shard file)`);
  const shards = new Map<string, string[]>();
  for (const [tensor, file] of Object.entries(weightMap)) {
    if (typeof file !== 'string' || file.includes('..')) throw new Error(`${indexPath}: tensor '${tensor}' maps to an invalid shard ${JSON.stringify(file)}`);
    shards.set(file, [...(shards.get(file) ?? []), tensor]);
  }
  const metadata: Record<string, string> = {};
  const rawMeta = (raw as { metadata?: unknown }).metadata;
  if (typeof rawMeta === 'object' && rawMeta !== null) {
    for (const [k, v] of Object.entries(rawMeta)) metadata[k] = String(v);
  }
  return { shards, metadata };
}

/**
 * Loads `model.safetensors` or the shards listed in `model.safetensors.index.json`, and resolves
 * tied aliases recorded in `__metadata__` (e.g. `"model.embed_tokens.weight": "lm_head.weight"`:
 * only the second is stored; both names then share one tensor).
 */
export async function loadSafetensorsFolder(dir: string, opts: ReadOptions = {}): Promise<{ weights: WeightMap; metadata: Record<string, string> }> {
  const single = join(dir, SINGLE_FILE), index = join(dir, INDEX_FILE);
  let weights: WeightMap, metadata: Record<string, string>;
  if (await exists(single)) {
    const fp32 = checkFits([{ path: single, header: await readSafetensorsHeader(single) }], opts, single);
    ({ weights, metadata } = await readSafetensorsFile(single, { ...opts, lazy: opts.lazy ?? fp32 >= LARGE_WEIGHTS_FROM }));
  } else if (await exists(index)) {
    ({ weights, metadata } = await loadShards(index, opts));
  } else {
    throw new Error(`${dir}: no ${SINGLE_FILE} or ${INDEX_FILE} (only safetensors checkpoints are supported, not pytorch_model.bin)`);
  }
  resolveTiedAliases(weights, metadata, opts);
  return { weights, metadata };
}

async function loadShards(indexPath: string, opts: ReadOptions): Promise<{ weights: WeightMap; metadata: Record<string, string> }> {
  const { shards, metadata } = await readIndex(indexPath);
  const weights: WeightMap = new Map();
  for (const [file, tensors] of shards) {
    if (!(await exists(join(dirname(indexPath), file)))) {
      throw new Error(`${indexPath}: shard ${file} (holding '${tensors[0]}' and ${tensors.length - 1} more) is missing`);
    }
  }
  const headers = await Promise.all([...shards.keys()].map(async (file) => ({ path: file, header: await readSafetensorsHeader(join(dirname(indexPath), file)) })));
  const fp32 = checkFits(headers, opts, indexPath);
  const lazy = opts.lazy ?? fp32 >= LARGE_WEIGHTS_FROM;
  for (const [file, tensors] of shards) {
    const shardPath = join(dirname(indexPath), file);
    const header = await readSafetensorsHeader(shardPath);
    const wanted = new Set(tensors.filter(wantedTensors(header, opts)));
    for (const t of wanted) {
      if (!header.entries.has(t)) throw new Error(`${shardPath}: the index ${indexPath} says this shard holds tensor '${t}', but it does not`);
    }
    const shard = await readSafetensorsFile(shardPath, { include: (name) => wanted.has(name), lazy });
    for (const [name, w] of shard.weights) weights.set(name, w);
    Object.assign(metadata, shard.metadata);
  }
  return { weights, metadata };
}

function resolveTiedAliases(weights: WeightMap, metadata: Record<string, string>, opts: ReadOptions): void {
  for (const [alias, target] of Object.entries(metadata)) {
    if (weights.has(alias) || (opts.include && !opts.include(alias)) || alias === target) continue;
    const tensor: WeightTensor | undefined = weights.get(target);
    if (!tensor) continue;
    weights.set(alias, tensor);
    if (opts.include && !opts.include(target)) weights.delete(target);
  }
}
