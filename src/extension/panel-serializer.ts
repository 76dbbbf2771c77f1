/** Brings dream panels back after a window reload (the webview's state names its run). */
import * as vscode from 'vscode';
import type { DreamPanels } from './dream-panels';

export class DreamPanelSerializer implements vscode.WebviewPanelSerializer {
  constructor(private readonly panels: DreamPanels) {}

  deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Thenable<void> {
    return this.panels.restore(panel, state);
  }
}
