/**
 * Every prompt a run evaluated, in evaluation order, in growable typed arrays: a 300 × 256 run is
 * ~77k rows of n ids + 4 numbers, a few MB and no per-row objects. Each prompt appears at most once
 * (the run never evaluates a prompt twice), so a row index identifies a prompt within a run.
 */
import { float64FromBase64, int32FromBase64, toBase64 } from './base64';

/** `iteration` of the initial population's rows (evaluated before iteration 0). */
export const INITIAL_ITERATION = -1;

export interface HistoryRow {
  index: number;
  ids: number[];
  feature: number;
  xe: number;
  /** Iteration that evaluated it (0-based); INITIAL_ITERATION for the initial population. */
  iteration: number;
  /** Row of the member it was proposed from; -1 for initial prompts. */
  parent: number;
}

/** JSON form (typed arrays as little-endian base64). */
export interface SerializedHistory {
  count: number;
  seqLen: number;
  ids: string;
  feature: string;
  xe: string;
  iteration: string;
  parent: string;
}

export class EvalHistory {
  private n = 0;
  private idsBuf: Int32Array;
  private featureBuf: Float64Array;
  private xeBuf: Float64Array;
  private iterBuf: Int32Array;
  private parentBuf: Int32Array;

  constructor(readonly seqLen: number, capacity = 1024) {
    if (!Number.isInteger(seqLen) || seqLen < 1) throw new Error(`EvalHistory seqLen must be a positive integer, got ${seqLen}`);
    const cap = Math.max(1, capacity);
    this.idsBuf = new Int32Array(cap * seqLen);
    this.featureBuf = new Float64Array(cap);
    this.xeBuf = new Float64Array(cap);
    this.iterBuf = new Int32Array(cap);
    this.parentBuf = new Int32Array(cap);
  }

  get size(): number {
    return this.n;
  }

  private grow(): void {
    const cap = this.featureBuf.length * 2;
    const re = <T extends Int32Array | Float64Array>(a: T, len: number): T => {
      const b = new (a.constructor as new (n: number) => T)(len);
      b.set(a);
      return b;
    };
    this.idsBuf = re(this.idsBuf, cap * this.seqLen);
    this.featureBuf = re(this.featureBuf, cap);
    this.xeBuf = re(this.xeBuf, cap);
    this.iterBuf = re(this.iterBuf, cap);
    this.parentBuf = re(this.parentBuf, cap);
  }

  /** Appends one evaluated prompt and returns its row. */
  append(ids: ArrayLike<number>, feature: number, xe: number, iteration: number, parent: number): number {
    if (ids.length !== this.seqLen) throw new Error(`history row needs ${this.seqLen} ids, got ${ids.length}`);
    if (this.n === this.featureBuf.length) this.grow();
    const i = this.n++;
    this.idsBuf.set(ids, i * this.seqLen);
    this.featureBuf[i] = feature;
    this.xeBuf[i] = xe;
    this.iterBuf[i] = iteration;
    this.parentBuf[i] = parent;
    return i;
  }

  private check(i: number): void {
    if (!(i >= 0 && i < this.n)) throw new RangeError(`history row ${i} out of range (size ${this.n})`);
  }

  /** A view of row i's ids (valid until the next append); copy it to keep it. */
  idsView(i: number): Int32Array {
    this.check(i);
    return this.idsBuf.subarray(i * this.seqLen, (i + 1) * this.seqLen);
  }

  ids(i: number): number[] {
    return Array.from(this.idsView(i));
  }

  feature(i: number): number {
    this.check(i);
    return this.featureBuf[i];
  }

  xe(i: number): number {
    this.check(i);
    return this.xeBuf[i];
  }

  iteration(i: number): number {
    this.check(i);
    return this.iterBuf[i];
  }

  parent(i: number): number {
    this.check(i);
    return this.parentBuf[i];
  }

  row(i: number): HistoryRow {
    return { index: i, ids: this.ids(i), feature: this.feature(i), xe: this.xe(i), iteration: this.iteration(i), parent: this.parent(i) };
  }

  /** Read-only views of the first `size` rows (valid until the next append). */
  columns(): { ids: Int32Array; feature: Float64Array; xe: Float64Array; iteration: Int32Array; parent: Int32Array } {
    return {
      ids: this.idsBuf.subarray(0, this.n * this.seqLen),
      feature: this.featureBuf.subarray(0, this.n),
      xe: this.xeBuf.subarray(0, this.n),
      iteration: this.iterBuf.subarray(0, this.n),
      parent: this.parentBuf.subarray(0, this.n),
    };
  }

  /** Rows evaluated up to and including `iteration` (rows are in iteration order). */
  countThrough(iteration: number): number {
    let lo = 0, hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.iterBuf[mid] <= iteration) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  /** The first `count` rows (default all) as JSON-safe base64 columns. */
  serialize(count = this.n): SerializedHistory {
    if (!(count >= 0 && count <= this.n)) throw new RangeError(`cannot serialize ${count} of ${this.n} history rows`);
    return {
      count,
      seqLen: this.seqLen,
      ids: toBase64(this.idsBuf.subarray(0, count * this.seqLen)),
      feature: toBase64(this.featureBuf.subarray(0, count)),
      xe: toBase64(this.xeBuf.subarray(0, count)),
      iteration: toBase64(this.iterBuf.subarray(0, count)),
      parent: toBase64(this.parentBuf.subarray(0, count)),
    };
  }

  /** Rebuilds a history, checking sizes and that parents precede children; `what` names the source in errors. */
  static deserialize(s: SerializedHistory, what = 'history'): EvalHistory {
    if (typeof s !== 'object' || s === null) throw new Error(`${what} is missing`);
    const { count, seqLen } = s;
    if (!Number.isInteger(count) || count < 0) throw new Error(`${what}.count must be an integer ≥ 0, got ${count}`);
    if (!Number.isInteger(seqLen) || seqLen < 1) throw new Error(`${what}.seqLen must be an integer ≥ 1, got ${seqLen}`);
    const h = new EvalHistory(seqLen, Math.max(count, 16));
    h.idsBuf.set(int32FromBase64(s.ids, count * seqLen, `${what}.ids`));
    h.featureBuf.set(float64FromBase64(s.feature, count, `${what}.feature`));
    h.xeBuf.set(float64FromBase64(s.xe, count, `${what}.xe`));
    const iter = int32FromBase64(s.iteration, count, `${what}.iteration`);
    const parent = int32FromBase64(s.parent, count, `${what}.parent`);
    for (let i = 0; i < count; i++) {
      if (iter[i] < INITIAL_ITERATION || (i > 0 && iter[i] < iter[i - 1])) {
        throw new Error(`${what}: row ${i} has iteration ${iter[i]} after ${i > 0 ? iter[i - 1] : 'start'} (rows must be in iteration order)`);
      }
      if (parent[i] < -1 || parent[i] >= i) throw new Error(`${what}: row ${i} has parent ${parent[i]}, which is not an earlier row`);
    }
    h.iterBuf.set(iter);
    h.parentBuf.set(parent);
    h.n = count;
    return h;
  }
}
