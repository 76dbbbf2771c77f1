/**
 * Checkpoints: the complete state of a run at an iteration boundary, as plain JSON (typed arrays in
 * little-endian base64). Members' top-k ids are stored rather than recomputed on resume, so a
 * resumed run continues the identical trajectory even if the backend's numbers depended on how
 * prompts were batched. The prompt cache is rebuilt from the history; rejected prompts are stored.
 */
import { writeFileAtomic } from './atomic-write';
import { int32FromBase64, toBase64 } from './base64';
import { PromptCache } from './cache';
import { EpoConfig, EpoConfigError, resolveSavedConfig, slotLambdas } from './config';
import { EvalHistory, SerializedHistory } from './history';
import { bad, FileFormatError, isArray, isBool, isInt, isNumber, isObject, isString, parseJson, readTextFile } from './json-check';
import { Prng, PrngState } from './prng';
import { BoundarySnapshot, RunState } from './state';
import type { EpoStats, EpoTimings } from './types';

export const CHECKPOINT_FORMAT = 'reverie.epo-checkpoint';
export const CHECKPOINT_VERSION = 1;

export interface CheckpointSlot {
  row: number;
  lambda: number;
  isNew: boolean;
  /** base64 Int32 [n*topKUsed], or null when not computed yet. */
  topK: string | null;
}

export interface Checkpoint {
  format: typeof CHECKPOINT_FORMAT;
  version: typeof CHECKPOINT_VERSION;
  config: EpoConfig;
  topKUsed: number;
  /** Iterations completed = index of the next iteration to run. */
  nextIteration: number;
  prng: PrngState;
  population: CheckpointSlot[];
  history: SerializedHistory;
  rejected: { count: number; ids: string };
  stats: EpoStats;
  timings: EpoTimings;
}

/**
 * A checkpoint of `state`, either as it is now (at an iteration boundary) or as of `snap` (the start
 * of the iteration in progress: its partial evaluations are left out and will be redone on resume;
 * top-k ids already computed for the unchanged population are kept).
 */
export function makeCheckpoint(state: RunState, snap: BoundarySnapshot = state.snapshot()): Checkpoint {
  return {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    config: state.config,
    topKUsed: state.topKUsed,
    nextIteration: snap.nextIteration,
    prng: snap.prng,
    population: snap.slotRows.map((s, j) => {
      const topK = state.slots[j]?.row === s.row ? state.slots[j].topK : null;
      return { row: s.row, lambda: state.lambdas[j], isNew: s.isNew, topK: topK ? toBase64(topK) : null };
    }),
    history: state.history.serialize(snap.historyCount),
    rejected: { count: snap.rejectedCount, ids: toBase64(state.cache.rejectedPrefix(snap.rejectedCount)) },
    // top-k ids kept above were paid for, so the gradient count is the current one
    stats: { ...snap.stats, gradients: state.stats.gradients },
    timings: { ...state.timings },
  };
}

const STAT_KEYS = ['evaluations', 'gradients', 'restarts', 'cacheHits', 'sameAsParent', 'rejectedBanned', 'rejectedRetokenize', 'shortfall'] as const;
const TIMING_KEYS = ['gradientMs', 'proposalMs', 'scoringMs', 'selectionMs', 'totalMs'] as const;

/**
 * Checks a parsed checkpoint down to every base64 field and rebuilds the run state from it, with
 * `config` (default: the checkpoint's own) as the resolved config to continue under.
 */
export function restoreState(raw: unknown, what = 'checkpoint', config?: EpoConfig): RunState {
  const cp = isObject(raw, what);
  if (cp.format !== CHECKPOINT_FORMAT) bad(`${what}.format`, `"${CHECKPOINT_FORMAT}"`, cp.format);
  if (cp.version !== CHECKPOINT_VERSION) bad(`${what}.version`, `${CHECKPOINT_VERSION} (this version of Reverie)`, cp.version);
  let cfg: EpoConfig;
  try {
    cfg = config ?? resolveSavedConfig(isObject(cp.config, `${what}.config`) as Partial<EpoConfig>);
  } catch (e) {
    if (e instanceof EpoConfigError) throw new FileFormatError(`${what}.config: ${e.message}`);
    throw e;
  }
  const n = cfg.seqLen, m = cfg.population;
  const k = isInt(cp.topKUsed, `${what}.topKUsed`, 1);
  const history = EvalHistory.deserialize(cp.history as SerializedHistory, `${what}.history`);
  if (history.seqLen !== n) bad(`${what}.history.seqLen`, `${n} (config.seqLen)`, history.seqLen);
  const rej = isObject(cp.rejected, `${what}.rejected`);
  const rejCount = isInt(rej.count, `${what}.rejected.count`);
  const rejected = int32FromBase64(rej.ids, rejCount * n, `${what}.rejected.ids`);
  const cache = PromptCache.fromHistory(history, rejected);
  const prngWords = isArray(cp.prng, `${what}.prng`).map((w, i) => isInt(w, `${what}.prng[${i}]`, 0, 0xffffffff));
  let rng: Prng;
  try {
    rng = Prng.fromState(prngWords);
  } catch (e) {
    throw new FileFormatError(`${what}.prng: ${(e as Error).message}`);
  }
  const state = new RunState(cfg, k, history, cache, rng);
  const distinct = new Set<number>();
  for (let i = 0; i < history.size; i++) distinct.add(cache.rowOf(history.idsView(i)));
  if (distinct.size !== history.size) throw new FileFormatError(`${what}.history contains the same prompt more than once`);

  const pop = isArray(cp.population, `${what}.population`);
  if (pop.length !== m) bad(`${what}.population`, `${m} slots (config.population)`, `${pop.length} slots`);
  const lambdas = slotLambdas(cfg);
  state.slots = pop.map((raw, j) => {
    const s = isObject(raw, `${what}.population[${j}]`);
    const row = isInt(s.row, `${what}.population[${j}].row`, 0, history.size - 1);
    if (isNumber(s.lambda, `${what}.population[${j}].lambda`) !== lambdas[j]) {
      bad(`${what}.population[${j}].lambda`, `${lambdas[j]} (from config)`, s.lambda);
    }
    const topK = s.topK === null ? null : int32FromBase64(isString(s.topK, `${what}.population[${j}].topK`), n * k, `${what}.population[${j}].topK`);
    return { row, topK, isNew: isBool(s.isNew, `${what}.population[${j}].isNew`) };
  });
  // The counter must agree with the run it claims to continue: no further than the checkpoint's own
  // iterations, and past every iteration its history holds (a damaged counter is refused, not run).
  const savedIterations = (cp.config as { iterations?: unknown } | undefined)?.iterations;
  const lastRowIteration = history.size ? history.iteration(history.size - 1) : -1;
  state.nextIteration = isInt(cp.nextIteration, `${what}.nextIteration`, Math.max(0, lastRowIteration + 1),
    typeof savedIterations === 'number' ? Math.max(savedIterations, lastRowIteration + 1) : undefined);
  const stats = isObject(cp.stats, `${what}.stats`);
  for (const key of STAT_KEYS) state.stats[key] = isInt(stats[key], `${what}.stats.${key}`);
  // Counted since two-token moves exist; a checkpoint from before has none.
  state.stats.wideMoves = stats.wideMoves === undefined ? 0 : isInt(stats.wideMoves, `${what}.stats.wideMoves`);
  state.stats.shiftMoves = stats.shiftMoves === undefined ? 0 : isInt(stats.shiftMoves, `${what}.stats.shiftMoves`);
  if (state.stats.evaluations !== history.size) {
    bad(`${what}.stats.evaluations`, `${history.size} (the history's rows)`, state.stats.evaluations);
  }
  const timings = isObject(cp.timings, `${what}.timings`);
  for (const key of TIMING_KEYS) state.timings[key] = isNumber(timings[key], `${what}.timings.${key}`);
  return state;
}

/** Parses and fully validates a checkpoint's JSON text (the file is named in errors). */
export function parseCheckpoint(text: string, path = 'checkpoint'): Checkpoint {
  const raw = parseJson(text, path);
  restoreState(raw, path); // throws a FileFormatError naming the damaged field
  return raw as Checkpoint;
}

export async function loadCheckpoint(path: string): Promise<Checkpoint> {
  const text = await readTextFile(path, 'checkpoint');
  return parseCheckpoint(text, path);
}

export async function saveCheckpoint(path: string, cp: Checkpoint): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(cp));
}
