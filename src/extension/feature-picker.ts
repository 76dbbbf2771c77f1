/** The palette's "Reverie: Dream Feature": a quick pick of every feature defined in the workspace (discovery only). */
import * as vscode from 'vscode';
import type { DiscoveredFeature } from '../engine/features/discover';
import { featuresIn } from './feature-ranges';

export interface PickedFeature {
  uri: vscode.Uri;
  feature: DiscoveredFeature;
}

const MAX_FILES = 2000;

export async function findWorkspaceFeatures(): Promise<PickedFeature[]> {
  const files = await vscode.workspace.findFiles('**/*.{ts,mts,cts}', '{**/node_modules/**,**/.reverie/**,**/dist/**}', MAX_FILES);
  const out: PickedFeature[] = [];
  const decoder = new TextDecoder();
  await Promise.all(files.map(async (uri) => {
    // An open document may have unsaved edits: discovery should see what the user sees.
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    const text = open ? open.getText() : decoder.decode(await vscode.workspace.fs.readFile(uri));
    for (const feature of featuresIn(uri.fsPath, text)) out.push({ uri, feature });
  }));
  return out.sort((a, b) => a.uri.fsPath.localeCompare(b.uri.fsPath) || a.feature.range.start.line - b.feature.range.start.line);
}

export async function pickFeature(preferred?: vscode.Uri): Promise<PickedFeature | undefined> {
  const all = await findWorkspaceFeatures();
  if (!all.length) {
    const choice = await vscode.window.showInformationMessage(
      'Reverie: no features in this workspace (export const x = defineFeature({…}) in a .ts file).', 'New Feature File');
    if (choice) await vscode.commands.executeCommand('reverie.newFeatureFile');
    return undefined;
  }
  const first = preferred?.toString();
  all.sort((a, b) => Number(b.uri.toString() === first) - Number(a.uri.toString() === first));
  const items = all.map((p) => ({
    label: p.feature.name ?? p.feature.exportName,
    description: `${vscode.workspace.asRelativePath(p.uri)}:${p.feature.range.start.line + 1}`,
    detail: p.feature.model ? `model ${p.feature.model}` : undefined,
    feature: p,
  }));
  const chosen = await vscode.window.showQuickPick(items, { title: 'Reverie: Dream Feature', placeHolder: 'Feature to dream', matchOnDescription: true });
  return chosen?.feature;
}
