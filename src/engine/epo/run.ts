/**
 * The EPO loop (epo.md "One iteration"): gradients for new members → r children per member →
 * evaluate → per-slot selection (or a restart) → event, checkpoint. Cancellation is checked before
 * every backend call and between iterations; a cancelled run returns everything evaluated so far
 * and a checkpoint as of the last completed iteration.
 *
 * Deliberate differences from the reference code (epo.md): restarts select with the λ_r they draw
 * and happen at iterations T_restart, 2·T_restart, … (not also after iteration 0); a new member's
 * top-k uses its own slot's λ; disallowed ids are never proposed; children equal to their parent or
 * to any prompt evaluated/rejected earlier are re-drawn (candidates.ts states the rule); prompts
 * failing banned text or decode→encode are rejected; the frontier is the full non-dominated set.
 *
 * Long because: the EPO loop and its cancellation and checkpoint points read best as one function.
 */
import type { Tokenizer } from '../tokenizers/tokenizer';
import type { EpoBackend } from './backend';
import { allowedIdsOf, Cancelled, NonFiniteScoreError, scoreBatched, topKBatched } from './backend-calls';
import { addCounts, proposeChildren, Proposals, randomInitialPrompts } from './candidates';
import { promptKey } from './cache';
import { Checkpoint, makeCheckpoint, restoreState, saveCheckpoint } from './checkpoint';
import { EpoConfig, EpoConfigError, isRestartIteration, resolveConfig, resolveSavedConfig, trajectoryDifferences } from './config';
import { FileFormatError } from './json-check';
import { frontierRows, pointOf, FrontierPoint } from './frontier';
import { INITIAL_ITERATION } from './history';
import { PromptChecker } from './hygiene';
import { restartPick, selectSlots } from './select';
import { BoundarySnapshot, RunState } from './state';
import { EpoIterationEvent, EpoResult, EpoTimings, zeroTimings } from './types';

export interface RunEpoOptions {
  /** Called after every completed iteration (awaited when it returns a promise). */
  onIteration?: (event: EpoIterationEvent) => void | Promise<void>;
  /** Abort to stop; checked before every backend call. */
  signal?: AbortSignal;
  /**
   * Continue this checkpoint. `config` then only overrides: iterations, checkpointEvery and
   * batchSize may change (e.g. to extend a finished run); any trajectory field that differs from the
   * checkpoint's is an error.
   */
  resumeFrom?: Checkpoint;
  /**
   * Receives checkpoints: every config.checkpointEvery iterations, on cancel, and at the end, with
   * the run's result as of that checkpoint (computed when asked; e.g. to write a run file).
   */
  onCheckpoint?: (checkpoint: Checkpoint, resultSoFar: () => EpoResult) => void | Promise<void>;
  /** Also write each checkpoint to this file (atomically). */
  checkpointPath?: string;
  /**
   * At most this share of the run's time goes to periodic checkpoints: a due checkpoint is skipped
   * while the time since the last one is under its cost ÷ budget (e.g. 0.02: a checkpoint that took
   * 60 ms waits at least 3 s). Histories grow, so a fixed interval that is cheap at first costs
   * more and more. Default: none (every checkpointEvery iterations). Cancel and end always write.
   */
  checkpointBudget?: number;
  /**
   * Draws the M initial prompts instead of the token-by-token random draw (e.g. sampled from the
   * model). `accept` says whether a prompt (or a prefix) passes the run's checks; the prompts
   * returned are checked again and must be distinct. Ignored when config.initialPrompt is set.
   */
  initialPrompts?: (m: number, n: number, accept: (ids: Int32Array) => boolean) => Promise<Int32Array[]>;
  /** Names for error messages (a feature or model that scores NaN is named). */
  names?: { feature?: string; model?: string };
}

const now = () => performance.now();

function resumeState(cp: Checkpoint, partial: Partial<EpoConfig>, allowedCount: number): RunState {
  let saved: EpoConfig;
  try {
    saved = resolveSavedConfig(cp?.config);
  } catch (e) {
    throw new FileFormatError(`resumeFrom checkpoint has an invalid config: ${(e as Error).message}`);
  }
  const overrides = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
  const cfg = resolveConfig({ ...saved, ...overrides });
  const diffs = trajectoryDifferences(saved, cfg);
  if (diffs.length) {
    throw new EpoConfigError(`cannot resume with a different trajectory config (${diffs.join('; ')}); only iterations, checkpointEvery and batchSize may change`);
  }
  const state = restoreState(cp, 'resumeFrom checkpoint', cfg);
  const k = Math.min(cfg.topK, allowedCount);
  if (k !== state.topKUsed) {
    throw new Error(`cannot resume: the checkpoint used top-k ${state.topKUsed}, but this backend allows ${allowedCount} tokens (top-k would be ${k}); is it the same model?`);
  }
  return state;
}

export async function runEpo(
  backend: EpoBackend, tokenizer: Tokenizer, config: Partial<EpoConfig> = {}, opts: RunEpoOptions = {},
): Promise<EpoResult> {
  const allowedIds = allowedIdsOf(backend, tokenizer);
  const state = opts.resumeFrom
    ? resumeState(opts.resumeFrom, config, allowedIds.length)
    : freshState(resolveConfig(config), allowedIds.length);
  const cfg = state.config, k = state.topKUsed;
  const checker = new PromptChecker(tokenizer, cfg);
  const ctx = { rng: state.rng, cache: state.cache, checker };
  const checkCancel = () => { if (opts.signal?.aborted) throw new Cancelled('cancelled'); };
  let front = frontierRows(state.history);
  const frontierPoints = (): FrontierPoint[] =>
    Array.from(front, (row) => ({ ...pointOf(state.history, row), text: state.textOf(row, tokenizer) }));

  const emitCheckpoint = async (cp: Checkpoint, resultSoFar: () => EpoResult) => {
    await opts.onCheckpoint?.(cp, resultSoFar);
    if (opts.checkpointPath) await saveCheckpoint(opts.checkpointPath, cp);
  };

  let lastCheckpoint: { end: number; cost: number } | undefined;
  const withinBudget = () => {
    const b = opts.checkpointBudget;
    return !b || !lastCheckpoint || now() - lastCheckpoint.end >= lastCheckpoint.cost / b;
  };

  const resultOf = (cancelled: boolean, checkpoint: Checkpoint | null): EpoResult => {
    front = frontierRows(state.history);
    return {
      config: cfg,
      seed: cfg.seed,
      lambdas: [...state.lambdas],
      topKUsed: k,
      population: state.population(tokenizer),
      history: state.history,
      frontier: frontierPoints(),
      iterationsDone: state.nextIteration,
      cancelled,
      timings: { ...state.timings },
      stats: { ...state.stats },
      bestFeatureXeBelow4: Number.isFinite(state.bestBelow4) ? state.bestBelow4 : null,
      bestFeatureXeBelow6: Number.isFinite(state.bestBelow6) ? state.bestBelow6 : null,
      checkpoint,
    };
  };

  const finish = async (cancelled: boolean, checkpoint: Checkpoint | null, iterStart?: number): Promise<EpoResult> => {
    if (iterStart !== undefined) state.timings.totalMs += now() - iterStart;
    const result = resultOf(cancelled, checkpoint);
    if (checkpoint) await emitCheckpoint(checkpoint, () => result);
    return result;
  };

  if (state.slots.length === 0) {
    const initStart = now();
    try {
      await initialize(state, backend, tokenizer, allowedIds, ctx, checkCancel, opts.initialPrompts);
    } catch (e) {
      if (e instanceof Cancelled) return finish(true, null, initStart);
      if (e instanceof NonFiniteScoreError) throw e.describe(tokenizer.decode([...e.ids]), INITIAL_ITERATION, opts.names);
      throw e;
    }
    state.timings.totalMs += now() - initStart;
    front = frontierRows(state.history);
  }

  for (let it = state.nextIteration; it < cfg.iterations; it++) {
    if (opts.signal?.aborted) return finish(true, makeCheckpoint(state));
    const iterStart = now();
    const snap: BoundarySnapshot = state.snapshot();
    const tm = zeroTimings();
    const timed = (key: keyof EpoTimings, t0: number) => { const d = now() - t0; tm[key] += d; state.timings[key] += d; };
    let event: EpoIterationEvent;
    try {
      // 1. gradients, only for slots whose prompt is new (each with its own slot λ)
      let t0 = now();
      const need = state.slots.flatMap((s, j) => (s.topK ? [] : [j]));
      await topKBatched(backend, need.map((j) => state.history.idsView(state.slots[j].row).slice()), need.map((j) => state.lambdas[j]),
        k, cfg.batchSize, checkCancel, (first, out) => {
          out.forEach((ids, i) => { state.slots[need[first + i]].topK = ids; });
          state.stats.gradients += out.length;
        }, Math.round(cfg.modelShare * k));
      timed('gradientMs', t0);

      // 2. children
      t0 = now();
      const parentRows = state.slots.map((s) => s.row);
      const proposals = proposeChildren(state.slots.map((s) => ({ ids: state.history.idsView(s.row).slice(), row: s.row, topK: s.topK! })),
        cfg.childrenPerMember, k, ctx, Math.round(cfg.shiftShare * cfg.childrenPerMember));
      addCounts(state.stats, proposals.counts);
      timed('proposalMs', t0);

      // 3. evaluate
      t0 = now();
      const childRows = new Int32Array(proposals.children.length);
      await scoreBatched(backend, proposals.children, cfg.batchSize, checkCancel, (first, feature, xe) => {
        for (let i = 0; i < feature.length; i++) {
          const c = first + i;
          childRows[c] = state.record(proposals.children[c], feature[i], xe[i], it, parentRows[proposals.from[c]]);
        }
      });
      timed('scoringMs', t0);

      // 4./5. selection or restart (no await from here to the end of the iteration: it is atomic)
      t0 = now();
      const restart = select(state, it, childRows, proposals);
      timed('selectionMs', t0);
      state.nextIteration = it + 1;
      front = frontierRows(state.history, concatRows(front, childRows));
      tm.totalMs = now() - iterStart;
      state.timings.totalMs += tm.totalMs;
      event = {
        iteration: it,
        iterations: cfg.iterations,
        restart,
        population: state.population(tokenizer),
        timings: tm,
        gradients: need.length,
        evaluations: childRows.length,
        knownCandidates: proposals.knownRows,
        counts: proposals.counts,
        totals: { ...state.stats },
        bestFeatureXeBelow4: Number.isFinite(state.bestBelow4) ? state.bestBelow4 : null,
        bestFeatureXeBelow6: Number.isFinite(state.bestBelow6) ? state.bestBelow6 : null,
        frontier: frontierPoints(),
        historySize: state.history.size,
      };
    } catch (e) {
      if (e instanceof Cancelled) return finish(true, makeCheckpoint(state, snap), iterStart);
      if (e instanceof NonFiniteScoreError) throw e.describe(tokenizer.decode([...e.ids]), it, opts.names);
      throw e;
    }
    await opts.onIteration?.(event);
    const done = it + 1;
    if (cfg.checkpointEvery > 0 && done % cfg.checkpointEvery === 0 && done < cfg.iterations && withinBudget()) {
      const t0 = now();
      const cp = makeCheckpoint(state);
      await emitCheckpoint(cp, () => resultOf(false, cp));
      lastCheckpoint = { end: now(), cost: now() - t0 };
    }
  }
  return finish(false, makeCheckpoint(state));
}

function freshState(cfg: EpoConfig, allowedCount: number): RunState {
  return RunState.fresh(cfg, Math.min(cfg.topK, allowedCount));
}

function concatRows(a: Int32Array, b: Int32Array): Int32Array {
  const out = new Int32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Updates the slots from this iteration's candidates: per island, its members in slot order, then
 * its members' children, then the known rows they drew. Returns island 0's restart, if any.
 */
function select(state: RunState, it: number, childRows: Int32Array, proposals: Pick<Proposals, 'from' | 'knownRows' | 'knownFrom'>): { lambda: number; row: number } | null {
  const m = state.slots.length, islands = state.config.islands;
  const { feature: F, xe: X } = state.history.columns();
  const restarting = isRestartIteration(state.config, it);
  const slotRows = new Int32Array(m);
  let first: { lambda: number; row: number } | null = null;
  for (let island = 0; island < islands; island++) {
    const own = (parent: number) => parent % islands === island;
    const slots = state.slots.flatMap((_, j) => (own(j) ? [j] : []));
    const rows = [
      ...slots.map((j) => state.slots[j].row),
      ...Array.from(childRows).filter((_, c) => own(proposals.from[c])),
      ...proposals.knownRows.filter((_, i) => proposals.knownFrom[i].some(own)),
    ];
    const feature = Float64Array.from(rows, (r) => F[r]), xe = Float64Array.from(rows, (r) => X[r]);
    // Capped slots select as usual in a restart iteration too: they are not restarted.
    const chosen = selectSlots(slots.map((j) => state.lambdas[j]), feature, xe, slots.map((j) => state.caps[j]));
    slots.forEach((j, s) => { slotRows[j] = rows[chosen[s]]; });
    if (restarting) {
      const lambda = state.rng.uniform(state.config.restartLambdaMin, state.config.restartLambdaMax);
      // From the whole archive (every prompt evaluated so far) or from this iteration's candidates.
      const row = state.config.restartArchive ? restartPick(lambda, F, X) : rows[restartPick(lambda, feature, xe)];
      for (const j of slots) if (!Number.isFinite(state.caps[j])) slotRows[j] = row;
      first ??= { lambda, row };
      state.stats.restarts++;
    }
  }
  state.slots = state.slots.map((old, j) => {
    const row = slotRows[j];
    return row === old.row ? { row, topK: old.topK, isNew: false } : { row, topK: null, isNew: true };
  });
  return first;
}

/** Scores the initial population and fills the slots (every slot new, no top-k yet). */
async function initialize(
  state: RunState, backend: EpoBackend, tokenizer: Tokenizer, allowedIds: Int32Array,
  ctx: { rng: RunState['rng']; cache: RunState['cache']; checker: PromptChecker }, checkCancel: () => void,
  provide?: RunEpoOptions['initialPrompts'],
): Promise<void> {
  const cfg = state.config, m = cfg.population;
  let prompts: Int32Array[];
  if (cfg.initialPrompt) {
    const p = Int32Array.from(cfg.initialPrompt);
    p.forEach((id, i) => {
      if (!(id < backend.vocabRows && backend.allowed[id])) {
        throw new EpoConfigError(`initialPrompt[${i}] = ${id} is not a token EPO may use (special, control, or outside the vocabulary)`);
      }
    });
    const verdict = ctx.checker.check(p);
    if (verdict !== 'ok') {
      const text = JSON.stringify(tokenizer.decode(cfg.initialPrompt));
      throw new EpoConfigError(verdict === 'banned'
        ? `initialPrompt ${text} contains banned text`
        : `initialPrompt ${text} does not survive decode→encode (pass retokenize: false to allow such prompts)`);
    }
    prompts = [p];
  } else if (provide) {
    const accept = (ids: Int32Array) => ids.every((id) => id < backend.vocabRows && backend.allowed[id] === 1) && ctx.checker.check(ids) === 'ok';
    prompts = await provide(m, cfg.seqLen, accept);
    const keys = new Set(prompts.map(promptKey));
    if (prompts.length !== m || keys.size !== m || prompts.some((p) => p.length !== cfg.seqLen || !accept(p))) {
      throw new EpoConfigError(`initialPrompts must give ${m} distinct prompts of ${cfg.seqLen} allowed tokens that pass the prompt checks`);
    }
  } else {
    const drawn = randomInitialPrompts(m, cfg.seqLen, allowedIds, ctx);
    addCounts(state.stats, drawn.counts);
    prompts = drawn.prompts;
  }
  const t0 = now();
  const rows: number[] = [];
  await scoreBatched(backend, prompts, cfg.batchSize, checkCancel, (first, feature, xe) => {
    for (let i = 0; i < feature.length; i++) rows.push(state.record(prompts[first + i], feature[i], xe[i], INITIAL_ITERATION, -1));
  });
  state.timings.scoringMs += now() - t0;
  state.slots = Array.from({ length: m }, (_, j) => ({ row: rows[prompts.length === 1 ? 0 : j], topK: null, isNew: true }));
  state.nextIteration = 0;
}
