/**
 * Context keys from discovery of the active editor (syntax only): `reverie.featureFile` (it defines
 * features) and `reverie.inFeatureDefinition` (the cursor is inside one), which show "Reverie: Dream
 * Feature" in the editor's context menu.
 */
import * as vscode from 'vscode';
import type { DiscoveredFeature } from '../engine/features/discover';
import { featureAt, featuresIn } from './feature-ranges';

const cache = new Map<string, { version: number; features: DiscoveredFeature[] }>();

/** The features of a document, cached per version. */
export function documentFeatures(doc: vscode.TextDocument): DiscoveredFeature[] {
  const key = doc.uri.toString();
  const hit = cache.get(key);
  if (hit && hit.version === doc.version) return hit.features;
  const features = doc.uri.scheme === 'file' || doc.uri.scheme === 'untitled' ? featuresIn(doc.fileName, doc.getText()) : [];
  cache.set(key, { version: doc.version, features });
  return features;
}

/** The feature under the editor's cursor. */
export function featureUnderCursor(editor: vscode.TextEditor | undefined): DiscoveredFeature | undefined {
  if (!editor) return undefined;
  return featureAt(documentFeatures(editor.document), editor.selection.active);
}

export function watchFeatureContext(): vscode.Disposable {
  let lastFile: boolean | undefined, lastInside: boolean | undefined;
  const update = () => {
    const editor = vscode.window.activeTextEditor;
    const file = !!editor && documentFeatures(editor.document).length > 0;
    const inside = file && !!featureUnderCursor(editor);
    if (file !== lastFile) void vscode.commands.executeCommand('setContext', 'reverie.featureFile', (lastFile = file));
    if (inside !== lastInside) void vscode.commands.executeCommand('setContext', 'reverie.inFeatureDefinition', (lastInside = inside));
  };
  update();
  return vscode.Disposable.from(
    vscode.window.onDidChangeActiveTextEditor(update),
    vscode.window.onDidChangeTextEditorSelection(update),
    vscode.workspace.onDidChangeTextDocument((e) => { if (e.document === vscode.window.activeTextEditor?.document) update(); }),
    vscode.workspace.onDidCloseTextDocument((d) => cache.delete(d.uri.toString())),
  );
}
