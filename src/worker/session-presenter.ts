/**
 * The panel's view of a dream session: engine events and session state turned into panel protocol
 * messages (src/protocol/panel.ts). The run controller (dream-worker-session.ts) decides what
 * happens; this file decides what the panel is told, and keeps each run's `sent` (the history rows
 * the panel has) and `last` (its latest iteration, replayed to a reloaded webview).
 */
import type { DatasetMessage, HistoryMessage, HostMessage, InitMessage, IterationMessage, PointMessage, RunStateName } from '../protocol/panel';
import { PANEL_PROTOCOL_VERSION } from '../protocol/panel';
import { EpoConfig, slotLambdas } from '../engine/epo/config';
import type { EvalHistory } from '../engine/epo/history';
import type { EpoIterationEvent } from '../engine/epo/types';
import { nonDominated } from '../engine/epo/frontier';
import type { Tokenizer } from '../engine/tokenizers/tokenizer';
import { appendBatch, emptyBatch, iterationMessage, modelInfoOf, pointBatch, runConfigOf, snapshotIteration, tokenStrings } from './dream-worker-messages';
import { currentRun, locate, RunSlot, SessionState } from './session-state';

/** Iterations per second over the last ten iterations. */
export class RateMeter {
  private times: number[] = [];
  tick(): number {
    const now = performance.now();
    this.times.push(now);
    if (this.times.length > 11) this.times.shift();
    if (this.times.length < 2) return 0;
    return (this.times.length - 1) / ((now - this.times[0]) / 1000);
  }
}

/** The scored initial population, as iteration -1 (every row new), with all its points. */
export function presentInitial(slot: RunSlot, history: EvalHistory, tokenizer: Tokenizer): IterationMessage {
  const rows = Array.from({ length: slot.config.population }, (_, j) => ({ row: slot.config.initialPrompt ? 0 : j, isNew: true }));
  slot.sent = slot.size = history.size;
  const msg = { ...snapshotIteration(history, slot.config, rows, slot.base, tokenizer, -1), points: pointBatch(history, 0, history.size, slot.base) };
  slot.last = { ...msg, points: emptyBatch() };
  return msg;
}

/**
 * A completed iteration: its population and the points scored since the last message. `history`
 * is the session's copy of the run's history, which must agree with the run's own.
 */
export function presentIteration(slot: RunSlot, history: EvalHistory, e: EpoIterationEvent, tokenizer: Tokenizer, rate: number): IterationMessage {
  if (history.size < e.historySize) throw new Error(`internal: the session's copy of the history has ${history.size} rows, the run ${e.historySize}`);
  for (const m of e.population) {
    if (history.feature(m.row) !== m.feature && !(Number.isNaN(m.feature) && Number.isNaN(history.feature(m.row)))) {
      throw new Error(`internal: the session's copy of history row ${m.row} disagrees with the run`);
    }
  }
  const points = pointBatch(history, slot.sent, e.historySize, slot.base);
  slot.sent = slot.size = e.historySize;
  const msg = iterationMessage(e, slot.base, tokenizer, points, rate);
  slot.last = { ...msg, points: emptyBatch() };
  return msg;
}

/** `config`: the config of a run not started yet (shown before the first iteration). */
export function initMessage(s: SessionState, config: EpoConfig): InitMessage {
  const cur = currentRun(s);
  const f = s.feature.meta;
  const shown = cur?.config ?? config;
  const model = s.model ? modelInfoOf(s.model) : {
    id: s.savedModel?.id ?? 'unknown', layers: s.savedModel?.layers ?? 0, dModel: s.savedModel?.dModel ?? 0, vocab: s.savedModel?.vocab ?? 0,
  };
  const init: InitMessage = {
    type: 'init', protocol: PANEL_PROTOCOL_VERSION, runId: s.id, mode: s.mode,
    feature: { name: f.name, description: f.description, ...(f.file ? { file: f.file } : {}) },
    model, config: runConfigOf(shown, cur?.topKUsed), lambdas: slotLambdas(shown),
  };
  if (s.model) init.device = s.device;
  return init;
}

/** Every point the panel has been sent, over all runs, with the frontier over them. */
export function historyMessage(s: SessionState): HistoryMessage {
  const points = emptyBatch();
  for (const r of s.runs) {
    if (r.history) appendBatch(points, pointBatch(r.history, 0, Math.min(r.sent, r.history.size), r.base));
    else {
      for (const p of [...r.savedPoints].sort((a, b) => a.row - b.row)) {
        if (!Number.isFinite(p.feature) || !Number.isFinite(p.xe)) continue;
        points.feature.push(p.feature);
        points.xe.push(p.xe);
        points.iteration.push(p.iteration);
        points.historyIndex.push(r.base + p.row);
      }
    }
  }
  const frontier = nonDominated(points.feature, points.xe).map((i) => points.historyIndex[i]);
  const cur = currentRun(s);
  return { type: 'history', points, frontier, iterationsDone: cur ? cur.record.iterationsDone - 1 : -1 };
}

export function datasetMessage(s: SessionState): DatasetMessage | null {
  const d = s.dataset.filter((p) => Number.isFinite(p.feature) && Number.isFinite(p.xe));
  if (!d.length) return null;
  const sources = [...new Set(d.map((p) => p.source))];
  const tok = s.model?.tokenizer;
  return {
    type: 'dataset', source: sources.join(', '), feature: d.map((p) => p.feature), xe: d.map((p) => p.xe), text: d.map((p) => p.text),
    ...(tok ? { ids: d.map((p) => p.ids), tokens: d.map((p) => tokenStrings(tok, p.ids)) } : {}),
  };
}

/** What a webview needs after `ready`, in protocol order. */
export function replayMessages(s: SessionState, config: EpoConfig): HostMessage[] {
  const out: HostMessage[] = [initMessage(s, config), historyMessage(s)];
  const cur = currentRun(s);
  if (cur?.last) out.push(cur.last);
  const state: RunStateName = cur?.record.state ?? (s.mode === 'saved' ? 'done' : 'running');
  out.push(cur?.error && state === 'error' ? { type: 'runState', state, message: cur.error } : { type: 'runState', state });
  const ds = datasetMessage(s);
  if (ds) out.push(ds);
  return out;
}

/** One point's prompt: from the history where the run kept it, else from the saved frontier. */
export function pointMessage(s: SessionState, historyIndex: number): PointMessage {
  const { slot, row } = locate(s, historyIndex);
  const saved = slot.savedPoints.find((p) => p.row === row);
  const h = slot.history;
  const tok = s.model?.tokenizer;
  if (h && row < h.size) {
    const ids = h.ids(row);
    const text = tok ? tok.decode(ids) : saved?.text;
    const tokens = tok ? tokenStrings(tok, ids) : saved?.tokens;
    if (text === undefined || tokens === undefined) throw new Error(`the text of point ${historyIndex} needs the model, which is not loaded`);
    const parent = h.parent(row);
    return {
      type: 'point', historyIndex, ids, tokens, text, feature: h.feature(row), xe: h.xe(row), iteration: h.iteration(row),
      ...(parent >= 0 ? { parentIds: h.ids(parent) } : {}),
    };
  }
  if (saved) {
    const tokens = saved.tokens ?? (tok ? tokenStrings(tok, saved.ids) : undefined);
    if (!tokens) throw new Error(`the tokens of point ${historyIndex} need the model, which is not loaded`);
    return { type: 'point', historyIndex, ids: saved.ids, tokens, text: saved.text, feature: saved.feature, xe: saved.xe, iteration: saved.iteration };
  }
  throw new Error(`point ${historyIndex} was not saved (the file holds only the frontier of that run)`);
}
