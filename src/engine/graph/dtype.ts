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
    case 'float16': throw new Error('float16 constants must be given as raw Uint16Array data');
  }
}

export function dtypeOfArray(a: TypedArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof BigInt64Array) return 'int64';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Uint16Array) return 'float16';
  return 'bool';
}
