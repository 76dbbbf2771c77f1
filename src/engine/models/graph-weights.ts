/**
 * Weights as graph constants: one initializer per tensor per graph (shared by every use), with
 * shape checks that name the missing or mis-shaped tensor.
 */
import { Graph, SymTensor, EXTERNAL_MIN_BYTES, ExternalStore } from '../graph';
import type { WeightMap, WeightTensor } from './weights';

export class MissingWeightError extends Error {
  constructor(model: string, what: string) {
    super(`${model}: ${what}`);
    this.name = 'MissingWeightError';
  }
}

/**
 * JS-side derived tensors (transposes, fused-projection parts) per weight map, shared by every
 * graph built from it: a dream builds three graphs, and each would otherwise hold its own copy.
 */
const derivedCache = new WeakMap<WeightMap, Map<string, { data: Float32Array; shape: number[] }>>();

function sharedDerived(weights: WeightMap, key: string, make: () => { data: Float32Array; shape: number[] }): { data: Float32Array; shape: number[] } {
  let m = derivedCache.get(weights);
  if (!m) derivedCache.set(weights, (m = new Map()));
  let v = m.get(key);
  if (!v) m.set(key, (v = make()));
  return v;
}

/** Tensors already written to an external store, per store and weight map: where, and their shape. */
const placed = new WeakMap<ExternalStore, WeakMap<WeightMap, Map<string, { offset: number; length: number; shape: number[] }>>>();

function placedIn(store: ExternalStore, weights: WeightMap): Map<string, { offset: number; length: number; shape: number[] }> {
  let byWeights = placed.get(store);
  if (!byWeights) placed.set(store, (byWeights = new WeakMap()));
  let m = byWeights.get(weights);
  if (!m) byWeights.set(weights, (m = new Map()));
  return m;
}

export class GraphWeights {
  private readonly cache = new Map<string, SymTensor>();
  /**
   * With a store, weights of EXTERNAL_MIN_BYTES or more go to its file once and every graph refers
   * to them there; derived tensors (transposes, fused parts) are computed, written and dropped, so
   * JS never holds them (the shared in-memory cache is for graphs without a store).
   */
  constructor(readonly graph: Graph, readonly weights: WeightMap, readonly modelName: string, readonly store?: ExternalStore) {}

  /** The constant for `key`: from the store when big enough and a store is given, else in memory. */
  private constantFor(key: string, make: () => { data: Float32Array; shape: number[] }, cacheInJs: boolean): SymTensor {
    if (this.store) {
      const known = placedIn(this.store, this.weights);
      let at = known.get(key);
      if (!at) {
        const { data, shape } = cacheInJs ? sharedDerived(this.weights, key, make) : make();
        if (data.byteLength < EXTERNAL_MIN_BYTES) return this.graph.constant(data, shape);
        at = { ...this.store.place(data), shape };
        known.set(key, at);
      }
      return this.graph.externalConstant('float32', at.shape, { store: this.store, offset: at.offset, length: at.length });
    }
    const { data, shape } = cacheInJs ? sharedDerived(this.weights, key, make) : make();
    return this.graph.constant(data, shape);
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
      t = this.constantFor(name, () => ({ data: this.raw(name, shape).data, shape }), false);
      this.cache.set(name, t);
    }
    return t;
  }

  /**
   * A 2-D tensor transposed once in JS, so MatMul sees a constant right-hand side that ORT can
   * pre-pack (PyTorch Linear stores [out, in]; x @ Wᵀ needs [in, out]).
   */
  transposed(name: string, shape: [number, number]): SymTensor {
    return this.derived(`${name}ᵀ`, () => {
      const [rows, cols] = shape;
      const src = this.raw(name, shape).data;
      const out = new Float32Array(rows * cols);
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = src[r * cols + c];
      return { data: out, shape: [cols, rows] };
    });
  }

  /** A constant computed in JS from stored tensors (e.g. one part of a fused projection), cached by key. */
  derived(key: string, make: () => { data: Float32Array; shape: number[] }): SymTensor {
    let t = this.cache.get(key);
    if (!t) {
      t = this.constantFor(key, make, !this.store);
      this.cache.set(key, t);
    }
    return t;
  }
}
