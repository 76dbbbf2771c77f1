/**
 * One panel's dreaming, inside the dream worker: a feature on a model, its runs (the first and each
 * "run again"), their histories in one index space, pause/resume/stop, replay for a (re)loaded
 * webview, point texts, attribution with backends kept alive while the panel is open, checkpoints
 * into the host's folder, and Save Frontier.
 *
 * Runs go through the engine's `dream()`, as the CLI's do, with the session's backend (kept for the
 * next run and for attributions). The run's own history lives inside it; the session keeps a copy,
 * filled by a thin wrapper around the backend (every scored prompt becomes the next history row, in
 * order), so each iteration's new points can be sent as a delta. When a run ends its real history
 * replaces the copy.
 *
 * Long because: the run lifecycle, the history copy, the panel messages and saving still share one
 * class; runs are on the CLI's `dream()` now, and a presenter turning engine events into panel
 * messages (issue *One way through the house*) is what would split the rest.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type {
  DatasetMessage, HistoryMessage, HostMessage, InitMessage, IterationMessage, PointMessage, RunStateName, Attribution,
} from '../protocol/panel';
import { PANEL_PROTOCOL_VERSION } from '../protocol/panel';
import { attributePrompt, EpoBackend, EpoConfig, EvalHistory, loadCheckpoint, nonDominated, resolveConfig, slotLambdas } from '../engine/epo';
import type { Checkpoint } from '../engine/epo/checkpoint';
import { promptKey } from '../engine/epo/cache';
import { SAVED_RUN_CHECKPOINT_BUDGET } from '../engine/epo/config';
import type { LoadedModel } from '../engine/models/load';
import type { OrtDreamBackend } from '../engine/dream/backend';
import { dream, dreamBackend, dreamConfig, sessionFor, PreparedFeature } from '../engine/dream/dream';
import { LARGE_WEIGHTS_FROM, weightBytes } from '../engine/models/weights';
import {
  buildFrontierFile, decompressHistory, FrontierFile, FrontierFilePoint, DatasetPoint, saveFrontierFile, SaveOutcome,
} from '../engine/frontier-file';
import {
  appendBatch, attributionMessage, emptyBatch, iterationFromCheckpoint, iterationMessage, modelInfoOf, pointBatch, runConfigOf,
  snapshotIteration, tokenStrings,
} from './dream-worker-messages';
import { featureOfSaved, prepareSource, SessionFeature } from './dream-worker-features';
import {
  DatasetRequest, EngineOptions, ModelOptions, OpenSavedRequest, OpenSessionRequest, RunRecord, SaveRequest, SessionSummary, WorkerEvent,
} from './worker-protocol';
import { corpusLabel, datasetBaseline } from '../engine/scan';

export interface SessionDeps {
  loadModel(opts: ModelOptions & { ref: string }): Promise<LoadedModel>;
  notify(e: WorkerEvent): void;
}

interface Active {
  controller: AbortController;
  reason?: 'pause' | 'stop' | 'close';
  finished: Promise<void>;
}

interface RunSlot {
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
  active?: Active;
  error?: string;
}

const ATTRIBUTION_K = 32;

class RateMeter {
  private times: number[] = [];
  tick(): number {
    const now = performance.now();
    this.times.push(now);
    if (this.times.length > 11) this.times.shift();
    if (this.times.length < 2) return 0;
    return (this.times.length - 1) / ((now - this.times[0]) / 1000);
  }
}

export class DreamSession {
  readonly runs: RunSlot[] = [];
  readonly warnings: string[] = [];
  private readonly backends = new Map<number, OrtDreamBackend>();
  private dataset: DatasetPoint[] = [];
  private savedModel: FrontierFile['model'] | null = null;
  /** Aborts a dataset scan under way when the panel closes. */
  private readonly scanAbort = new AbortController();
  /** The user's EPO settings, for the first run. */
  private userConfig: Partial<EpoConfig> = {};
  private device: string;

  private constructor(
    readonly id: string,
    private mode: 'live' | 'saved',
    private readonly model: LoadedModel | null,
    readonly feature: SessionFeature,
    private readonly engine: EngineOptions,
    private readonly checkpointDir: string | undefined,
    private readonly deps: SessionDeps,
  ) {
    this.device = engine.provider;
  }

  // ─── opening ──────────────────────────────────────────────────────────────────────────────

  static async open(req: OpenSessionRequest, deps: SessionDeps, config: Partial<EpoConfig> = {}): Promise<DreamSession> {
    const { model, feature } = await prepareSource(req, deps);
    const s = new DreamSession(req.sessionId, 'live', model, feature, req.engine, req.checkpointDir, deps);
    s.userConfig = config;
    if (req.restore) await s.restoreRuns(req.restore.runs, req.restore.resume);
    return s;
  }

  static async openSaved(req: OpenSavedRequest, deps: SessionDeps, file: FrontierFile): Promise<DreamSession> {
    const warnings: string[] = [];
    let model: LoadedModel | null = null;
    try {
      const m = await deps.loadModel({ ...req.model, ref: file.model.id });
      const key = (files: { sha256: string }[]) => files.map((f) => f.sha256).sort().join();
      if (key(m.files) === key(file.model.files)) model = m;
      else warnings.push(`${file.model.id} on this machine is not the model these dreams were made with (its files differ), so attribution and run again are off`);
    } catch (e) {
      warnings.push(`${file.model.id} is not available (${(e as Error).message}); points off the frontier show no text, and attribution and run again are off`);
    }
    const feature = await featureOfSaved(file, model, req);
    if (feature.unavailable) warnings.push(feature.unavailable);
    const s = new DreamSession(req.sessionId, 'saved', model, feature, req.engine, req.checkpointDir, deps);
    s.warnings.push(...warnings);
    s.savedModel = file.model;
    s.dataset = file.dataset ?? [];
    let base = 0;
    file.runs.forEach((r, k) => {
      const history = r.history ? decompressHistory(r.history, `${req.path}: runs[${k}].history`) : null;
      s.runs.push({
        record: { id: r.id, seed: r.seed, state: r.cancelled ? 'stopped' : 'done', iterationsDone: r.iterationsDone, iterations: r.config.iterations },
        config: r.config, base, history, sent: history?.size ?? r.evaluations, size: r.evaluations,
        savedPoints: file.frontier.filter((p) => p.run === k), cancelled: r.cancelled, last: null, checkpoint: null,
      });
      base += r.evaluations;
    });
    return s;
  }

  summary(): SessionSummary {
    const f = this.feature.meta;
    return {
      sessionId: this.id,
      title: `${this.mode === 'saved' ? 'Frontier' : 'Dream'}: ${f.name}`,
      mode: this.mode,
      feature: { name: f.name, description: f.description, file: f.file },
      model: this.model ? { ...modelInfoOf(this.model), name: this.model.name, files: this.model.files } : null,
      runs: this.records(),
      warnings: [...this.warnings],
    };
  }

  records(): RunRecord[] {
    return this.runs.map((r) => ({ ...r.record }));
  }

  // ─── runs ─────────────────────────────────────────────────────────────────────────────────

  private get current(): RunSlot | undefined {
    return this.runs[this.runs.length - 1];
  }

  private requirePrepared(what: string): { prepared: PreparedFeature; model: LoadedModel } {
    if (!this.feature.prepared || !this.model) throw new Error(`cannot ${what}: ${this.feature.unavailable ?? 'the model is not loaded'}`);
    return { prepared: this.feature.prepared, model: this.model };
  }

  /** The config a new run gets: the feature's defaults under the user's settings. */
  private configFor(overrides: Partial<EpoConfig>): EpoConfig {
    const { prepared } = this.requirePrepared('start a run');
    return resolveConfig(dreamConfig(prepared, { ...this.userConfig, ...overrides }));
  }

  /** Starts a new run (the first, or another seed). The previous run must not be running. */
  startRun(overrides: Partial<EpoConfig> = {}): RunRecord {
    const prev = this.current;
    if (prev?.active) throw new Error('a run is in progress: stop it first');
    if (prev?.record.state === 'paused') this.finalizePaused(prev);
    const config = this.configFor(overrides);
    const id = randomUUID();
    const slot: RunSlot = {
      record: {
        id, seed: config.seed, state: 'running', iterationsDone: 0, iterations: config.iterations,
        checkpointPath: this.checkpointDir ? join(this.checkpointDir, `${this.id}-${id}.checkpoint.json`) : undefined,
      },
      config, base: this.runs.reduce((s, r) => s + r.size, 0), history: new EvalHistory(config.seqLen), sent: 0, size: 0,
      savedPoints: [], cancelled: false, last: null, checkpoint: null,
    };
    this.runs.push(slot);
    this.mode = 'live';
    // A new run re-initialises the panel (new seed) and hands it every earlier run's points again.
    if (this.runs.length > 1) for (const m of this.replayMessages()) this.panel(m);
    this.launch(slot, null);
    return { ...slot.record };
  }

  /** Another run with `seed` (default: one above the largest seed so far), same config otherwise. */
  runAgain(seed?: number): RunRecord {
    const prev = this.current;
    const next = seed ?? Math.max(-1, ...this.runs.map((r) => r.record.seed)) + 1;
    if (!prev) return this.startRun({ seed: next });
    const { seed: _old, ...same } = prev.config;
    return this.startRun({ ...same, seed: next });
  }

  pause(): void {
    const cur = this.current;
    if (!cur?.active) throw new Error('no run in progress to pause');
    cur.active.reason = 'pause';
    cur.active.controller.abort();
  }

  resume(): RunRecord {
    const cur = this.current;
    if (!cur || cur.record.state !== 'paused') throw new Error(`nothing to resume (the run is ${cur?.record.state ?? 'not started'})`);
    this.launch(cur, cur.checkpoint);
    return { ...cur.record };
  }

  stop(): void {
    const cur = this.current;
    if (cur?.active) {
      cur.active.reason = 'stop';
      cur.active.controller.abort();
    } else if (cur?.record.state === 'paused') {
      this.finalizePaused(cur);
      this.setState(cur, 'stopped');
    } else {
      throw new Error('no run in progress to stop');
    }
  }

  /** Resolves when the current run (if any) has ended or paused. */
  async settled(): Promise<void> {
    await this.current?.active?.finished;
  }

  private finalizePaused(slot: RunSlot): void {
    slot.record.state = 'stopped';
    slot.cancelled = true;
  }

  private panel(message: HostMessage): void {
    this.deps.notify({ kind: 'panel', sessionId: this.id, message });
  }

  private setState(slot: RunSlot, state: RunStateName, message?: string): void {
    slot.record.state = state;
    if (slot === this.current) this.panel(message ? { type: 'runState', state, message } : { type: 'runState', state });
    this.deps.notify({ kind: 'runs', sessionId: this.id, runs: this.records() });
  }

  private async backendFor(n: number): Promise<OrtDreamBackend> {
    const { prepared, model } = this.requirePrepared('score prompts');
    let b = this.backends.get(n);
    if (!b) {
      let told = 0;
      b = dreamBackend(model, prepared.fn, n, sessionFor(this.engine, prepared), (done, total) => {
        // Each tenth of a large model's weights, in the run's progress notification.
        const tenth = Math.floor((10 * done) / total);
        if (tenth <= told) return;
        told = tenth;
        this.deps.notify({ kind: 'stage', model: model.id, sessionId: this.id, message: `reading the weights into the graphs: ${10 * tenth} % of ${(total / 2 ** 30).toFixed(2)} GiB` });
      });
      this.backends.set(n, b);
    }
    return b;
  }

  private launch(slot: RunSlot, resumeFrom: Checkpoint | null): void {
    const controller = new AbortController();
    const active: Active = { controller, finished: Promise.resolve() };
    slot.active = active;
    slot.error = undefined;
    this.setState(slot, 'running');
    active.finished = this.runLoop(slot, resumeFrom, active).catch((e: Error) => {
      slot.error = e.message;
      this.deps.notify({ kind: 'log', level: 'error', message: `run ${slot.record.seed} of ${this.feature.meta.name} failed: ${e.stack ?? e.message}` });
      this.setState(slot, 'error', e.message);
    }).finally(() => {
      if (slot.active === active) slot.active = undefined;
    });
  }

  private async runLoop(slot: RunSlot, resumeFrom: Checkpoint | null, active: Active): Promise<void> {
    const { model, prepared } = this.requirePrepared('run');
    const tokenizer = model.tokenizer;
    const backend = await this.backendFor(slot.config.seqLen);
    const allowedCount = backend.allowed.reduce((s, v) => s + v, 0);
    slot.topKUsed = Math.min(slot.config.topK, allowedCount);
    const large = weightBytes(model.weights) >= LARGE_WEIGHTS_FROM;
    if (large) this.deps.notify({ kind: 'stage', model: model.id, sessionId: this.id, message: 'reading the weights into the graph and creating its session …' });
    if (!slot.history) throw new Error('internal: a live run has no history');
    let history: EvalHistory = slot.history;
    // The iteration whose prompts are being scored (-1: the initial population).
    let iteration = resumeFrom ? resumeFrom.nextIteration : -1;
    const rate = new RateMeter();
    // Every scored prompt becomes the next row of the session's copy of the history.
    const recorder = (b: EpoBackend): EpoBackend => ({
      vocabRows: b.vocabRows,
      allowed: b.allowed,
      score: async (prompts) => {
        const out = await b.score(prompts);
        prompts.forEach((p, i) => history.append(p, out.feature[i], out.xe[i], iteration, -1));
        return out;
      },
      topK: async (prompts, lambdas, k) => {
        if (iteration === -1) {
          // The first top-k call opens iteration 0: the initial population is scored.
          this.emitInitial(slot, history, tokenizer);
          iteration = 0;
        }
        return b.topK(prompts, lambdas, k);
      },
      saliency: (p) => b.saliency(p),
    });
    // A resumed run takes the checkpoint's config; only the options that do not change its trajectory may differ.
    const config: Partial<EpoConfig> = resumeFrom
      ? { iterations: slot.config.iterations, checkpointEvery: slot.config.checkpointEvery, batchSize: slot.config.batchSize }
      : slot.config;
    const { result } = await dream({
      model, feature: { ...prepared, info: { ...prepared.info, name: this.feature.meta.name } }, config, backend, wrapBackend: recorder,
      signal: active.controller.signal,
      resumeFrom: resumeFrom ?? undefined,
      checkpointPath: slot.record.checkpointPath,
      checkpointBudget: SAVED_RUN_CHECKPOINT_BUDGET,
      onReady: ({ warnings, buildMs, provider }) => {
        if (large) this.deps.notify({ kind: 'stage', model: model.id, sessionId: this.id, message: `graph and session ready in ${(buildMs / 1000).toFixed(1)} s` });
        for (const w of warnings) {
          if (!this.warnings.includes(w)) {
            this.warnings.push(w);
            this.deps.notify({ kind: 'log', level: 'warn', message: w });
          }
        }
        this.device = provider ?? this.device;
      },
      onCheckpoint: (cp) => {
        slot.checkpoint = cp;
        this.deps.notify({ kind: 'runs', sessionId: this.id, runs: this.records() });
      },
      onIteration: (e) => {
        if (history.size < e.historySize) throw new Error(`internal: the session's copy of the history has ${history.size} rows, the run ${e.historySize}`);
        for (const m of e.population) {
          if (history.feature(m.row) !== m.feature && !(Number.isNaN(m.feature) && Number.isNaN(history.feature(m.row)))) {
            throw new Error(`internal: the session's copy of history row ${m.row} disagrees with the run`);
          }
        }
        const points = pointBatch(history, slot.sent, e.historySize, slot.base);
        slot.sent = e.historySize;
        slot.size = e.historySize;
        iteration = e.iteration + 1;
        slot.record.iterationsDone = e.iteration + 1;
        const msg = iterationMessage(e, slot.base, tokenizer, points, rate.tick());
        slot.last = { ...msg, points: emptyBatch() };
        this.panel(msg);
      },
    });
    slot.record.iterationsDone = result.iterationsDone;
    slot.cancelled = result.cancelled;
    slot.checkpoint = result.checkpoint ?? slot.checkpoint;
    if (result.cancelled && (active.reason === 'pause' || active.reason === 'close')) {
      // Paused: keep what completed iterations evaluated; an interrupted iteration is redone on resume.
      history = result.checkpoint ? EvalHistory.deserialize(result.checkpoint.history) : new EvalHistory(slot.config.seqLen);
      slot.history = history;
      slot.size = slot.sent = Math.min(slot.sent, history.size);
      // Closed by the window going away (not by the user), the run stays recorded as running, so a
      // restored panel resumes it from the checkpoint just written.
      if (active.reason !== 'close') this.setState(slot, 'paused');
      return;
    }
    slot.history = result.history;
    slot.size = result.history.size;
    if (slot.sent < slot.size) {
      // A stop in mid-iteration evaluated prompts no iteration message carried: resend the whole history once.
      slot.sent = slot.size;
      this.panel(this.historyMessage());
    }
    if (!slot.last && result.population.length) {
      slot.last = snapshotIteration(result.history, slot.config, result.population, slot.base, tokenizer, result.iterationsDone - 1);
    }
    this.setState(slot, result.cancelled ? 'stopped' : 'done');
  }

  private emitInitial(slot: RunSlot, history: EvalHistory, tokenizer: LoadedModel['tokenizer']): void {
    const rows = Array.from({ length: slot.config.population }, (_, j) => ({ row: slot.config.initialPrompt ? 0 : j, isNew: true }));
    slot.sent = slot.size = history.size;
    const msg = { ...snapshotIteration(history, slot.config, rows, slot.base, tokenizer, -1), points: pointBatch(history, 0, history.size, slot.base) };
    slot.last = { ...msg, points: emptyBatch() };
    this.panel(msg);
  }

  // ─── restore after a reload ───────────────────────────────────────────────────────────────

  private async restoreRuns(records: RunRecord[], resume: boolean): Promise<void> {
    const tokenizer = this.model!.tokenizer;
    for (const rec of records) {
      if (!rec.checkpointPath) {
        this.warnings.push(`run with seed ${rec.seed} had no checkpoint and cannot be restored`);
        continue;
      }
      let cp: Checkpoint;
      try {
        cp = await loadCheckpoint(rec.checkpointPath);
      } catch (e) {
        this.warnings.push(`run with seed ${rec.seed} cannot be restored: ${(e as Error).message}`);
        continue;
      }
      const history = EvalHistory.deserialize(cp.history, rec.checkpointPath);
      const base = this.runs.reduce((s, r) => s + r.size, 0);
      const slot: RunSlot = {
        record: { ...rec, iterationsDone: cp.nextIteration, iterations: cp.config.iterations },
        config: cp.config, base, history, sent: history.size, size: history.size, savedPoints: [], topKUsed: cp.topKUsed,
        cancelled: rec.state !== 'done', last: cp.nextIteration > 0 ? iterationFromCheckpoint(cp, history, base, tokenizer) : null, checkpoint: cp,
      };
      if (rec.state === 'running') slot.record.state = 'paused';
      this.runs.push(slot);
    }
    const cur = this.current;
    // A run that was under way when the window went away continues from its last checkpoint.
    if (resume && cur && records.find((r) => r.id === cur.record.id)?.state === 'running') this.launch(cur, cur.checkpoint);
  }

  // ─── what the panel asks ──────────────────────────────────────────────────────────────────

  private initMessage(): InitMessage {
    const cur = this.current;
    const f = this.feature.meta;
    const config = cur?.config ?? (this.feature.prepared ? this.configFor({}) : resolveConfig({}));
    const model = this.model ? modelInfoOf(this.model) : {
      id: this.savedModel?.id ?? 'unknown', layers: this.savedModel?.layers ?? 0, dModel: this.savedModel?.dModel ?? 0, vocab: this.savedModel?.vocab ?? 0,
    };
    const init: InitMessage = {
      type: 'init', protocol: PANEL_PROTOCOL_VERSION, runId: this.id, mode: this.mode,
      feature: { name: f.name, description: f.description, ...(f.file ? { file: f.file } : {}) },
      model, config: runConfigOf(config, cur?.topKUsed), lambdas: slotLambdas(config),
    };
    if (this.model) init.device = this.device;
    return init;
  }

  /** Every point the panel has been sent, over all runs, with the frontier over them. */
  private historyMessage(): HistoryMessage {
    const points = emptyBatch();
    for (const r of this.runs) {
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
    const cur = this.current;
    return { type: 'history', points, frontier, iterationsDone: cur ? cur.record.iterationsDone - 1 : -1 };
  }

  private datasetMessage(): DatasetMessage | null {
    const d = this.dataset.filter((p) => Number.isFinite(p.feature) && Number.isFinite(p.xe));
    if (!d.length) return null;
    const sources = [...new Set(d.map((p) => p.source))];
    const tok = this.model?.tokenizer;
    return {
      type: 'dataset', source: sources.join(', '), feature: d.map((p) => p.feature), xe: d.map((p) => p.xe), text: d.map((p) => p.text),
      ...(tok ? { ids: d.map((p) => p.ids), tokens: d.map((p) => tokenStrings(tok, p.ids)) } : {}),
    };
  }

  /**
   * The dataset baseline of the corpus in `req`, scanned in the background (while the run dreams)
   * with windows as long as the dream's prompts, then shown in the panel and kept with the frontier
   * when it is saved. A scan is cached per model, feature, window and corpus, so it runs once.
   * Failures become a notice: the dream itself does not depend on it.
   */
  async scanDataset(req: DatasetRequest): Promise<void> {
    const source = corpusLabel(req.corpus);
    try {
      const { prepared, model } = this.requirePrepared('scan a corpus');
      const n = this.current?.config.seqLen ?? this.configFor({}).seqLen;
      this.log('info', `scanning ${req.corpus.join(', ')} for the dataset baseline (windows of ${n} tokens)`);
      const t0 = performance.now();
      const { points, result } = await datasetBaseline({
        model, feature: prepared, corpus: req.corpus, within: req.within, n, cacheDir: req.cacheDir, source, session: this.engine, signal: this.scanAbort.signal,
      });
      if (this.scanAbort.signal.aborted) return;
      this.dataset = [...this.dataset.filter((p) => p.source !== source), ...points];
      const c = result.counts;
      this.log('info', `dataset baseline from ${source}: ${points.length} examples of ${c.scored} windows scored in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      const msg = this.datasetMessage();
      if (msg) this.panel(msg);
    } catch (e) {
      if (this.scanAbort.signal.aborted) return;
      const message = `The dataset baseline from ${source} is not shown: ${(e as Error).message}`;
      this.log('warn', message);
      this.panel({ type: 'notice', level: 'warning', message, about: 'dataset' });
    }
  }

  private log(level: 'info' | 'warn', message: string): void {
    this.deps.notify({ kind: 'log', level, message: `[${this.feature.meta.name}] ${message}` });
  }

  /** What a webview needs after `ready`, in protocol order. */
  replayMessages(): HostMessage[] {
    const out: HostMessage[] = [this.initMessage(), this.historyMessage()];
    const cur = this.current;
    if (cur?.last) out.push(cur.last);
    const state: RunStateName = cur?.record.state ?? (this.mode === 'saved' ? 'done' : 'running');
    out.push(cur?.error && state === 'error' ? { type: 'runState', state, message: cur.error } : { type: 'runState', state });
    const ds = this.datasetMessage();
    if (ds) out.push(ds);
    return out;
  }

  private locate(historyIndex: number): { slot: RunSlot; row: number } {
    for (const slot of this.runs) {
      if (historyIndex >= slot.base && historyIndex < slot.base + Math.max(slot.size, slot.sent)) return { slot, row: historyIndex - slot.base };
    }
    throw new Error(`no point ${historyIndex} in this panel`);
  }

  point(historyIndex: number): PointMessage {
    const { slot, row } = this.locate(historyIndex);
    const saved = slot.savedPoints.find((p) => p.row === row);
    const h = slot.history;
    if (h && row < h.size) {
      const ids = h.ids(row);
      const tok = this.model?.tokenizer;
      const text = tok ? tok.decode(ids) : saved?.text;
      const tokens = tok ? tokenStrings(tok, ids) : saved?.tokens;
      if (text === undefined || tokens === undefined) throw new Error(`the text of point ${historyIndex} needs the model, which is not loaded`);
      return { type: 'point', historyIndex, ids, tokens, text, feature: h.feature(row), xe: h.xe(row), iteration: h.iteration(row) };
    }
    if (saved) {
      const tokens = saved.tokens ?? (this.model ? tokenStrings(this.model.tokenizer, saved.ids) : undefined);
      if (!tokens) throw new Error(`the tokens of point ${historyIndex} need the model, which is not loaded`);
      return { type: 'point', historyIndex, ids: saved.ids, tokens, text: saved.text, feature: saved.feature, xe: saved.xe, iteration: saved.iteration };
    }
    throw new Error(`point ${historyIndex} was not saved (the file holds only the frontier of that run)`);
  }

  async attribute(ids: number[]): Promise<Attribution> {
    const { model } = this.requirePrepared('attribute a prompt');
    if (ids.length < 2) throw new Error(`a prompt needs at least 2 tokens to attribute, got ${ids.length}`);
    const backend = await this.backendFor(ids.length);
    const a = await attributePrompt(backend, model.tokenizer, Int32Array.from(ids), { k: ATTRIBUTION_K, batchSize: this.current?.config.batchSize });
    return attributionMessage(a);
  }

  async save(req: SaveRequest): Promise<SaveOutcome> {
    const runs = this.runs.filter((r) => r.history && r.sent > 0).map((r) => ({
      id: r.record.id, config: r.config, iterationsDone: r.record.iterationsDone, cancelled: r.record.state !== 'done',
      history: r.history!, count: Math.min(r.sent, r.history!.size),
    }));
    if (!runs.length) throw new Error('nothing to save yet: no prompt has been scored');
    const known = new Map<string, FrontierFilePoint>();
    for (const r of this.runs) for (const p of r.savedPoints) known.set(promptKey(p.ids), p);
    const tok = this.model?.tokenizer;
    const describe = (ids: number[]) => {
      if (tok) return { text: tok.decode(ids), tokens: tokenStrings(tok, ids) };
      const p = known.get(promptKey(ids));
      return { text: p?.text ?? '', tokens: p?.tokens ?? ids.map((id) => `#${id}`) };
    };
    const meta = { ...this.feature.meta };
    const model = this.model
      ? { id: this.model.id, files: this.model.files, layers: this.model.arch.numLayers, dModel: this.model.arch.hiddenSize, vocab: this.model.arch.vocabSize }
      : this.savedModel!;
    const file = buildFrontierFile({ feature: meta, model, runs, describe, includeHistories: req.includeHistories, dataset: this.dataset });
    return saveFrontierFile(req.folder, file, { onMismatch: req.onMismatch });
  }

  /** Stops the run (keeping its checkpoint) and frees the backends. */
  async close(): Promise<RunRecord[]> {
    this.scanAbort.abort();
    const cur = this.current;
    if (cur?.active) {
      cur.active.reason = 'close';
      cur.active.controller.abort();
      await cur.active.finished;
    }
    const all = [...this.backends.values()];
    this.backends.clear();
    await Promise.all(all.map((b) => b.dispose().catch(() => undefined)));
    return this.records();
  }
}


