/**
 * What a dream session holds, shared by its run controller (dream-worker-session.ts), its presenter
 * (session-presenter.ts) and its saving (session-save.ts): the runs of one panel, each a slot in
 * one index space (a run's history rows shifted by the rows of the runs before it).
 */
import type { IterationMessage } from '../protocol/panel';
import type { EpoConfig } from '../engine/epo/config';
import { EvalHistory } from '../engine/epo/history';
import { Checkpoint, loadCheckpoint } from '../engine/epo/checkpoint';
import type { LoadedModel } from '../engine/models/load';
import { decompressHistory, DatasetPoint, FrontierFile, FrontierFilePoint } from '../engine/frontier-file';
import type { SessionFeature } from './dream-worker-features';
import type { EpoBackend } from '../engine/epo/backend';
import type { Tokenizer } from '../engine/tokenizers/tokenizer';
import { iterationFromCheckpoint } from './dream-worker-messages';
import type { RunRecord } from './worker-protocol';

/** A run under way: how to stop it and why it was stopped. */
export interface ActiveRun {
  controller: AbortController;
  reason?: 'pause' | 'stop' | 'close';
  finished: Promise<void>;
}

export interface RunSlot {
  record: RunRecord;
  config: EpoConfig;
  /** Offset of this run's rows in the session's index space. */
  base: number;
  /** Null for a run loaded from a frontier file saved without histories. */
  history: EvalHistory | null;
  /** History rows the panel has been sent (those of completed iterations). */
  sent: number;
  /** Rows this run occupies in the index space (its evaluations). */
  size: number;
  /** Frontier points of a run loaded from a file (texts and tokens without the model). */
  savedPoints: FrontierFilePoint[];
  topKUsed?: number;
  cancelled: boolean;
  last: IterationMessage | null;
  checkpoint: Checkpoint | null;
  active?: ActiveRun;
  error?: string;
}

export interface SessionState {
  readonly id: string;
  mode: 'live' | 'saved';
  readonly model: LoadedModel | null;
  readonly feature: SessionFeature;
  readonly runs: RunSlot[];
  /** Dataset examples shown beside the dream (scanned, or read from a saved file). */
  dataset: DatasetPoint[];
  /** The model a saved file names, for a panel opened without it. */
  savedModel: FrontierFile['model'] | null;
  /** The provider the last run's session ran on. */
  device: string;
}

export const currentRun = (s: Pick<SessionState, 'runs'>): RunSlot | undefined => s.runs[s.runs.length - 1];

/** Where the next run's rows start in the index space. */
export const nextBase = (s: Pick<SessionState, 'runs'>): number => s.runs.reduce((sum, r) => sum + r.size, 0);

/** A run and its row for a panel index. */
export function locate(s: Pick<SessionState, 'runs'>, historyIndex: number): { slot: RunSlot; row: number } {
  for (const slot of s.runs) {
    if (historyIndex >= slot.base && historyIndex < slot.base + Math.max(slot.size, slot.sent)) return { slot, row: historyIndex - slot.base };
  }
  throw new Error(`no point ${historyIndex} in this panel`);
}

/** A new run's slot with an empty history, at the end of the index space. */
export function newRunSlot(s: Pick<SessionState, 'runs'>, record: RunRecord, config: EpoConfig): RunSlot {
  return {
    record, config, base: nextBase(s), history: new EvalHistory(config.seqLen), sent: 0, size: 0,
    savedPoints: [], cancelled: false, last: null, checkpoint: null,
  };
}

/** The runs of a saved frontier file, in its order (histories only where the file kept them). */
export function runSlotsOfFile(file: FrontierFile, path: string): RunSlot[] {
  let base = 0;
  return file.runs.map((r, k) => {
    const history = r.history ? decompressHistory(r.history, `${path}: runs[${k}].history`) : null;
    const slot: RunSlot = {
      record: { id: r.id, seed: r.seed, state: r.cancelled ? 'stopped' : 'done', iterationsDone: r.iterationsDone, iterations: r.config.iterations },
      config: r.config, base, history, sent: history?.size ?? r.evaluations, size: r.evaluations,
      savedPoints: file.frontier.filter((p) => p.run === k), cancelled: r.cancelled, last: null, checkpoint: null,
    };
    base += r.evaluations;
    return slot;
  });
}

/**
 * The runs of a panel restored after a reload, each from its checkpoint (a run that was under way
 * comes back paused); a run whose checkpoint is missing or unreadable is left out with a warning.
 */
export async function restoreRunSlots(s: Pick<SessionState, 'runs'>, records: RunRecord[], tokenizer: Tokenizer, warnings: string[]): Promise<RunSlot[]> {
  const out: RunSlot[] = [];
  for (const rec of records) {
    if (!rec.checkpointPath) {
      warnings.push(`run with seed ${rec.seed} had no checkpoint and cannot be restored`);
      continue;
    }
    let cp: Checkpoint;
    try {
      cp = await loadCheckpoint(rec.checkpointPath);
    } catch (e) {
      warnings.push(`run with seed ${rec.seed} cannot be restored: ${(e as Error).message}`);
      continue;
    }
    out.push(runSlotOfCheckpoint({ runs: [...s.runs, ...out] }, rec, cp, tokenizer));
  }
  return out;
}

function runSlotOfCheckpoint(s: Pick<SessionState, 'runs'>, rec: RunRecord, cp: Checkpoint, tokenizer: Tokenizer): RunSlot {
  const history = EvalHistory.deserialize(cp.history, rec.checkpointPath);
  const base = nextBase(s);
  const slot: RunSlot = {
    record: { ...rec, iterationsDone: cp.nextIteration, iterations: cp.config.iterations },
    config: cp.config, base, history, sent: history.size, size: history.size, savedPoints: [], topKUsed: cp.topKUsed,
    cancelled: rec.state !== 'done', last: cp.nextIteration > 0 ? iterationFromCheckpoint(cp, history, base, tokenizer) : null, checkpoint: cp,
  };
  if (rec.state === 'running') slot.record.state = 'paused';
  return slot;
}

/**
 * The session's copy of a running run's history. The run's own history lives inside `dream()`;
 * wrapping its backend makes every scored prompt the next row here, in order, so each iteration's
 * new points can be sent as a delta while the run goes on.
 */
export class HistoryCopy {
  /**
   * @param iteration the iteration whose prompts are being scored (-1: the initial population)
   * @param onInitial called when the initial population has been scored (the first top-k call)
   */
  constructor(readonly history: EvalHistory, public iteration: number, private readonly onInitial: () => void) {}

  wrap(b: EpoBackend): EpoBackend {
    return {
      vocabRows: b.vocabRows,
      allowed: b.allowed,
      score: async (prompts) => {
        const out = await b.score(prompts);
        prompts.forEach((p, i) => this.history.append(p, out.feature[i], out.xe[i], this.iteration, -1));
        return out;
      },
      topK: async (prompts, lambdas, k, fromModel) => {
        if (this.iteration === -1) {
          this.onInitial();
          this.iteration = 0;
        }
        return b.topK(prompts, lambdas, k, fromModel);
      },
      saliency: (p) => b.saliency(p),
    };
  }
}
