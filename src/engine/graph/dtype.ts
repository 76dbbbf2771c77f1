/** Element types the engine traces, with their ONNX TensorProto codes and typed arrays. */
export type DType = 'float32' | 'float64' | 'int64' | 'int32' | 'bool' | 'float16';

export const ONNX_DTYPE: Record<DType, number> = {
  float32: 1, int32: 6, int64: 7, bool: 9, float16: 10, float64: 11,
};

export type TypedArray = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array | Uint16Array;

export const BYTES_PER_ELEMENT: Record<DType, number> = {
  float32: 4, float64: 8, int64: 8, int32: 4, bool: 1, float16: 2,
};

export function isFloat(d: DType): boolean {
  return d === 'float32' || d === 'float64' || d === 'float16';
}

/** Builds a typed array of the given dtype from plain numbers. */
export function typedArrayOf(dtype: DType, values: ArrayLike<number> | number[]): TypedArray {
  switch (dtype) {
    case 'float32': return Float32Array.from(values);
    case 'float64': return Float64Array.from(values);
    case 'int32': return Int32Array.from(values);
    case 'int64': return BigInt64Array.from(Array.from(values, (v) => BigInt(Math.trunc(v))));
    case 'bool': return Uint8Array.from(values, (v) => (v ? 1 : 0));
    case 'float16': return toHalf(values);
  }
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE binary16 bits of one number, rounded to nearest even (overflow → ±∞, NaN kept). */
export function halfBits(v: number): number {
  f32[0] = v; // through binary32 first; a double rounding on exact ties only
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const e = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (e === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const exp = e - 127 + 15;
  if (exp >= 0x1f) return sign | 0x7c00;
  if (exp <= 0) {
    if (exp < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - exp;
    const half = 1 << (shift - 1);
    const rest = mant & (2 * half - 1);
    let r = mant >>> shift;
    if (rest > half || (rest === half && (r & 1))) r++;
    return sign | r;
  }
  let r = (exp << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (r & 1))) r++; // a carry into the exponent is right, up to ∞
  return sign | r;
}

/** Numbers as IEEE binary16 bit patterns (ONNX float16 raw data). */
export function toHalf(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = halfBits(values[i]);
  return out;
}

export function dtypeOfArray(a: TypedArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof BigInt64Array) return 'int64';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Uint16Array) return 'float16';
  return 'bool';
}
