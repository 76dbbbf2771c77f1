/**
 * Model weights as loaded from any format: fp32 tensors by name. fp16/bf16 files are widened
 * to fp32 (the engine's graphs compute in fp32). Large checkpoints are read lazily: a tensor's
 * `data` is read from its file when asked for and not kept, so the only resident copy of the
 * weights is the one the ONNX sessions hold.
 */
export interface WeightTensor {
  shape: number[];
  /** The values as fp32. On a lazy tensor each access reads (and widens) the file again. */
  readonly data: Float32Array;
}

export type WeightMap = Map<string, WeightTensor>;

/**
 * Models with at least this many bytes of fp32 weights are "large": read lazily, their graphs'
 * weights kept as ONNX external data, their load announced.
 */
export const LARGE_WEIGHTS_FROM = 256 * 2 ** 20;

const LAZY = Symbol('lazy weight');

/** A tensor whose values are produced by `read` on every access (nothing is cached). */
export function lazyWeight(shape: number[], read: () => Float32Array): WeightTensor {
  return Object.defineProperties({ shape } as WeightTensor, {
    data: { get: read, enumerable: true },
    [LAZY]: { value: true },
  });
}

/** Whether reading `w.data` costs a file read (callers then avoid reading it twice). */
export function isLazy(w: WeightTensor): boolean {
  return (w as unknown as Record<symbol, unknown>)[LAZY] === true;
}

/** Bytes of the weights as fp32, from the shapes (a lazy tensor is not read). */
export function weightBytes(weights: WeightMap): number {
  let bytes = 0;
  const seen = new Set<WeightTensor>();
  for (const w of weights.values()) {
    if (seen.has(w)) continue; // tied aliases share one tensor
    seen.add(w);
    bytes += 4 * w.shape.reduce((a, b) => a * b, 1);
  }
  return bytes;
}
