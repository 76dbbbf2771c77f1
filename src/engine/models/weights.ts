/**
 * Model weights as loaded from any format: fp32 tensors by name. fp16/bf16 files are widened
 * to fp32 on load (the engine's graphs compute in fp32).
 */
export interface WeightTensor {
  shape: number[];
  data: Float32Array;
}

export type WeightMap = Map<string, WeightTensor>;

/** Bytes of the weights as held (fp32): what external data and load announcements are sized by. */
export function weightBytes(weights: WeightMap): number {
  let bytes = 0;
  for (const w of weights.values()) bytes += w.data.byteLength;
  return bytes;
}
