/**
 * Vectors named in feature files: `.npy` (float16/32/64, little-endian, C order), `.json` (an
 * array of numbers) and `file.safetensors#tensor`. Each must be one-dimensional (or a single row
 * or column); errors name the file and what is wrong with it.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { readSafetensorsFile, readSafetensorsHeader, toFloat32 } from '../models/safetensors';

const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Splits `file.safetensors#tensor` into the file and the tensor name. */
export function splitTensorRef(ref: string): { file: string; tensor?: string } {
  const hash = ref.lastIndexOf('#');
  if (hash > 0 && ref.slice(0, hash).endsWith('.safetensors')) return { file: ref.slice(0, hash), tensor: ref.slice(hash + 1) || undefined };
  return { file: ref };
}

function asVector(shape: readonly number[], what: string): number {
  const big = shape.filter((d) => d !== 1);
  if (shape.length === 0 || big.length > 1) throw new Error(`${what} has shape [${shape.join(', ')}]; a vector must be one-dimensional (or a single row)`);
  return shape.reduce((a, b) => a * b, 1);
}

/** A .npy array of little-endian floats (C order), widened to float32, with its shape. */
export function parseNpyArray(bytes: Uint8Array, what: string): { shape: number[]; data: Float32Array } {
  if (bytes.length < 10 || NPY_MAGIC.some((b, i) => bytes[i] !== b)) throw new Error(`${what} is not a .npy file (no \\x93NUMPY magic)`);
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number, start: number;
  if (major === 1) [headerLen, start] = [view.getUint16(8, true), 10];
  else if (major === 2 || major === 3) [headerLen, start] = [view.getUint32(8, true), 12];
  else throw new Error(`${what}: unsupported .npy format version ${major}`);
  if (start + headerLen > bytes.length) throw new Error(`${what}: the .npy header runs past the end of the file (truncated?)`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw new Error(`${what}: cannot read the .npy header ${JSON.stringify(header.trim())}`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new Error(`${what}: bad shape (${shapeText}) in the .npy header`);
  // Order only matters with two or more axes longer than 1.
  if (fortran === 'True' && shape.filter((d) => d > 1).length > 1) throw new Error(`${what} is stored in Fortran order; save it in C order (np.ascontiguousarray)`);
  const n = shape.reduce((a, b) => a * b, 1);
  const dtype = ({ '<f4': 'F32', '<f8': 'F64', '<f2': 'F16' } as Record<string, string>)[descr];
  if (!dtype) {
    throw new Error(`${what} has dtype '${descr}'; only little-endian float16, float32 or float64 ('<f2', '<f4', '<f8') are read`);
  }
  const size = dtype === 'F64' ? 8 : dtype === 'F32' ? 4 : 2;
  const data = bytes.subarray(start + headerLen);
  if (data.length !== n * size) throw new Error(`${what}: shape (${shapeText}) needs ${n * size} bytes of data, the file has ${data.length}`);
  if (dtype !== 'F64') return { shape, data: Float32Array.from(toFloat32(data.slice(), dtype, what)) };
  const out = new Float32Array(n);
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let i = 0; i < n; i++) out[i] = dv.getFloat64(8 * i, true);
  return { shape, data: out };
}

export function parseNpy(bytes: Uint8Array, what: string): Float32Array {
  const { shape, data } = parseNpyArray(bytes, what);
  asVector(shape, what);
  return data;
}

function parseJsonVector(text: string, what: string): Float32Array {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${what} is not valid JSON (${(e as Error).message})`);
  }
  if (Array.isArray(raw) && raw.length === 1 && Array.isArray(raw[0])) raw = raw[0];
  if (!Array.isArray(raw)) throw new Error(`${what} must hold a JSON array of numbers`);
  const bad = raw.findIndex((x) => typeof x !== 'number' || !Number.isFinite(x));
  if (bad >= 0) throw new Error(`${what}: entry ${bad} is ${JSON.stringify(raw[bad])}, not a finite number`);
  return Float32Array.from(raw as number[]);
}

async function readSafetensorsVector(file: string, tensor: string | undefined, what: string): Promise<Float32Array> {
  const header = await readSafetensorsHeader(file);
  const names = [...header.entries.keys()];
  const name = tensor ?? (names.length === 1 ? names[0] : undefined);
  if (!name) throw new Error(`${what} holds ${names.length} tensors (${names.join(', ')}); name one as file.safetensors#tensor`);
  if (!header.entries.has(name)) throw new Error(`${what} has no tensor '${name}' (it has ${names.join(', ') || 'none'})`);
  asVector(header.entries.get(name)!.shape, `${what}#${name}`);
  const { weights } = await readSafetensorsFile(file, { include: (n) => n === name });
  return Float32Array.from(weights.get(name)!.data);
}

/** Reads a vector file; `path` is absolute, `ref` is how the feature file named it (for messages). */
export async function readVector(path: string, tensor: string | undefined, ref: string): Promise<Float32Array> {
  const what = `vector '${ref}'`;
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new Error(`${what}: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const ext = extname(path).toLowerCase();
  if (ext === '.npy') return parseNpy(bytes, what);
  if (ext === '.json') return parseJsonVector(new TextDecoder().decode(bytes), what);
  if (ext === '.safetensors') return readSafetensorsVector(path, tensor, what);
  throw new Error(`${what}: unsupported file type '${ext || path}'; use .npy, .json or file.safetensors#tensor`);
}
