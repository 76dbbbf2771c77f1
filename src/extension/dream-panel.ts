/**
 * One webview showing one dream session (a live run, or a saved frontier in the custom editor):
 * the protocol router wired to the webview and to the engine, the progress notification while a
 * run goes, and saving. Without retainContextWhenHidden a hidden webview is destroyed; it says
 * `ready` again when shown and the router replays the session.
 */
import * as vscode from 'vscode';
import type { HostMessage, ControlAction } from '../protocol/panel';
import type { DreamEngine } from './engine-client';
import { PanelRouter } from './panel-router';
import { ProgressHandle, startProgress } from './run-progress';
import { saveFrontier } from './save-frontier';
import { logAt } from './log';

export interface DreamPanelHooks {
  /** The panel became the active one (Save Frontier from the palette acts on it). */
  activated(panel: DreamPanel): void;
  disposed(panel: DreamPanel): void;
  saved(panel: DreamPanel, path: string): void;
  /** Where the panel's run is, for the status bar; null when it is not running. */
  runStatus(panel: DreamPanel, text: string | null): void;
}

const fmt = (v: number | null) => (v === null ? '—' : v.toFixed(3));

export class DreamPanel implements vscode.Disposable {
  readonly router: PanelRouter;
  private progress?: ProgressHandle;
  private readonly subscriptions: vscode.Disposable[] = [];
  private isDisposed = false;

  constructor(
    readonly sessionId: string,
    readonly panel: vscode.WebviewPanel,
    private readonly engine: DreamEngine,
    readonly featureName: string,
    /** Where frontiers are saved (the feature's workspace folder). */
    readonly workspaceRoot: string | undefined,
    private readonly hooks: DreamPanelHooks,
    progress?: ProgressHandle,
    /** Shown in the panel after every replay (a saved file's model is missing, a provider fell back, …). */
    private readonly notices: string[] = [],
  ) {
    this.progress = progress;
    const log = (level: 'info' | 'warn' | 'error', message: string) => logAt(level, `[${featureName}] ${message}`);
    this.router = new PanelRouter((m) => panel.webview.postMessage(m), {
      replay: async () => [
        ...(await engine.call('replay', { sessionId })).messages,
        ...this.notices.map((message): HostMessage => ({ type: 'notice', level: 'warning', message, about: 'run' })),
      ],
      point: (historyIndex) => engine.call('point', { sessionId, historyIndex }),
      inspect: (ids) => engine.call('attribute', { sessionId, ids }),
      control: (action, seed) => this.control(action, seed),
      saveFrontier: () => this.save(),
      copy: async (text) => { await vscode.env.clipboard.writeText(text); },
      log,
    });
    this.subscriptions.push(
      panel.webview.onDidReceiveMessage((m) => void this.router.receive(m)),
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.router.hidden();
        if (panel.active) hooks.activated(this);
      }),
      panel.onDidDispose(() => this.dispose()),
    );
    if (panel.active) hooks.activated(this);
  }

  private async control(action: ControlAction, seed?: number): Promise<void> {
    await this.engine.call('control', seed === undefined ? { sessionId: this.sessionId, action } : { sessionId: this.sessionId, action, seed });
  }

  async save(): Promise<string | null> {
    const saved = await saveFrontier(this.engine, this.sessionId, this.workspaceRoot);
    if (!saved) return null;
    this.hooks.saved(this, saved.path);
    return saved.message;
  }

  /** A message from the engine for this session. */
  onEngineMessage(m: HostMessage): void {
    this.router.push(m);
    if (m.type === 'runState') {
      if (m.state === 'running') {
        this.ensureProgress();
        this.hooks.runStatus(this, `dreaming ${this.featureName}`);
      } else {
        this.endProgress();
        this.hooks.runStatus(this, null);
      }
    } else if (m.type === 'iteration') {
      this.ensureProgress();
      const done = m.iteration + 1;
      this.progress?.report(
        m.iteration < 0 ? 'initial population scored'
          : `iteration ${done}/${m.iterations} · best f @XE<4 ${fmt(m.stats.bestAtXe4)} · @XE<6 ${fmt(m.stats.bestAtXe6)}`,
        m.iterations > 0 ? Math.max(0, done) / m.iterations : undefined,
      );
      if (m.iteration >= 0) this.hooks.runStatus(this, `${this.featureName} ${done}/${m.iterations} · f@XE<4 ${fmt(m.stats.bestAtXe4)}`);
    }
  }

  /** A long step of the run's start (building a large model's graphs), in its progress notification. */
  reportStage(message: string): void {
    this.ensureProgress();
    this.progress?.report(message);
  }

  /** The engine lost this session (it crashed): the panel shows the error until it is restored. */
  engineLost(message: string): void {
    this.endProgress();
    this.hooks.runStatus(this, null);
    this.router.push({ type: 'runState', state: 'error', message });
  }

  private ensureProgress(): void {
    if (this.progress && !this.progress.ended) return;
    this.progress = startProgress(`Reverie: dreaming ${this.featureName}`, () => {
      this.control('stop').catch((e: Error) => logAt('error', `stop failed: ${e.message}`));
    });
  }

  endProgress(): void {
    this.progress?.end();
    this.progress = undefined;
  }

  get disposed(): boolean {
    return this.isDisposed;
  }

  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    this.endProgress();
    this.hooks.runStatus(this, null);
    for (const s of this.subscriptions) s.dispose();
    this.hooks.disposed(this);
    this.panel.dispose();
  }
}
