/**
 * The panel's state, updated by host messages and user actions, with no DOM: `apply` returns which
 * parts changed (so the views redraw only those, once per animation frame), and user actions return
 * the messages to post (so the host traffic is testable without a browser).
 *
 * Per-iteration cost is O(new points + population), never O(run): points go into typed columns,
 * the frontier is maintained incrementally, and texts are fetched per point on demand and cached.
 */
import type {
  Attribution, DatasetMessage, HostMessage, InitMessage, IterationTimings, NoticeMessage, PointMessage,
  PopulationRow, RunConfig, RunStateName, RunStats, WebviewMessage,
} from '../src/protocol/panel';
import { slotCaps } from '../src/engine/epo/config';
import { Lru } from './lru';
import { PointStore } from './points';
import { idsKey, sameIds, TokenMark, tokenMarks } from './token-diff';

/** Bits of `PanelModel.apply`'s result. */
export const Dirty = {
  run: 1,
  population: 2,
  points: 4,
  stats: 8,
  runState: 16,
  selection: 32,
  attribution: 64,
  point: 128,
  dataset: 256,
  notice: 512,
  all: 1023,
} as const;

export interface SelectedPrompt {
  ids: number[];
  tokens: string[];
  text: string;
  feature: number;
  xe: number;
  /** Where it was picked, for the Tokens header ("slot 3 · λ 0.72", "iteration 17"). */
  origin: string;
  historyIndex?: number;
  /**
   * The prompt this one was made from by one move, so the Tokens view can mark what the move did:
   * a point's parent in the run's history, or a population row's previous prompt in its slot.
   */
  before?: { ids: number[]; what: string };
}

export type AttributionState =
  | { state: 'none' }
  | { state: 'pending'; key: string }
  | { state: 'ready'; data: Attribution }
  | { state: 'error'; key: string; message: string };

/** Each slot's XE cap in a run's config (Infinity: the slot minimises −f + λ·XE); EpoConfig.cappedSlots. */
export function runCaps(c: RunConfig): number[] {
  return slotCaps({ population: c.population, cappedSlots: c.cappedSlots ?? 0, xeCapMin: c.xeCapMin ?? 0, xeCapMax: c.xeCapMax ?? 0 });
}

/** Where the current population stood at the end of an iteration (for replaying the chart). */
export interface PopulationTrail {
  xe: Float64Array;
  feature: Float64Array;
}

const POINT_CACHE = 512;
const ATTRIBUTION_CACHE = 32;
const NOTICES_KEPT = 3;

export class PanelModel {
  init: InitMessage | null = null;
  readonly points = new PointStore();
  population: PopulationRow[] = [];
  /** Per population row, what the latest iteration did to each token position. */
  marks: TokenMark[][] = [];
  /** Per population row, the slot's prompt before the latest iteration (what `marks` compares with). */
  private previousIds: (number[] | undefined)[] = [];
  /** Latest iteration reported (-1: initial population; null: none yet). */
  iteration: number | null = null;
  iterations = 0;
  restart: { lambda: number; historyIndex: number } | null = null;
  /** Iteration of the most recent restart, if any. */
  lastRestartIteration: number | null = null;
  timings: IterationTimings | null = null;
  stats: RunStats | null = null;
  iterationsPerSecond = 0;
  runState: RunStateName = 'running';
  runMessage: string | undefined;
  dataset: DatasetMessage | null = null;
  readonly trail = new Map<number, PopulationTrail>();
  selection: SelectedPrompt | null = null;
  attribution: AttributionState = { state: 'none' };
  notices: NoticeMessage[] = [];
  /** Set when the host's frontier disagrees with the one computed here (a bug on one side). */
  frontierMismatch: string | null = null;

  readonly pointCache = new Lru<number, PointMessage>(POINT_CACHE);
  private attributionCache = new Lru<string, Attribution>(ATTRIBUTION_CACHE);
  private requested = new Set<number>();
  /** History index whose text is awaited to be selected on arrival. */
  private pendingSelect: number | null = null;

  apply(msg: HostMessage): number {
    switch (msg.type) {
      case 'init': return this.onInit(msg);
      case 'iteration': return this.onIteration(msg);
      case 'history': return this.onHistory(msg.points, msg.frontier, msg.iterationsDone);
      case 'point': return this.onPoint(msg);
      case 'attribution': return this.onAttribution(msg.attribution);
      case 'runState':
        this.runState = msg.state;
        this.runMessage = msg.message;
        return Dirty.runState;
      case 'dataset':
        this.dataset = msg;
        return Dirty.dataset;
      case 'notice': return this.onNotice(msg);
    }
  }

  private onInit(msg: InitMessage): number {
    const sameRun = this.init?.runId === msg.runId;
    this.init = msg;
    this.iterations = msg.config.iterations;
    // A host re-sends init after a reload, then history: start from nothing either way.
    this.points.clear();
    this.trail.clear();
    this.population = [];
    this.marks = [];
    this.previousIds = [];
    this.iteration = null;
    this.restart = null;
    this.lastRestartIteration = null;
    this.timings = null;
    this.stats = null;
    this.iterationsPerSecond = 0;
    this.runState = msg.mode === 'saved' ? 'done' : 'running';
    this.runMessage = undefined;
    this.dataset = null;
    this.notices = [];
    this.frontierMismatch = null;
    this.requested.clear();
    this.pendingSelect = null;
    if (!sameRun) {
      this.pointCache.clear();
      this.attributionCache.clear();
      // A selection restored from saved UI state survives only into the run it was made in.
      if (this.restoredRunId !== msg.runId) {
        this.selection = null;
        this.attribution = { state: 'none' };
      }
    }
    return Dirty.all;
  }

  /** The run the restored UI state belongs to (see `restore`). */
  private restoredRunId: string | null = null;

  /** Re-applies a selection saved with `vscode.setState` before a reload. */
  restore(runId: string | null, selection: SelectedPrompt | null, attribution: Attribution | null): void {
    this.restoredRunId = runId;
    this.selection = selection;
    if (selection && attribution && idsKey(attribution.ids) === idsKey(selection.ids)) {
      this.attributionCache.set(idsKey(attribution.ids), attribution);
      this.attribution = { state: 'ready', data: attribution };
    }
  }

  private onIteration(msg: Extract<HostMessage, { type: 'iteration' }>): number {
    let dirty = Dirty.population | Dirty.stats;
    if (this.iteration !== null && msg.iteration < this.iteration) {
      // Iterations went back: another run of the same feature ("run again") has started.
      this.trail.clear();
      this.lastRestartIteration = null;
    }
    if (msg.points.xe.length) {
      this.points.append(msg.points);
      dirty |= Dirty.points;
    }
    this.points.closeIteration(msg.iteration);

    const previous = new Map(this.population.map((r) => [r.slot, r.ids]));
    this.previousIds = msg.population.map((r) => previous.get(r.slot));
    this.marks = msg.population.map((r, k) => tokenMarks(this.previousIds[k], r.ids));
    this.population = msg.population;
    const xe = new Float64Array(msg.population.length), feature = new Float64Array(msg.population.length);
    msg.population.forEach((r, k) => { xe[k] = r.xe; feature[k] = r.feature; });
    this.trail.set(msg.iteration, { xe, feature });

    if (this.iteration === null || msg.iteration !== this.iteration) dirty |= Dirty.points; // slider range
    this.iteration = msg.iteration;
    this.iterations = msg.iterations;
    this.restart = msg.restart;
    if (msg.restart) this.lastRestartIteration = msg.iteration;
    this.timings = msg.timings;
    this.stats = msg.stats;
    this.iterationsPerSecond = msg.iterationsPerSecond;
    return dirty;
  }

  private onHistory(batch: Extract<HostMessage, { type: 'history' }>['points'], frontier: number[], iterationsDone: number): number {
    this.points.clear();
    this.points.append(batch);
    if (batch.iteration.length) this.points.closeIteration(batch.iteration[batch.iteration.length - 1]);
    if (this.iteration === null || iterationsDone > this.iteration) this.iteration = iterationsDone;
    const mine = [...this.points.frontier.indices()].map((i) => this.points.historyIndex[i]).sort((a, b) => a - b);
    const theirs = [...frontier].sort((a, b) => a - b);
    this.frontierMismatch = mine.length === theirs.length && mine.every((h, i) => h === theirs[i])
      ? null
      : `host frontier has ${theirs.length} points, webview computed ${mine.length} (first differences: ${
        mine.filter((h) => !theirs.includes(h)).slice(0, 5).join(', ') || '—'} / ${theirs.filter((h) => !mine.includes(h)).slice(0, 5).join(', ') || '—'})`;
    return Dirty.points | Dirty.stats;
  }

  private onPoint(msg: PointMessage): number {
    this.pointCache.set(msg.historyIndex, msg);
    this.requested.delete(msg.historyIndex);
    let dirty = Dirty.point;
    if (this.pendingSelect === msg.historyIndex) {
      this.pendingSelect = null;
      dirty |= Dirty.selection | Dirty.attribution;
      this.pendingOut.push(...this.select(this.fromPoint(msg)));
    }
    return dirty;
  }

  /** Messages the model needs posted as a consequence of a host message (drained by the controller). */
  pendingOut: WebviewMessage[] = [];

  private onAttribution(a: Attribution): number {
    const key = idsKey(a.ids);
    this.attributionCache.set(key, a);
    if (this.selection && idsKey(this.selection.ids) === key) {
      this.attribution = { state: 'ready', data: a };
      return Dirty.attribution;
    }
    return 0;
  }

  private onNotice(msg: NoticeMessage): number {
    this.notices = [...this.notices, msg].slice(-NOTICES_KEPT);
    let dirty = Dirty.notice;
    if (msg.about === 'attribution' && msg.level === 'error' && this.attribution.state === 'pending') {
      this.attribution = { state: 'error', key: this.attribution.key, message: msg.message };
      dirty |= Dirty.attribution;
    }
    if (msg.about === 'point' && msg.level === 'error') {
      this.requested.clear();
      this.pendingSelect = null;
    }
    return dirty;
  }

  dismissNotice(index: number): void {
    this.notices = this.notices.filter((_, i) => i !== index);
  }

  // ─── user actions: each returns what to post ────────────────────────────────────────────────

  /** Click on a population row. */
  selectRow(slot: number): WebviewMessage[] {
    const k = this.population.findIndex((r) => r.slot === slot);
    if (k < 0) return [];
    const row = this.population[k], before = this.previousIds[k];
    // Iterations are shown 1-based everywhere ("iteration 1" is the first), as in the header's progress.
    const at = this.iteration === null || this.iteration < 0 ? 'initial population' : `iteration ${this.iteration + 1}`;
    return this.select({
      ids: row.ids, tokens: row.tokens, text: row.text, feature: row.feature, xe: row.xe,
      origin: `slot ${row.slot} · ${at}`, historyIndex: row.historyIndex,
      ...(before && !sameIds(before, row.ids) ? { before: { ids: before, what: `slot ${row.slot}'s previous prompt` } } : {}),
    });
  }

  /** Click on a point of the chart (its index in `points`). */
  selectPoint(index: number): WebviewMessage[] {
    if (index < 0 || index >= this.points.length) return [];
    const h = this.points.historyIndex[index];
    const known = this.pointCache.get(h);
    if (known) return this.select(this.fromPoint(known));
    this.pendingSelect = h;
    return this.wantPoint(h);
  }

  /** Click on a dataset example (its index in the dataset message): inspectable when the host sent its ids. */
  selectDataset(index: number): WebviewMessage[] {
    const d = this.dataset;
    if (!d?.ids || !d.tokens || index < 0 || index >= d.ids.length) return [];
    return this.select({
      ids: d.ids[index], tokens: d.tokens[index], text: d.text[index], feature: d.feature[index], xe: d.xe[index],
      origin: `dataset example${d.source ? ` · ${d.source}` : ''}`,
    });
  }

  /** Hover over a point: its text, when not already cached or on its way. */
  wantPoint(historyIndex: number): WebviewMessage[] {
    if (this.pointCache.has(historyIndex) || this.requested.has(historyIndex)) return [];
    this.requested.add(historyIndex);
    return [{ type: 'requestPoint', historyIndex }];
  }

  /** Asks again for the selected prompt's attribution (after an error). */
  retryAttribution(): WebviewMessage[] {
    if (!this.selection) return [];
    this.attribution = { state: 'pending', key: idsKey(this.selection.ids) };
    return [{ type: 'inspect', ids: this.selection.ids }];
  }

  private fromPoint(p: PointMessage): SelectedPrompt {
    const at = p.iteration < 0 ? 'initial population' : `iteration ${p.iteration + 1}`;
    return {
      ids: p.ids, tokens: p.tokens, text: p.text, feature: p.feature, xe: p.xe, origin: `evaluated in ${at}`, historyIndex: p.historyIndex,
      ...(p.parentIds ? { before: { ids: p.parentIds, what: 'its parent' } } : {}),
    };
  }

  private select(s: SelectedPrompt): WebviewMessage[] {
    this.selection = s;
    const key = idsKey(s.ids);
    const cached = this.attributionCache.get(key);
    if (cached) {
      this.attribution = { state: 'ready', data: cached };
      return [];
    }
    if (this.attribution.state === 'pending' && this.attribution.key === key) return [];
    this.attribution = { state: 'pending', key };
    return [{ type: 'inspect', ids: s.ids }];
  }

  // ─── derived values ─────────────────────────────────────────────────────────────────────────

  /** Remaining seconds at the current throughput, or null when unknown. */
  eta(): number | null {
    if (this.iteration === null || !(this.iterationsPerSecond > 0) || this.runState !== 'running') return null;
    return Math.max(0, this.iterations - 1 - this.iteration) / this.iterationsPerSecond;
  }

  /** Iterations completed (the initial population counts as none). */
  done(): number {
    return this.iteration === null ? 0 : this.iteration + 1;
  }
}
