/** "▶ Dream" and "Open last frontier" above each feature definition (setting reverie.codeLens.enabled). */
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { frontierFileName } from '../engine/frontier-file/save';
import { documentFeatures } from './feature-context';
import { codeLensLine, featureDisplayName } from './feature-ranges';
import { currentSettings } from './settings';
import { frontierFolderPath } from './settings-model';

export const DREAM_LENS_TITLE = '▶ Dream';
export const FRONTIER_LENS_TITLE = 'Open last frontier';

/** The frontier file a feature's saves go to (the first of `<name>.frontier.json`, `<name>-2.frontier.json`, …). */
export function frontierFileFor(doc: vscode.Uri, featureName: string): vscode.Uri | undefined {
  const root = vscode.workspace.getWorkspaceFolder(doc)?.uri.fsPath;
  if (!root) return undefined;
  const path = join(frontierFolderPath(root, currentSettings(doc).frontierFolder), frontierFileName(featureName));
  return existsSync(path) ? vscode.Uri.file(path) : undefined;
}

export class FeatureCodeLenses implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  refresh(): void {
    this.changed.fire();
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    if (!currentSettings(doc.uri).codeLensEnabled) return [];
    const lenses: vscode.CodeLens[] = [];
    for (const f of documentFeatures(doc)) {
      const line = codeLensLine(f);
      const range = new vscode.Range(line, 0, line, 0);
      lenses.push(new vscode.CodeLens(range, {
        title: DREAM_LENS_TITLE, command: 'reverie.dreamFeature', arguments: [doc.uri, f.exportName],
        tooltip: `Dream '${featureDisplayName(f)}' (EPO) and show the frontier`,
      }));
      const saved = frontierFileFor(doc.uri, featureDisplayName(f));
      if (saved) {
        lenses.push(new vscode.CodeLens(range, {
          title: FRONTIER_LENS_TITLE, command: 'reverie.openFrontier', arguments: [saved], tooltip: vscode.workspace.asRelativePath(saved),
        }));
      }
    }
    return lenses;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
