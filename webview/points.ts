/**
 * Every evaluated point shown in the panel, as growable typed columns (80k points ≈ 2.5 MB, no
 * per-point objects), with the frontier maintained as points arrive and a snapshot of it at the end
 * of each iteration, so replaying with the iteration slider is a lookup rather than a recomputation.
 *
 * A panel can hold several runs of one feature ("run again" with another seed adds to the same
 * frontier). Points arrive run after run, each run's in iteration order; a run's iterations start
 * again at -1, which is how a new run is recognised. Replay is over the latest run's iterations,
 * with the earlier runs' points always shown behind it.
 */
import type { PointBatch } from '../src/protocol/panel';
import { ParetoFrontier } from './frontier';

function grown<T extends Float64Array | Int32Array>(a: T, min: number): T {
  if (a.length >= min) return a;
  const b = new (a.constructor as new (n: number) => T)(Math.max(min, a.length * 2, 1024));
  b.set(a);
  return b;
}

export class PointStore {
  xe = new Float64Array(1024);
  feature = new Float64Array(1024);
  iteration = new Int32Array(1024);
  historyIndex = new Int32Array(1024);
  length = 0;
  readonly frontier = new ParetoFrontier();
  /** Index of the latest run's first point. */
  runStart = 0;
  /** The latest run's first iteration (-1 when it includes the initial population); null before any point. */
  firstIteration: number | null = null;
  /** Frontier (point indices) as of the end of each of the latest run's iterations. */
  private snapshots = new Map<number, Int32Array>();
  /** Frontier of the earlier runs alone (what replaying the latest run starts from). */
  private before: Int32Array = new Int32Array(0);
  private lastSnapshot: { version: number; indices: Int32Array } | null = null;
  private openIteration: number | null = null;

  clear(): void {
    this.length = 0;
    this.runStart = 0;
    this.firstIteration = null;
    this.frontier.clear();
    this.snapshots.clear();
    this.before = new Int32Array(0);
    this.lastSnapshot = null;
    this.openIteration = null;
  }

  /** Appends a batch; returns the index of its first point. O(batch). */
  append(batch: PointBatch): number {
    const start = this.length;
    const n = batch.xe.length;
    const need = start + n;
    this.xe = grown(this.xe, need);
    this.feature = grown(this.feature, need);
    this.iteration = grown(this.iteration, need);
    this.historyIndex = grown(this.historyIndex, need);
    for (let k = 0; k < n; k++) {
      const i = start + k, it = batch.iteration[k];
      if (this.openIteration !== null && it !== this.openIteration) {
        this.closeIteration(this.openIteration);
        if (it < this.openIteration) this.startRun(i);
      }
      if (this.firstIteration === null) this.firstIteration = it;
      this.openIteration = it;
      this.xe[i] = batch.xe[k];
      this.feature[i] = batch.feature[k];
      this.iteration[i] = it;
      this.historyIndex[i] = batch.historyIndex[k];
      this.frontier.insert(i, batch.xe[k], batch.feature[k]);
      this.length = i + 1;
    }
    return start;
  }

  /** The iterations went back: point `i` begins a new run. */
  private startRun(i: number): void {
    this.runStart = i;
    this.firstIteration = null;
    this.snapshots.clear();
    this.before = this.frontier.indices();
  }

  /**
   * Records the frontier as of the end of `iteration` (called when an iteration's message is
   * complete). An iteration number below the latest run's starts a new run with no points yet.
   */
  closeIteration(iteration: number): void {
    if (this.openIteration !== null && iteration < this.openIteration) {
      this.startRun(this.length);
      this.firstIteration = iteration;
    }
    this.openIteration = iteration;
    if (this.firstIteration === null) this.firstIteration = iteration;
    if (!this.lastSnapshot || this.lastSnapshot.version !== this.frontier.version) {
      this.lastSnapshot = { version: this.frontier.version, indices: this.frontier.indices() };
    }
    this.snapshots.set(iteration, this.lastSnapshot.indices);
  }

  /** Frontier indices as of the end of the latest run's `iteration` (earlier runs included). */
  frontierThrough(iteration: number): Int32Array {
    if (this.openIteration === null || iteration >= this.openIteration) return this.frontier.indices();
    for (let it = iteration; it >= (this.firstIteration ?? iteration); it--) {
      const s = this.snapshots.get(it);
      if (s) return s;
    }
    return this.before;
  }

  /** How many points were evaluated by the end of the latest run's `iteration` (earlier runs included). */
  countThrough(iteration: number): number {
    let lo = this.runStart, hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.iteration[mid] <= iteration) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the first point of the latest run's `iteration`. */
  startOf(iteration: number): number {
    return this.countThrough(iteration - 1);
  }
}
