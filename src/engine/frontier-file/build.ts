/** A frontier file from live runs: each run's history, its frontier, and the merged frontier over all. */
import { createHash } from 'node:crypto';
import type { EpoConfig } from '../epo/config';
import type { EvalHistory } from '../epo/history';
import { frontierRows, mergeFrontierPoints, type FrontierPoint } from '../epo/frontier';
import { compressHistory } from './history-codec';
import { FrontierFeature, FrontierFile, FrontierFilePoint, FrontierModel, FrontierRun, DatasetPoint, FRONTIER_FORMAT, FRONTIER_VERSION } from './format';

export interface FrontierRunInput {
  id: string;
  config: EpoConfig;
  iterationsDone: number;
  cancelled: boolean;
  history: EvalHistory;
  /** Rows of `history` to keep (default all). */
  count?: number;
}

export interface BuildFrontierInput {
  feature: Omit<FrontierFeature, 'sourceTextHash'>;
  model: FrontierModel;
  runs: FrontierRunInput[];
  /** Text and per-token display strings of a prompt (the model's tokenizer). */
  describe: (ids: number[]) => { text: string; tokens: string[] };
  /** Store every run's whole history (compressed). Default true. */
  includeHistories?: boolean;
  dataset?: DatasetPoint[];
  now?: Date;
}

function best(history: EvalHistory, count: number, below: number): number | null {
  let b = -Infinity;
  for (let i = 0; i < count; i++) {
    const f = history.feature(i), x = history.xe(i);
    if (Number.isFinite(f) && x < below && f > b) b = f;
  }
  return Number.isFinite(b) ? b : null;
}

export function buildFrontierFile(input: BuildFrontierInput): FrontierFile {
  const now = (input.now ?? new Date()).toISOString();
  const runs: FrontierRun[] = input.runs.map((r) => {
    const count = r.count ?? r.history.size;
    const run: FrontierRun = {
      id: r.id, seed: r.config.seed, config: r.config, iterationsDone: r.iterationsDone, cancelled: r.cancelled,
      evaluations: count, bestFeatureXeBelow4: best(r.history, count, 4), bestFeatureXeBelow6: best(r.history, count, 6), savedAt: now,
    };
    if (input.includeHistories ?? true) run.history = compressHistory(r.history, count);
    return run;
  });
  const perRun: FrontierPoint[][] = input.runs.map((r, k) => {
    const count = r.count ?? r.history.size;
    const rows = frontierRows(r.history, Int32Array.from({ length: count }, (_, i) => i));
    return Array.from(rows, (row) => ({
      ids: r.history.ids(row), feature: r.history.feature(row), xe: r.history.xe(row), iteration: r.history.iteration(row), row, run: k,
    }));
  });
  const frontier = mergeFrontierPoints(perRun).map((p): FrontierFilePoint => {
    const { text, tokens } = input.describe(p.ids);
    return { ids: p.ids, text, tokens, feature: p.feature, xe: p.xe, iteration: p.iteration, run: p.run!, row: p.row };
  });
  const file: FrontierFile = {
    format: FRONTIER_FORMAT,
    version: FRONTIER_VERSION,
    createdAt: now,
    updatedAt: now,
    feature: { ...input.feature, sourceTextHash: createHash('sha256').update(input.feature.source).digest('hex') },
    model: input.model,
    runs,
    frontier,
  };
  if (input.dataset?.length) file.dataset = input.dataset;
  return file;
}
