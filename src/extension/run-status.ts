/**
 * A status-bar item while dreams run: the most recently updated run's feature, iteration and best
 * feature at XE < 4 (and how many others run); clicking it shows that run's panel.
 */
import * as vscode from 'vscode';

const REVEAL = 'reverie.revealRunningDream';

interface Running {
  text: string;
  reveal(): void;
}

export class RunStatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('reverie.runStatus', vscode.StatusBarAlignment.Left, 50);
  private readonly running = new Map<string, Running>();
  private readonly command: vscode.Disposable;

  constructor() {
    this.item.name = 'Reverie: running dream';
    this.item.command = REVEAL;
    this.command = vscode.commands.registerCommand(REVEAL, () => [...this.running.values()].at(-1)?.reveal());
  }

  /** The run of `id` is going: `text` says where it is (it moves to the front). */
  set(id: string, text: string, reveal: () => void): void {
    this.running.delete(id);
    this.running.set(id, { text, reveal });
    this.render();
  }

  clear(id: string): void {
    if (this.running.delete(id)) this.render();
  }

  private render(): void {
    const runs = [...this.running.values()];
    const last = runs.at(-1);
    if (!last) {
      this.item.hide();
      return;
    }
    const others = runs.length > 1 ? ` (+${runs.length - 1})` : '';
    this.item.text = `$(loading~spin) Reverie: ${last.text}${others}`;
    this.item.tooltip = `${runs.map((r) => r.text).join('\n')}\n\nClick to show the dream.`;
    this.item.show();
  }

  dispose(): void {
    this.command.dispose();
    this.item.dispose();
  }
}
