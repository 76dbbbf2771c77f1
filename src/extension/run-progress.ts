/** A cancellable progress notification for a dream while it starts and runs, with a link to the log. */
import * as vscode from 'vscode';

export interface ProgressHandle {
  report(message: string, fraction?: number): void;
  end(): void;
  readonly ended: boolean;
}

const LOG_LINK = '[Show Log](command:reverie.showLog)';

export function startProgress(title: string, onCancel: () => void): ProgressHandle {
  let report: ((m: { message?: string; increment?: number }) => void) | undefined;
  let finish: (() => void) | undefined;
  let pending: { message?: string; increment?: number } | undefined;
  let shown = 0;
  let ended = false;
  void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
    token.onCancellationRequested(() => { if (!ended) onCancel(); });
    report = (m) => progress.report(m);
    if (pending) report(pending);
    return new Promise<void>((resolve) => {
      finish = resolve;
      if (ended) resolve();
    });
  });
  return {
    get ended() { return ended; },
    report(message, fraction) {
      if (ended) return;
      const m: { message: string; increment?: number } = { message: `${message} · ${LOG_LINK}` };
      if (fraction !== undefined) {
        const pct = Math.max(0, Math.min(100, fraction * 100));
        if (pct > shown) { m.increment = pct - shown; shown = pct; }
      }
      if (report) report(m); else pending = m;
    },
    end() {
      ended = true;
      finish?.();
    },
  };
}
