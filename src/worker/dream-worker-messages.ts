/**
 * Engine values → panel protocol messages (src/protocol/panel.ts), pure functions for the dream
 * worker. Panel indices are a run's history rows shifted by the run's `base` (its offset in the
 * session's shared index space).
 */
import type {
  Attribution, IterationMessage, ModelInfo, PointBatch, PopulationRow, RunConfig, RunStats, TokenAttribution,
} from '../protocol/panel';
import type { Attribution as EngineAttribution, Substitute as EngineSubstitute } from '../engine/epo/attribution';
import type { EpoConfig } from '../engine/epo/config';
import { slotLambdas } from '../engine/epo/config';
import type { EvalHistory } from '../engine/epo/history';
import type { Checkpoint } from '../engine/epo/checkpoint';
import type { EpoIterationEvent, EpoStats, PopulationMember } from '../engine/epo/types';
import type { Tokenizer } from '../engine/tokenizers/tokenizer';
import type { LoadedModel } from '../engine/models/load';

export const emptyBatch = (): PointBatch => ({ feature: [], xe: [], iteration: [], historyIndex: [] });

export function modelInfoOf(model: Pick<LoadedModel, 'id' | 'arch'>): ModelInfo {
  return { id: model.id, layers: model.arch.numLayers, dModel: model.arch.hiddenSize, vocab: model.arch.vocabSize };
}

export function runConfigOf(c: EpoConfig, topKUsed?: number): RunConfig {
  const out: RunConfig = {
    iterations: c.iterations, population: c.population, childrenPerMember: c.childrenPerMember, topK: c.topK, seqLen: c.seqLen,
    restartEvery: c.restartEvery, lambdaMin: c.lambdaMin, lambdaMax: c.lambdaMax, restartLambdaMin: c.restartLambdaMin,
    restartLambdaMax: c.restartLambdaMax, seed: c.seed, batchSize: c.batchSize, retokenize: c.retokenize, bannedText: [...c.bannedText],
    modelShare: c.modelShare, shiftShare: c.shiftShare, islands: c.islands, cappedSlots: c.cappedSlots, xeCapMin: c.xeCapMin, xeCapMax: c.xeCapMax,
  };
  if (topKUsed !== undefined) out.topKUsed = topKUsed;
  return out;
}

/** Rows [from, to) of a history as a point batch (non-finite values left out: they can be neither drawn nor on the frontier). */
export function pointBatch(history: EvalHistory, from: number, to: number, base: number): PointBatch {
  const { feature, xe, iteration } = history.columns();
  const out = emptyBatch();
  for (let r = from; r < to; r++) {
    if (!Number.isFinite(feature[r]) || !Number.isFinite(xe[r])) continue;
    out.feature.push(feature[r]);
    out.xe.push(xe[r]);
    out.iteration.push(iteration[r]);
    out.historyIndex.push(base + r);
  }
  return out;
}

export function appendBatch(into: PointBatch, b: PointBatch): void {
  for (let i = 0; i < b.xe.length; i++) {
    into.feature.push(b.feature[i]);
    into.xe.push(b.xe[i]);
    into.iteration.push(b.iteration[i]);
    into.historyIndex.push(b.historyIndex[i]);
  }
}

export function tokenStrings(tokenizer: Tokenizer, ids: readonly number[]): string[] {
  return ids.map((id) => tokenizer.tokenText(id));
}

export function populationRows(members: readonly PopulationMember[], base: number, tokenizer: Tokenizer): PopulationRow[] {
  return members.map((m) => ({
    slot: m.slot, lambda: m.lambda, ids: m.ids, tokens: tokenStrings(tokenizer, m.ids), text: m.text,
    feature: m.feature, xe: m.xe, isNew: m.isNew, historyIndex: base + m.row,
  }));
}

export function statsOf(s: EpoStats, bestAtXe4: number | null, bestAtXe6: number | null): RunStats {
  return {
    evaluations: s.evaluations, cacheHits: s.cacheHits, rejections: s.rejectedBanned + s.rejectedRetokenize, restarts: s.restarts,
    bestAtXe4, bestAtXe6,
  };
}

export function iterationMessage(e: EpoIterationEvent, base: number, tokenizer: Tokenizer, points: PointBatch, iterationsPerSecond: number): IterationMessage {
  return {
    type: 'iteration',
    iteration: e.iteration,
    iterations: e.iterations,
    restart: e.restart ? { lambda: e.restart.lambda, historyIndex: base + e.restart.row } : null,
    population: populationRows(e.population, base, tokenizer),
    points,
    timings: { ...e.timings },
    stats: statsOf(e.totals, e.bestFeatureXeBelow4, e.bestFeatureXeBelow6),
    iterationsPerSecond: Number.isFinite(iterationsPerSecond) ? iterationsPerSecond : 0,
  };
}

/** Best feature among the first `count` rows with XE below `limit`, or null. */
export function bestBelow(history: EvalHistory, count: number, limit: number): number | null {
  const { feature, xe } = history.columns();
  let b = -Infinity;
  for (let r = 0; r < count; r++) if (Number.isFinite(feature[r]) && xe[r] < limit && feature[r] > b) b = feature[r];
  return Number.isFinite(b) ? b : null;
}

/** Members for slot rows of a history (the initial population, or a checkpoint's slots). */
export function membersAt(history: EvalHistory, config: EpoConfig, rows: readonly { row: number; isNew: boolean }[], tokenizer: Tokenizer): PopulationMember[] {
  const lambdas = slotLambdas(config);
  return rows.map((s, slot) => {
    const ids = history.ids(s.row);
    return { slot, lambda: lambdas[slot], ids, text: tokenizer.decode(ids), feature: history.feature(s.row), xe: history.xe(s.row), row: s.row, isNew: s.isNew };
  });
}

/**
 * An iteration message for slot rows of a history, without timings or new points: the initial
 * population (iteration -1), or a run's final population when no iteration message carried it.
 */
export function snapshotIteration(
  history: EvalHistory, config: EpoConfig, rows: readonly { row: number; isNew: boolean }[], base: number, tokenizer: Tokenizer, iteration: number,
): IterationMessage {
  const members = membersAt(history, config, rows, tokenizer);
  return {
    type: 'iteration', iteration, iterations: config.iterations, restart: null,
    population: populationRows(members, base, tokenizer), points: emptyBatch(),
    timings: { gradientMs: 0, proposalMs: 0, scoringMs: 0, selectionMs: 0, totalMs: 0 },
    stats: {
      evaluations: history.size, cacheHits: 0, rejections: 0, restarts: 0,
      bestAtXe4: bestBelow(history, history.size, 4), bestAtXe6: bestBelow(history, history.size, 6),
    },
    iterationsPerSecond: 0,
  };
}

/**
 * The iteration message a restored run shows until it moves on: its population as of the
 * checkpoint, average timings, no new points.
 */
export function iterationFromCheckpoint(cp: Checkpoint, history: EvalHistory, base: number, tokenizer: Tokenizer): IterationMessage {
  const done = cp.nextIteration;
  const per = (ms: number) => (done > 0 ? ms / done : 0);
  const members = membersAt(history, cp.config, cp.population, tokenizer);
  return {
    type: 'iteration',
    iteration: done - 1,
    iterations: cp.config.iterations,
    restart: null,
    population: populationRows(members, base, tokenizer),
    points: emptyBatch(),
    timings: {
      gradientMs: per(cp.timings.gradientMs), proposalMs: per(cp.timings.proposalMs), scoringMs: per(cp.timings.scoringMs),
      selectionMs: per(cp.timings.selectionMs), totalMs: per(cp.timings.totalMs),
    },
    stats: statsOf(cp.stats, bestBelow(history, history.size, 4), bestBelow(history, history.size, 6)),
    iterationsPerSecond: 0,
  };
}

const finiteOr = (v: number, fallback: number) => (Number.isFinite(v) ? v : fallback);

/** The engine's attribution in the panel's terms (drops relative unless the baseline is ~0). */
export function attributionMessage(a: EngineAttribution): Attribution {
  const sub = (s: EngineSubstitute) => ({ token: s.text, id: s.id, value: finiteOr(s.feature, 0) });
  const tokens = a.tokens.map((t): TokenAttribution => {
    const out: TokenAttribution = {
      token: t.text,
      id: t.id,
      nll: t.nll === null || !Number.isFinite(t.nll) ? null : t.nll,
      // A position with no substitute to try (tiny vocabularies) shows no drop.
      largestDrop: finiteOr(t.largestDrop ?? 0, 0),
      smallestDrop: finiteOr(t.smallestDrop ?? 0, 0),
      worst: t.worst ? sub(t.worst) : { token: t.text, id: t.id, value: finiteOr(a.baseline, 0) },
      best: t.best.map(sub),
    };
    if (Number.isFinite(t.saliency)) out.saliency = Math.abs(t.saliency);
    return out;
  });
  return { ids: a.ids, text: a.text, baseline: finiteOr(a.baseline, 0), xe: finiteOr(a.xe, 0), relative: !a.absolute, tokens };
}
