/**
 * Weights as graph constants: one initializer per tensor per graph (shared by every use), with
 * shape checks that name the missing or mis-shaped tensor.
 */
import { Graph, SymTensor, EXTERNAL_MIN_BYTES, ExternalStore, cast, matmulTransB } from '../graph';
import { BYTES_PER_ELEMENT, toHalf } from '../graph/dtype';
import { isLazy, type WeightMap, type WeightTensor } from './weights';

/** The float types a model's graph can compute in. */
export type WeightDType = 'float32' | 'float16';

export class MissingWeightError extends Error {
  constructor(model: string, what: string) {
    super(`${model}: ${what}`);
    this.name = 'MissingWeightError';
  }
}

/**
 * JS-side derived tensors (transposes, fused-projection parts) per weight map, shared by every
 * graph built from it: a dream builds three graphs, and each would otherwise hold its own copy.
 * Only for weights held in memory; lazy (large) weights go to an external store instead.
 */
const derivedCache = new WeakMap<WeightMap, Map<string, Float32Array>>();

function sharedDerived(weights: WeightMap, key: string, make: () => Float32Array): Float32Array {
  let m = derivedCache.get(weights);
  if (!m) derivedCache.set(weights, (m = new Map()));
  let v = m.get(key);
  if (!v) m.set(key, (v = make()));
  return v;
}

/** Tensors already written to an external store, per store and weight map: where they are. */
const placed = new WeakMap<ExternalStore, WeakMap<WeightMap, Map<string, { offset: number; length: number }>>>();

function placedIn(store: ExternalStore, weights: WeightMap): Map<string, { offset: number; length: number }> {
  let byWeights = placed.get(store);
  if (!byWeights) placed.set(store, (byWeights = new WeakMap()));
  let m = byWeights.get(weights);
  if (!m) byWeights.set(weights, (m = new Map()));
  return m;
}

export class GraphWeights {
  private readonly cache = new Map<string, SymTensor>();
  /** Lazy weights are read from their files on each access, so they are never cached in JS. */
  private readonly lazy: boolean;

  /**
   * With a store, weights of EXTERNAL_MIN_BYTES or more go to its file once and every graph refers
   * to them there; derived tensors (transposes, fused parts) are computed, written and dropped.
   * Without one, lazy weights become deferred constants: read only if the graph is serialised
   * (a graph traced for its shapes reads nothing).
   */
  constructor(
    readonly graph: Graph, readonly weights: WeightMap, readonly modelName: string, readonly store?: ExternalStore,
    /** The dtype the graph computes in: weights are rounded to it (fp16 from any stored dtype). */
    readonly dtype: WeightDType = 'float32',
  ) {
    this.lazy = [...weights.values()].some(isLazy);
  }

  /** The constant for `key` (a canonical name: tied aliases share one), made by `make` at most once per store. */
  private constantFor(key: string, shape: number[], make: () => Float32Array, cacheInJs: boolean): SymTensor {
    const fp32 = cacheInJs && !this.lazy ? () => sharedDerived(this.weights, key, make) : make;
    const values: () => Float32Array | Uint16Array = this.dtype === 'float16' ? () => toHalf(fp32()) : fp32;
    if (this.store && BYTES_PER_ELEMENT[this.dtype] * shape.reduce((a, b) => a * b, 1) >= EXTERNAL_MIN_BYTES) {
      const known = placedIn(this.store, this.weights);
      const placedKey = `${this.dtype}:${key}`;
      let at = known.get(placedKey);
      if (!at) known.set(placedKey, (at = this.store.place(values())));
      return this.graph.externalConstant(this.dtype, shape, { store: this.store, ...at });
    }
    if (this.lazy) return this.graph.deferredConstant(this.dtype, shape, values);
    return this.graph.constant(values(), shape);
  }

  /** The first name under which `name`'s tensor is stored (tied aliases map to one tensor). */
  private canonical(name: string): string {
    const w = this.weights.get(name);
    for (const [k, v] of this.weights) if (v === w) return k;
    return name;
  }

  /**
   * x @ Wᵀ for the unembedding W ([vocab, d], as stored: a tied embedding is not copied or
   * transposed), in float32 whatever the graph's dtype (the log-softmax and soft-cap need it).
   */
  logits(x: SymTensor, name: string, shape: [number, number]): SymTensor {
    return cast(matmulTransB(x, this.get(name, shape)), 'float32');
  }

  has(name: string): boolean {
    return this.weights.has(name);
  }

  raw(name: string, shape: number[]): WeightTensor {
    const w = this.weights.get(name);
    if (!w) throw new MissingWeightError(this.modelName, `missing tensor '${name}' (expected shape [${shape}])`);
    if (w.shape.length !== shape.length || w.shape.some((d, i) => d !== shape[i])) {
      throw new MissingWeightError(this.modelName, `tensor '${name}' has shape [${w.shape}], expected [${shape}]`);
    }
    return w;
  }

  /** The tensor as stored. */
  get(name: string, shape: number[]): SymTensor {
    let t = this.cache.get(name);
    if (!t) {
      const w = this.raw(name, shape);
      t = this.constantFor(this.canonical(name), shape, () => w.data, false);
      this.cache.set(name, t);
    }
    return t;
  }

  /**
   * A 2-D tensor transposed once in JS, so MatMul sees a constant right-hand side that ORT can
   * pre-pack (PyTorch Linear stores [out, in]; x @ Wᵀ needs [in, out]).
   */
  transposed(name: string, shape: [number, number]): SymTensor {
    const w = this.raw(name, shape);
    const [rows, cols] = shape;
    return this.derived(`${this.canonical(name)}ᵀ`, [cols, rows], () => {
      const src = w.data;
      const out = new Float32Array(rows * cols);
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = src[r * cols + c];
      return out;
    });
  }

  /**
   * A constant of `shape` computed in JS from stored tensors (e.g. one part of a fused
   * projection), cached by key.
   */
  derived(key: string, shape: number[], make: () => Float32Array): SymTensor {
    let t = this.cache.get(key);
    if (!t) {
      t = this.constantFor(key, shape, make, !this.store);
      this.cache.set(key, t);
    }
    return t;
  }
}
