/** What a run reports: per-iteration events, counters, timings and the final result. */
import type { EpoConfig } from './config';
import type { ProposalCounts } from './candidates';
import type { FrontierPoint } from './frontier';
import type { EvalHistory } from './history';
import type { Checkpoint } from './checkpoint';

export interface PopulationMember {
  slot: number;
  /** The slot's fluency weight λ_j. */
  lambda: number;
  ids: number[];
  text: string;
  feature: number;
  xe: number;
  /** Its row in the history. */
  row: number;
  /** Whether the slot's prompt changed in the iteration just finished (its top-k is then recomputed). */
  isNew: boolean;
}

/** Wall-clock milliseconds. `proposalMs` is drawing children and the prompt checks. */
export interface EpoTimings {
  gradientMs: number;
  proposalMs: number;
  scoringMs: number;
  selectionMs: number;
  totalMs: number;
}

export const zeroTimings = (): EpoTimings => ({ gradientMs: 0, proposalMs: 0, scoringMs: 0, selectionMs: 0, totalMs: 0 });

/** Cumulative counters of a run (they survive checkpoint/resume). */
export interface EpoStats extends ProposalCounts {
  /** Prompts evaluated (= history rows, the initial population included). */
  evaluations: number;
  /** (prompt, λ) top-k computations requested from the backend. */
  gradients: number;
  restarts: number;
}

export interface EpoIterationEvent {
  /** 0-based index of the iteration just finished. */
  iteration: number;
  /** Iterations the run will do in all. */
  iterations: number;
  /** Set when this iteration's selection was a restart: the λ_r drawn and the history row put in every slot. */
  restart: { lambda: number; row: number } | null;
  population: PopulationMember[];
  /** Time spent in this iteration. */
  timings: EpoTimings;
  /** Top-k computations this iteration (one per member new in the previous iteration). */
  gradients: number;
  /** Children evaluated this iteration. */
  evaluations: number;
  /** History rows of children drawn again this iteration: already evaluated, they competed in selection at no cost. */
  knownCandidates: number[];
  /** Proposal counters of this iteration (cache hits, rejections, …). */
  counts: ProposalCounts;
  totals: EpoStats;
  /** Best feature among everything evaluated so far with XE < 4 (resp. < 6); null when none yet. */
  bestFeatureXeBelow4: number | null;
  bestFeatureXeBelow6: number | null;
  /** The frontier over everything evaluated so far. */
  frontier: FrontierPoint[];
  historySize: number;
}

export interface EpoResult {
  config: EpoConfig;
  seed: number;
  /** Slot λs. */
  lambdas: number[];
  /** k actually used (config.topK capped at the number of allowed tokens). */
  topKUsed: number;
  /** The final population (after the last completed iteration). */
  population: PopulationMember[];
  /** Every prompt evaluated, including those of an interrupted iteration. */
  history: EvalHistory;
  /** The frontier over the whole history. */
  frontier: FrontierPoint[];
  /** Completed iterations (all of them, counting those before a resume). */
  iterationsDone: number;
  cancelled: boolean;
  /** Cumulative over the run, across resumes. */
  timings: EpoTimings;
  stats: EpoStats;
  bestFeatureXeBelow4: number | null;
  bestFeatureXeBelow6: number | null;
  /**
   * State to resume from: as of the end of the last completed iteration (an interrupted iteration
   * is redone, identically, on resume). Null only when cancelled before the initial population was
   * scored (then there is nothing to resume: start again).
   */
  checkpoint: Checkpoint | null;
}
