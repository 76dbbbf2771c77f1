/**
 * The mutable state of a run, and the boundary snapshot that a checkpoint is made from. Everything
 * the trajectory depends on is here: history (and the cache derived from it), rejected prompts,
 * PRNG, population slots with their top-k, and the next iteration index.
 */
import type { Tokenizer } from '../tokenizers/tokenizer';
import { PromptCache } from './cache';
import type { EpoConfig } from './config';
import { slotCaps, slotLambdas } from './config';
import { EvalHistory } from './history';
import { Prng, type PrngState } from './prng';
import type { EpoStats, EpoTimings, PopulationMember } from './types';
import { zeroTimings } from './types';
import { zeroCounts } from './candidates';

export interface Slot {
  /** History row of the slot's prompt. */
  row: number;
  /** Top-k ids for (prompt, slot λ), [n*k]; null until computed. */
  topK: Int32Array | null;
  isNew: boolean;
}

export const zeroStats = (): EpoStats => ({ ...zeroCounts(), evaluations: 0, gradients: 0, restarts: 0 });

/** What is needed to write a checkpoint as of an iteration boundary while the iteration runs on. */
export interface BoundarySnapshot {
  nextIteration: number;
  historyCount: number;
  rejectedCount: number;
  prng: PrngState;
  stats: EpoStats;
  slotRows: { row: number; isNew: boolean }[];
}

export class RunState {
  readonly lambdas: number[];
  /** Per slot, its XE cap (Infinity: uncapped); see EpoConfig.cappedSlots. */
  readonly caps: number[];
  slots: Slot[] = [];
  nextIteration = 0;
  stats: EpoStats = zeroStats();
  timings: EpoTimings = zeroTimings();
  bestBelow4 = -Infinity;
  bestBelow6 = -Infinity;
  private textCache = new Map<number, string>();

  constructor(
    readonly config: EpoConfig,
    readonly topKUsed: number,
    readonly history: EvalHistory,
    readonly cache: PromptCache,
    readonly rng: Prng,
  ) {
    this.lambdas = slotLambdas(config);
    this.caps = slotCaps(config);
    for (let i = 0; i < history.size; i++) this.noteBest(history.feature(i), history.xe(i));
  }

  static fresh(config: EpoConfig, topKUsed: number): RunState {
    return new RunState(config, topKUsed, new EvalHistory(config.seqLen), new PromptCache(config.seqLen), Prng.fromSeed(config.seed));
  }

  /** Records an evaluated prompt in history, cache and the running bests; returns its row. */
  record(ids: Int32Array, feature: number, xe: number, iteration: number, parent: number): number {
    const row = this.history.append(ids, feature, xe, iteration, parent);
    this.cache.addEvaluated(ids, row);
    this.stats.evaluations++;
    this.noteBest(feature, xe);
    return row;
  }

  private noteBest(feature: number, xe: number): void {
    if (!Number.isFinite(feature)) return;
    if (xe < 4 && feature > this.bestBelow4) this.bestBelow4 = feature;
    if (xe < 6 && feature > this.bestBelow6) this.bestBelow6 = feature;
  }

  textOf(row: number, tokenizer: Tokenizer): string {
    let t = this.textCache.get(row);
    if (t === undefined) { t = tokenizer.decode(this.history.ids(row)); this.textCache.set(row, t); }
    return t;
  }

  population(tokenizer: Tokenizer): PopulationMember[] {
    return this.slots.map((s, slot) => ({
      slot,
      lambda: this.lambdas[slot],
      ids: this.history.ids(s.row),
      text: this.textOf(s.row, tokenizer),
      feature: this.history.feature(s.row),
      xe: this.history.xe(s.row),
      row: s.row,
      isNew: s.isNew,
    }));
  }

  snapshot(): BoundarySnapshot {
    return {
      nextIteration: this.nextIteration,
      historyCount: this.history.size,
      rejectedCount: this.cache.rejectedCount,
      prng: this.rng.state(),
      stats: { ...this.stats },
      slotRows: this.slots.map((s) => ({ row: s.row, isNew: s.isNew })),
    };
  }
}
