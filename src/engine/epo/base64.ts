/**
 * Typed arrays ↔ base64 for checkpoints and run files. Bytes are little-endian (what every platform
 * Node runs on uses); the decoders check the byte count so a truncated field is named, not misread.
 */
type Ctor<T> = { new (buf: ArrayBuffer): T; BYTES_PER_ELEMENT: number; name: string };

export function toBase64(a: Int32Array | Float64Array | Float32Array | Uint8Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

function fromBase64<T>(ctor: Ctor<T>, b64: unknown, count: number, what: string): T {
  if (typeof b64 !== 'string') throw new Error(`${what} must be a base64 string, got ${typeof b64}`);
  const bytes = Buffer.from(b64, 'base64');
  const want = count * ctor.BYTES_PER_ELEMENT;
  if (bytes.length !== want) {
    throw new Error(`${what} holds ${bytes.length} bytes, expected ${want} (${count} × ${ctor.BYTES_PER_ELEMENT}-byte ${ctor.name} values)`);
  }
  const copy = new ArrayBuffer(want); // aligned, and owned by the array
  new Uint8Array(copy).set(bytes);
  return new ctor(copy);
}

export const int32FromBase64 = (b64: unknown, count: number, what: string) => fromBase64(Int32Array, b64, count, what);
export const float64FromBase64 = (b64: unknown, count: number, what: string) => fromBase64(Float64Array, b64, count, what);
