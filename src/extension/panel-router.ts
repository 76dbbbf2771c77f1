/**
 * The host side of the panel protocol (src/protocol/panel.ts), without vscode: validates what the
 * webview sends, holds everything back until the webview says `ready`, answers `ready` with the
 * session's replay (init, history, latest iteration, runState, dataset), then forwards live
 * messages. A webview that is hidden (and, without retainContextWhenHidden, destroyed) or reloaded
 * says `ready` again and gets the replay again.
 *
 * Live messages that arrive while a replay is being fetched are dropped: the engine computes the
 * replay after emitting them (one worker thread, one ordered port), so the replay already has them.
 */
import {
  PANEL_PROTOCOL_VERSION, validateHostMessage, validateWebviewMessage,
  type Attribution, type ControlAction, type HostMessage, type NoticeSubject, type PointMessage, type WebviewMessage,
} from '../protocol/panel';

export interface PanelActions {
  replay(): Promise<HostMessage[]>;
  point(historyIndex: number): Promise<PointMessage>;
  inspect(ids: number[]): Promise<Attribution>;
  control(action: ControlAction, seed?: number): Promise<void>;
  /** Saves the frontier; resolves with what to tell the user, or null when the user cancelled. */
  saveFrontier(): Promise<string | null>;
  copy(text: string): Promise<void>;
  log(level: 'info' | 'warn' | 'error', message: string): void;
}

type Phase = 'waiting' | 'replaying' | 'live';

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

export class PanelRouter {
  private phase: Phase = 'waiting';
  /** Bumped on every `ready` and every hide, so a slow replay for an older page is discarded. */
  private generation = 0;

  constructor(
    private readonly post: (m: HostMessage) => unknown,
    private readonly actions: PanelActions,
  ) {}

  get isLive(): boolean {
    return this.phase === 'live';
  }

  /** The webview went away (hidden without retained context, or being reloaded): wait for its next `ready`. */
  hidden(): void {
    this.phase = 'waiting';
    this.generation++;
  }

  /** A live message from the engine. */
  push(m: HostMessage): void {
    if (this.phase === 'live') this.send(m);
  }

  /** Re-sends the whole state (the session was reopened, e.g. its file changed on disk). */
  async refresh(): Promise<void> {
    if (this.phase === 'live') await this.replay(++this.generation);
  }

  private send(m: HostMessage): void {
    const problem = validateHostMessage(m);
    if (problem) {
      this.actions.log('error', `not sent to the panel, malformed ${m.type} message: ${problem}`);
      return;
    }
    this.post(m);
  }

  private notice(level: 'info' | 'warning' | 'error', message: string, about?: NoticeSubject): void {
    this.send(about ? { type: 'notice', level, message, about } : { type: 'notice', level, message });
  }

  private async replay(generation: number): Promise<void> {
    this.phase = 'replaying';
    let messages: HostMessage[];
    try {
      messages = await this.actions.replay();
    } catch (e) {
      if (generation !== this.generation) return;
      this.phase = 'live';
      this.actions.log('error', `panel replay failed: ${errorText(e)}`);
      this.send({ type: 'runState', state: 'error', message: errorText(e) });
      return;
    }
    if (generation !== this.generation) return;
    for (const m of messages) this.send(m);
    this.phase = 'live';
  }

  /** A message from the webview: validated, then acted on. Never throws. */
  async receive(raw: unknown): Promise<void> {
    const problem = validateWebviewMessage(raw);
    if (problem) {
      this.actions.log('warn', `ignored a malformed message from the panel: ${problem}`);
      return;
    }
    const m = raw as WebviewMessage;
    if (m.type === 'ready') {
      if (m.protocol !== PANEL_PROTOCOL_VERSION) {
        this.actions.log('warn', `the panel speaks protocol ${m.protocol}, the host ${PANEL_PROTOCOL_VERSION} (a stale webview?)`);
      }
      await this.replay(++this.generation);
      return;
    }
    if (m.type === 'error') {
      this.actions.log('error', `panel: ${m.message}${m.stack ? `\n${m.stack}` : ''}`);
      return;
    }
    // Anything else before `ready` comes from a page that missed the handshake: answer after it.
    try {
      switch (m.type) {
        case 'requestPoint':
          this.send(await this.actions.point(m.historyIndex));
          break;
        case 'inspect':
          this.send({ type: 'attribution', attribution: await this.actions.inspect(m.ids) });
          break;
        case 'control':
          await this.actions.control(m.action, m.seed);
          break;
        case 'saveFrontier': {
          const said = await this.actions.saveFrontier();
          if (said) this.notice('info', said, 'save');
          break;
        }
        case 'copy':
          await this.actions.copy(m.text);
          this.notice('info', 'Copied to the clipboard.', 'copy');
          break;
      }
    } catch (e) {
      const about: NoticeSubject = m.type === 'requestPoint' ? 'point' : m.type === 'inspect' ? 'attribution'
        : m.type === 'saveFrontier' ? 'save' : m.type === 'copy' ? 'copy' : 'run';
      this.actions.log('error', `${m.type} failed: ${errorText(e)}`);
      this.notice('error', errorText(e), about);
    }
  }
}
