/**
 * Writers for the tensor files feature workspaces hold: .npy vectors and safetensors files
 * (SAE weights, vector collections). Little-endian float32, C order.
 */

export interface NamedTensor {
  shape: number[];
  data: Float32Array;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function f32Bytes(data: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  const out = new Uint8Array(data.length * 4);
  const dv = new DataView(out.buffer);
  data.forEach((v, i) => dv.setFloat32(4 * i, v, true));
  return out;
}

/** A safetensors file: 8-byte header length, JSON header (padded to 8 bytes), F32 data. */
export function encodeSafetensors(tensors: Record<string, NamedTensor>, metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  const blobs: Uint8Array[] = [];
  for (const [name, t] of Object.entries(tensors)) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) throw new Error(`tensor '${name}': shape [${t.shape.join(', ')}] needs ${n} values, got ${t.data.length}`);
    const bytes = f32Bytes(t.data);
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    blobs.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8); // the format recommends 8-byte alignment of the data
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const b of blobs) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

/** A version-1 .npy file of a float32 (`<f4`) or float64 (`<f8`) array. */
export function encodeNpy(values: ArrayLike<number>, shape: number[] = [values.length], dtype: 'float32' | 'float64' = 'float32'): Uint8Array {
  const descr = dtype === 'float32' ? '<f4' : '<f8';
  const size = dtype === 'float32' ? 4 : 8;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Magic (6) + version (2) + length (2) + header + newline is a multiple of 64, as numpy writes it.
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + values.length * size);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  const dv = new DataView(out.buffer);
  dv.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const start = 10 + header.length;
  for (let i = 0; i < values.length; i++) {
    if (dtype === 'float32') dv.setFloat32(start + 4 * i, values[i], true);
    else dv.setFloat64(start + 8 * i, values[i], true);
  }
  return out;
}
