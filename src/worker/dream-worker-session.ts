/**
 * One panel's dreaming, inside the dream worker: the run controller. A feature on a model, its runs
 * (the first and each "run again"), pause/resume/stop, restore after a reload, attribution and the
 * dataset scan. Each run is the engine's `dream()`, as the CLI's are (session-run.ts); what the panel
 * is told is session-presenter.ts; the state both share is session-state.ts; the backends kept
 * while the panel is open are session-backends.ts; Save Frontier is session-save.ts.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Attribution, HostMessage, RunStateName } from '../protocol/panel';
import { attributePrompt, EpoConfig, resolveConfig } from '../engine/epo';
import type { Checkpoint } from '../engine/epo/checkpoint';
import type { LoadedModel } from '../engine/models/load';
import type { OrtDreamBackend } from '../engine/dream/backend';
import { dreamConfig, PreparedFeature } from '../engine/dream/dream';
import type { FrontierFile, SaveOutcome } from '../engine/frontier-file';
import { attributionMessage, modelInfoOf } from './dream-worker-messages';
import { scanDatasetInto } from './session-dataset';
import { prepareSource, savedSource, SessionFeature } from './dream-worker-features';
import { SessionBackends } from './session-backends';
import { pointMessage, replayMessages } from './session-presenter';
import { saveSession } from './session-save';
import { executeRun } from './session-run';
import { ActiveRun, currentRun, newRunSlot, RunSlot, restoreRunSlots, runSlotsOfFile, SessionState } from './session-state';
import type {
  DatasetRequest, EngineOptions, ModelOptions, OpenSavedRequest, OpenSessionRequest, RunRecord, SaveRequest, SessionSummary, WorkerEvent,
} from './worker-protocol';

export interface SessionDeps {
  loadModel(opts: ModelOptions & { ref: string }): Promise<LoadedModel>;
  notify(e: WorkerEvent): void;
}

const ATTRIBUTION_K = 32;

export class DreamSession {
  readonly warnings: string[] = [];
  private readonly state: SessionState;
  private readonly backends: SessionBackends;
  /** Aborts a dataset scan under way when the panel closes. */
  private readonly scanAbort = new AbortController();
  /** The user's EPO settings, for the first run. */
  private userConfig: Partial<EpoConfig> = {};

  private constructor(
    readonly id: string,
    mode: 'live' | 'saved',
    private readonly model: LoadedModel | null,
    readonly feature: SessionFeature,
    private readonly engine: EngineOptions,
    private readonly checkpointDir: string | undefined,
    private readonly deps: SessionDeps,
  ) {
    this.backends = new SessionBackends(engine, (m) => this.stage(m));
    this.state = { id, mode, model, feature, runs: [], dataset: [], savedModel: null, device: engine.provider };
  }

  get runs(): readonly RunSlot[] {
    return this.state.runs;
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
    const { model, feature, warnings } = await savedSource(req, deps, file);
    const s = new DreamSession(req.sessionId, 'saved', model, feature, req.engine, req.checkpointDir, deps);
    s.warnings.push(...warnings);
    s.state.savedModel = file.model;
    s.state.dataset = file.dataset ?? [];
    s.state.runs.push(...runSlotsOfFile(file, req.path));
    return s;
  }

  summary(): SessionSummary {
    const f = this.feature.meta;
    return {
      sessionId: this.id,
      title: `${this.state.mode === 'saved' ? 'Frontier' : 'Dream'}: ${f.name}`,
      mode: this.state.mode,
      feature: { name: f.name, description: f.description, file: f.file },
      model: this.model ? { ...modelInfoOf(this.model), name: this.model.name, files: this.model.files } : null,
      runs: this.records(),
      warnings: [...this.warnings],
    };
  }

  records(): RunRecord[] {
    return this.state.runs.map((r) => ({ ...r.record }));
  }

  // ─── runs ─────────────────────────────────────────────────────────────────────────────────

  private get current(): RunSlot | undefined {
    return currentRun(this.state);
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

  /** The config shown before a run starts (the defaults where the feature cannot run). */
  private nextConfig(): EpoConfig {
    return this.feature.prepared ? this.configFor({}) : resolveConfig({});
  }

  /** Starts a new run (the first, or another seed). The previous run must not be running. */
  startRun(overrides: Partial<EpoConfig> = {}): RunRecord {
    const prev = this.current;
    if (prev?.active) throw new Error('a run is in progress: stop it first');
    if (prev?.record.state === 'paused') this.finalizePaused(prev);
    const config = this.configFor(overrides);
    const id = randomUUID();
    const slot = newRunSlot(this.state, {
      id, seed: config.seed, state: 'running', iterationsDone: 0, iterations: config.iterations,
      checkpointPath: this.checkpointDir ? join(this.checkpointDir, `${this.id}-${id}.checkpoint.json`) : undefined,
    }, config);
    this.state.runs.push(slot);
    this.state.mode = 'live';
    // A new run re-initialises the panel (new seed) and hands it every earlier run's points again.
    if (this.state.runs.length > 1) for (const m of this.replayMessages()) this.panel(m);
    this.launch(slot, null);
    return { ...slot.record };
  }

  /** Another run with `seed` (default: one above the largest seed so far), same config otherwise. */
  runAgain(seed?: number): RunRecord {
    const prev = this.current;
    const next = seed ?? Math.max(-1, ...this.state.runs.map((r) => r.record.seed)) + 1;
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

  private backendFor(n: number): OrtDreamBackend {
    const { prepared, model } = this.requirePrepared('score prompts');
    return this.backends.for(model, prepared, n);
  }

  private stage(message: string): void {
    this.deps.notify({ kind: 'stage', model: this.model?.id ?? '', sessionId: this.id, message });
  }

  private launch(slot: RunSlot, resumeFrom: Checkpoint | null): void {
    const controller = new AbortController();
    const active: ActiveRun = { controller, finished: Promise.resolve() };
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

  private runLoop(slot: RunSlot, resumeFrom: Checkpoint | null, active: ActiveRun): Promise<void> {
    const { model, prepared } = this.requirePrepared('run');
    return executeRun(slot, resumeFrom, active, {
      state: this.state, model, prepared, featureName: this.feature.meta.name, backend: this.backendFor(slot.config.seqLen),
      panel: (m) => this.panel(m),
      stage: (m) => this.stage(m),
      warn: (w) => {
        if (this.warnings.includes(w)) return;
        this.warnings.push(w);
        this.deps.notify({ kind: 'log', level: 'warn', message: w });
      },
      runsChanged: () => this.deps.notify({ kind: 'runs', sessionId: this.id, runs: this.records() }),
      setState: (st) => this.setState(slot, st),
    });
  }

  // ─── restore after a reload ───────────────────────────────────────────────────────────────

  private async restoreRuns(records: RunRecord[], resume: boolean): Promise<void> {
    const tokenizer = this.model!.tokenizer;
    this.state.runs.push(...await restoreRunSlots(this.state, records, tokenizer, this.warnings));
    const cur = this.current;
    // A run that was under way when the window went away continues from its last checkpoint.
    if (resume && cur && records.find((r) => r.id === cur.record.id)?.state === 'running') this.launch(cur, cur.checkpoint);
  }

  // ─── what the panel asks ──────────────────────────────────────────────────────────────────

  /**
   * The dataset baseline of the corpus in `req`, scanned in the background while the run dreams
   * (session-dataset.ts); failures become a notice, as the dream does not depend on it.
   */
  async scanDataset(req: DatasetRequest): Promise<void> {
    await scanDatasetInto(this.state, req, {
      prepare: () => ({ ...this.requirePrepared('scan a corpus'), n: this.current?.config.seqLen ?? this.configFor({}).seqLen }),
      engine: this.engine, signal: this.scanAbort.signal,
      log: (level, message) => this.log(level, message), panel: (m) => this.panel(m),
    });
  }

  private log(level: 'info' | 'warn', message: string): void {
    this.deps.notify({ kind: 'log', level, message: `[${this.feature.meta.name}] ${message}` });
  }

  /** What a webview needs after `ready`, in protocol order. */
  replayMessages(): HostMessage[] {
    return replayMessages(this.state, this.nextConfig());
  }

  point(historyIndex: number) {
    return pointMessage(this.state, historyIndex);
  }

  async attribute(ids: number[]): Promise<Attribution> {
    const { model } = this.requirePrepared('attribute a prompt');
    if (ids.length < 2) throw new Error(`a prompt needs at least 2 tokens to attribute, got ${ids.length}`);
    const backend = this.backendFor(ids.length);
    const a = await attributePrompt(backend, model.tokenizer, Int32Array.from(ids), { k: ATTRIBUTION_K, batchSize: this.current?.config.batchSize });
    return attributionMessage(a);
  }

  save(req: SaveRequest): Promise<SaveOutcome> {
    return saveSession(this.state, req);
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
    await this.backends.dispose();
    return this.records();
  }
}
