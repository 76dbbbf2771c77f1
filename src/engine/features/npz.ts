/**
 * NumPy `.npz` archives (what `np.savez` / `np.savez_compressed` write, e.g. Gemma Scope's
 * `params.npz`): a zip of `.npy` members, stored or deflated, with ZIP64 records where numpy puts
 * them. Read whole (an SAE's parameters), each member parsed as a float array with its shape.
 */
import { readFile } from 'node:fs/promises';
import { inflateRawSync } from 'node:zlib';
import { parseNpyArray } from './vectors';

const EOCD = 0x06054b50, EOCD64 = 0x06064b50, EOCD64_LOCATOR = 0x07064b50, CENTRAL = 0x02014b50, LOCAL = 0x04034b50;

export async function readNpz(path: string): Promise<Map<string, { shape: number[]; data: Float32Array }>> {
  return parseNpz(await readFile(path), path);
}

export function parseNpz(buf: Uint8Array, what: string): Map<string, { shape: number[]; data: Float32Array }> {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const bad = (why: string): never => { throw new Error(`${what}: not a readable .npz (${why})`); };
  // The end-of-central-directory record is within the last 64 KiB + 22 bytes.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) if (v.getUint32(i, true) === EOCD) { eocd = i; break; }
  if (eocd < 0) bad('no zip end record');
  let count = v.getUint16(eocd + 10, true);
  let dirOffset = v.getUint32(eocd + 16, true);
  if ((count === 0xffff || dirOffset === 0xffffffff) && eocd >= 20 && v.getUint32(eocd - 20, true) === EOCD64_LOCATOR) {
    const at = Number(v.getBigUint64(eocd - 12, true));
    if (at + 56 > buf.length || v.getUint32(at, true) !== EOCD64) bad('a broken ZIP64 end record');
    count = Number(v.getBigUint64(at + 32, true));
    dirOffset = Number(v.getBigUint64(at + 48, true));
  }
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  let p = dirOffset;
  for (let e = 0; e < count; e++) {
    if (p + 46 > buf.length || v.getUint32(p, true) !== CENTRAL) bad(`central directory entry ${e} is missing`);
    const method = v.getUint16(p + 10, true);
    let compressed = v.getUint32(p + 20, true), size = v.getUint32(p + 24, true), local = v.getUint32(p + 42, true);
    const nameLen = v.getUint16(p + 28, true), extraLen = v.getUint16(p + 30, true), commentLen = v.getUint16(p + 32, true);
    const name = new TextDecoder().decode(buf.subarray(p + 46, p + 46 + nameLen));
    // ZIP64 extra field: the 64-bit values of whichever 32-bit fields are 0xffffffff, in this order.
    for (let x = p + 46 + nameLen; x + 4 <= p + 46 + nameLen + extraLen;) {
      const id = v.getUint16(x, true), len = v.getUint16(x + 2, true);
      if (id === 0x0001) {
        let f = x + 4;
        if (size === 0xffffffff) { size = Number(v.getBigUint64(f, true)); f += 8; }
        if (compressed === 0xffffffff) { compressed = Number(v.getBigUint64(f, true)); f += 8; }
        if (local === 0xffffffff) local = Number(v.getBigUint64(f, true));
      }
      x += 4 + len;
    }
    p += 46 + nameLen + extraLen + commentLen;
    if (local + 30 > buf.length || v.getUint32(local, true) !== LOCAL) bad(`the entry '${name}' has no local header`);
    const start = local + 30 + v.getUint16(local + 26, true) + v.getUint16(local + 28, true);
    if (start + compressed > buf.length) bad(`the entry '${name}' runs past the end (truncated?)`);
    const raw = buf.subarray(start, start + compressed);
    let bytes: Uint8Array;
    if (method === 0) bytes = raw;
    else if (method === 8) bytes = inflateRawSync(raw);
    else return bad(`the entry '${name}' uses compression method ${method}; np.savez and np.savez_compressed use 0 and 8`);
    if (bytes.length !== size) bad(`the entry '${name}' is ${bytes.length} bytes, its header says ${size}`);
    if (!name.endsWith('.npy')) continue;
    out.set(name.slice(0, -4), parseNpyArray(bytes, `${what}: ${name}`));
  }
  return out;
}
