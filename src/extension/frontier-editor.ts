/** `*.frontier.json` files open in the Reverie panel (a read-only custom editor); the JSON stays one "Reopen With…" away. */
import * as vscode from 'vscode';
import type { DreamPanels } from './dream-panels';

export class FrontierEditorProvider implements vscode.CustomReadonlyEditorProvider {
  constructor(private readonly panels: DreamPanels) {}

  openCustomDocument(uri: vscode.Uri): vscode.CustomDocument {
    return { uri, dispose: () => undefined };
  }

  async resolveCustomEditor(document: vscode.CustomDocument, webviewPanel: vscode.WebviewPanel): Promise<void> {
    const watcher = await this.panels.showFrontierFile(document.uri, webviewPanel);
    webviewPanel.onDidDispose(() => watcher.dispose());
  }
}
