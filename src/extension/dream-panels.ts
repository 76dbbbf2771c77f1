/**
 * Every dream panel of the window: opening one for a command (model and trust problems answered
 * with actions), restoring one after a window reload (WebviewPanelSerializer: its runs resume from
 * their checkpoints in workspace storage, or its last saved frontier is shown), showing a frontier
 * file (the custom editor), and routing the engine's notifications to the right panel.
 *
 * Long because: opening, restoring, the custom editor and event routing share the window's one map
 * of panels.
 */
import * as vscode from 'vscode';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { FeatureSource, SessionSummary, WorkerEvent } from '../worker/worker-protocol';
import { MODEL_MISSING_ERROR, UNTRUSTED_ERROR } from '../worker/worker-protocol';
import type { RunStateName } from '../protocol/panel';
import type { DreamEngine } from './engine-client';
import { DreamPanel } from './dream-panel';
import { datasetOptions, engineOptions, modelOptions } from './engine-options';
import { askAboutMissingModel, explainUntrusted } from './model-missing';
import { featureSource, PanelRecord, recordFeature, RunRegistry } from './run-registry';
import { ProgressHandle, startProgress } from './run-progress';
import { RunStatusItem } from './run-status';
import { currentSettings } from './settings';
import { DREAM_VIEW_TYPE, setErrorContent, setPanelContent, webviewOptions } from './webview-content';
import { log, logAt } from './log';

export interface DreamRequest {
  source: FeatureSource;
  /** For the progress title before the feature's own name is known. */
  label: string;
  /** The workspace folder of the feature (frontiers are saved there). */
  workspaceRoot?: string;
  modelRef?: string;
}

const errorOf = (e: unknown) => (e instanceof Error ? e : new Error(String(e)));

export class DreamPanels implements vscode.Disposable {
  private readonly panels = new Map<string, DreamPanel>();
  private readonly states = new Map<string, RunStateName>();
  private active?: DreamPanel;
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly status = new RunStatusItem();
  /** Fired with the path of every frontier file saved (CodeLenses refresh). */
  readonly savedEmitter = new vscode.EventEmitter<string>();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly engine: DreamEngine,
    private readonly registry: RunRegistry,
  ) {
    const offEvent = engine.onEvent((e) => this.onEvent(e));
    const offExit = engine.onExit((code) => void this.onEngineExit(code));
    this.subscriptions.push({ dispose: () => { offEvent(); offExit(); } }, this.savedEmitter, this.status);
  }

  /** Workspace storage (global storage without a workspace). */
  private storageDir(): string {
    return (this.context.storageUri ?? this.context.globalStorageUri).fsPath;
  }

  /** Optimised graphs, kept between runs for every workspace (the engine's graph cache). */
  private graphCacheDir(): string {
    return join(this.context.globalStorageUri.fsPath, 'graphs');
  }

  /** Workspace storage for checkpoints. */
  checkpointDir(): string {
    const dir = join(this.storageDir(), 'checkpoints');
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  /**
   * Deletes checkpoints no recorded panel needs any more (closed panels, forgotten runs). Recent
   * files are spared: a dream started meanwhile may not be recorded yet.
   */
  collectCheckpoints(minAgeMs = 10 * 60_000): void {
    const keep = this.registry.checkpointsInUse();
    const dir = this.checkpointDir();
    const now = Date.now();
    for (const f of readdirSync(dir)) {
      const p = join(dir, f);
      try {
        if (f.endsWith('.checkpoint.json') && !keep.has(p) && now - statSync(p).mtimeMs > minAgeMs) unlinkSync(p);
      } catch { /* in use or gone: next time */ }
    }
  }

  get activePanel(): DreamPanel | undefined {
    return this.active && !this.active.disposed ? this.active : [...this.panels.values()].pop();
  }

  // ─── engine notifications ─────────────────────────────────────────────────────────────────

  private onEvent(e: WorkerEvent): void {
    switch (e.kind) {
      case 'panel':
        if (e.message.type === 'runState') this.states.set(e.sessionId, e.message.state);
        this.panels.get(e.sessionId)?.onEngineMessage(e.message);
        break;
      case 'runs':
        if (e.runs.length) this.states.set(e.sessionId, e.runs[e.runs.length - 1].state);
        void this.registry.update(e.sessionId, { runs: e.runs });
        break;
      case 'log':
        logAt(e.level, e.message);
        break;
      case 'stage':
        logAt('info', `${e.model}: ${e.message}`);
        if (e.sessionId) this.panels.get(e.sessionId)?.reportStage(e.message);
        break;
      case 'download':
        log().trace(`downloading ${e.model}: ${e.progress.file} ${e.progress.done}/${e.progress.total ?? '?'} bytes`);
        break;
    }
  }

  private async onEngineExit(code: number): Promise<void> {
    const message = `The Reverie engine stopped unexpectedly (exit code ${code}). Runs can continue from their last checkpoints.`;
    logAt('error', message);
    for (const p of this.panels.values()) p.engineLost(message);
    if (!this.panels.size) return;
    const choice = await vscode.window.showErrorMessage(message, 'Restore Runs', 'Show Log');
    if (choice === 'Show Log') log().show();
    if (choice !== 'Restore Runs') return;
    for (const p of [...this.panels.values()]) {
      const record = this.registry.get(p.sessionId);
      try {
        if (record) await this.openLive(record, true);
        else continue; // a frontier editor: reopening the file restores it
        await p.router.refresh();
      } catch (e) {
        p.engineLost(`could not restore: ${errorOf(e).message}`);
      }
    }
  }

  // ─── panels ───────────────────────────────────────────────────────────────────────────────

  private attach(sessionId: string, panel: vscode.WebviewPanel, summary: SessionSummary, workspaceRoot: string | undefined, progress?: ProgressHandle): DreamPanel {
    const p = new DreamPanel(sessionId, panel, this.engine, summary.feature.name, workspaceRoot, {
      activated: (x) => { this.active = x; },
      disposed: (x) => this.detach(x),
      saved: (x, path) => {
        void this.registry.update(x.sessionId, { frontierPath: path });
        this.savedEmitter.fire(path);
      },
      runStatus: (x, text) => (text === null ? this.status.clear(x.sessionId) : this.status.set(x.sessionId, text, () => x.panel.reveal())),
    }, progress, summary.warnings);
    this.panels.set(sessionId, p);
    void vscode.commands.executeCommand('setContext', 'reverie.dreamPanelOpen', true);
    // The run may have ended before the panel existed (a tiny config): no progress then.
    const state = this.states.get(sessionId);
    if (state && state !== 'running') p.endProgress();
    for (const w of summary.warnings) logAt('warn', `[${summary.feature.name}] ${w}`);
    return p;
  }

  private detach(p: DreamPanel): void {
    if (this.panels.get(p.sessionId) !== p) return;
    this.panels.delete(p.sessionId);
    this.states.delete(p.sessionId);
    if (this.active === p) this.active = undefined;
    void vscode.commands.executeCommand('setContext', 'reverie.dreamPanelOpen', this.panels.size > 0);
    void this.registry.remove(p.sessionId);
    this.engine.call('closeSession', { sessionId: p.sessionId }).catch((e: Error) => logAt('warn', `closing ${p.featureName}: ${e.message}`));
  }

  /** A dream command: opens the session (the run starts at once), then its panel. */
  async dream(req: DreamRequest): Promise<void> {
    const settings = currentSettings(req.workspaceRoot ? vscode.Uri.file(req.workspaceRoot) : undefined);
    const sessionId = randomUUID();
    let cancelled = false;
    const progress = startProgress(`Reverie: dreaming ${req.label}`, () => {
      cancelled = true;
      this.engine.call('control', { sessionId, action: 'stop' }).catch(() => undefined);
    });
    progress.report('loading the model and the feature…');
    const offDownload = this.engine.onEvent((e) => {
      if (e.kind === 'download') {
        const { file, done, total } = e.progress;
        progress.report(`downloading ${file}${total ? ` ${Math.round((100 * done) / total)}%` : ''}`);
      } else if (e.kind === 'stage' && !e.sessionId) {
        progress.report(e.message);
      }
    });
    let summary: SessionSummary;
    try {
      summary = await this.engine.call('openSession', {
        sessionId, feature: req.source, model: modelOptions(settings, req.workspaceRoot, req.modelRef), engine: engineOptions(settings, this.graphCacheDir()),
        checkpointDir: this.checkpointDir(), config: settings.epo, start: true, dataset: datasetOptions(settings, req.workspaceRoot, this.storageDir()),
      });
    } catch (e) {
      progress.end();
      const err = errorOf(e);
      logAt('error', `dreaming ${req.label} failed: ${err.stack ?? err.message}`);
      if (err.name === MODEL_MISSING_ERROR) {
        const retry = await askAboutMissingModel(err.message);
        if (retry) await this.dream({ ...req, modelRef: retry.modelRef ?? req.modelRef });
      } else if (err.name === UNTRUSTED_ERROR) {
        await explainUntrusted(err.message);
      } else {
        const choice = await vscode.window.showErrorMessage(`Reverie: ${err.message}`, 'Show Log');
        if (choice) log().show();
      }
      return;
    } finally {
      offDownload();
    }
    if (cancelled) {
      progress.end();
      await this.engine.call('closeSession', { sessionId }).catch(() => undefined);
      return;
    }
    let panel: vscode.WebviewPanel | undefined;
    try {
      await this.registry.put({
        sessionId, title: summary.title, feature: recordFeature(req.source), modelRef: req.modelRef, config: settings.epo, runs: summary.runs,
      });
      panel = vscode.window.createWebviewPanel(DREAM_VIEW_TYPE, summary.title, { viewColumn: vscode.ViewColumn.Beside }, webviewOptions(this.context.extensionUri));
      setPanelContent(panel, this.context.extensionUri, summary.title);
      this.attach(sessionId, panel, summary, req.workspaceRoot, progress);
    } catch (e) {
      // Without a panel nobody could see, stop or save the run: end it rather than leave it dreaming.
      const err = errorOf(e);
      logAt('error', `opening the panel for ${req.label} failed: ${err.stack ?? err.message}`);
      progress.end();
      panel?.dispose();
      await this.engine.call('closeSession', { sessionId }).catch(() => undefined);
      await this.registry.remove(sessionId).catch(() => undefined);
      const choice = await vscode.window.showErrorMessage(`Reverie: could not open the dream panel: ${err.message}`, 'Show Log');
      if (choice) log().show();
    }
  }

  private rootOf(record: PanelRecord): string | undefined {
    return record.feature.kind === 'file' ? record.feature.workspaceRoot : vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  }

  /** Opens a recorded session in the engine: its runs from their checkpoints, else its last saved frontier. */
  private async openLive(record: PanelRecord, resume: boolean): Promise<SessionSummary> {
    const root = this.rootOf(record);
    const settings = currentSettings(root ? vscode.Uri.file(root) : undefined);
    let problem: string | undefined;
    try {
      const summary = await this.engine.call('openSession', {
        sessionId: record.sessionId, feature: featureSource(record.feature, vscode.workspace.isTrusted),
        model: modelOptions(settings, root, record.modelRef), engine: engineOptions(settings, this.graphCacheDir()), checkpointDir: this.checkpointDir(),
        config: record.config, restore: { runs: record.runs, resume }, start: false, dataset: datasetOptions(settings, root, this.storageDir()),
      });
      if (summary.runs.length) return summary;
      problem = summary.warnings.join('; ') || 'no run had a checkpoint';
    } catch (e) {
      problem = errorOf(e).message;
    }
    if (record.frontierPath && existsSync(record.frontierPath)) {
      logAt('warn', `[${record.title}] runs not restored (${problem}); showing the saved frontier ${record.frontierPath}`);
      return this.engine.call('openSaved', {
        sessionId: record.sessionId, path: record.frontierPath, model: modelOptions(settings, root), engine: engineOptions(settings, this.graphCacheDir()),
        workspaceRoot: root, trusted: vscode.workspace.isTrusted, checkpointDir: this.checkpointDir(), dataset: datasetOptions(settings, root, this.storageDir()),
      });
    }
    throw new Error(problem);
  }

  /** WebviewPanelSerializer: the webview's saved state names its run (`runId` = session id). */
  async restore(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const runId = typeof state === 'object' && state !== null ? (state as { runId?: unknown }).runId : undefined;
    const record = typeof runId === 'string' ? this.registry.get(runId) : undefined;
    if (!record) {
      setErrorContent(panel, 'This dream cannot be restored', 'Its run is no longer recorded in this workspace (the panel was closed, or the run never started).');
      return;
    }
    panel.title = record.title;
    try {
      const summary = await this.openLive(record, true);
      setPanelContent(panel, this.context.extensionUri, summary.title);
      this.attach(record.sessionId, panel, summary, this.rootOf(record));
    } catch (e) {
      logAt('error', `restoring ${record.title} failed: ${errorOf(e).message}`);
      setErrorContent(panel, `${record.title} could not be restored`, errorOf(e).message);
      await this.registry.remove(record.sessionId);
    }
  }

  /** The custom editor: a `*.frontier.json` file shown in the panel (its runs merged). */
  async showFrontierFile(uri: vscode.Uri, panel: vscode.WebviewPanel): Promise<vscode.Disposable> {
    const sessionId = randomUUID();
    const root = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath;
    const open = () => {
      const settings = currentSettings(uri);
      return this.engine.call('openSaved', {
        sessionId, path: uri.fsPath, model: modelOptions(settings, root), engine: engineOptions(settings, this.graphCacheDir()),
        workspaceRoot: root, trusted: vscode.workspace.isTrusted, checkpointDir: this.checkpointDir(), dataset: datasetOptions(settings, root, this.storageDir()),
      });
    };
    let summary: SessionSummary;
    try {
      summary = await open();
    } catch (e) {
      logAt('error', `opening ${uri.fsPath} failed: ${errorOf(e).message}`);
      setErrorContent(panel, `Reverie cannot show ${basename(uri.fsPath)}`, errorOf(e).message);
      return new vscode.Disposable(() => undefined);
    }
    setPanelContent(panel, this.context.extensionUri, summary.title);
    const p = this.attach(sessionId, panel, summary, root);
    // Another save merged into the file: show it again, unless this panel is dreaming a new run itself.
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.joinPath(uri, '..'), basename(uri.fsPath)));
    const reload = async () => {
      if (p.disposed || this.states.get(sessionId) === 'running' || this.states.get(sessionId) === 'paused') return;
      try {
        await open();
        await p.router.refresh();
      } catch (e) {
        logAt('warn', `${uri.fsPath} changed and could not be read again: ${errorOf(e).message}`);
      }
    };
    watcher.onDidChange(() => void reload());
    return watcher;
  }

  async saveActive(): Promise<void> {
    const p = this.activePanel;
    if (!p) {
      void vscode.window.showInformationMessage('Reverie: no dream panel is open to save.');
      return;
    }
    try {
      const said = await p.save();
      if (said) void vscode.window.showInformationMessage(`Reverie: ${said}`);
    } catch (e) {
      void vscode.window.showErrorMessage(`Reverie: could not save the frontier: ${errorOf(e).message}`);
    }
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    for (const p of this.panels.values()) p.endProgress();
  }
}
