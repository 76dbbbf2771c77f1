/**
 * The commands (ids are stable: tests and docs name them):
 *   reverie.dreamFeature   Reverie: Dream Feature   (editor menu / CodeLens: the feature there; palette: a quick pick)
 *   reverie.dreamNeuron    Reverie: Dream Neuron…   (asks LAYER.INDEX; the model is reverie.defaultModel)
 *   reverie.dreamLogit     Reverie: Dream Logit…    (asks for one token)
 *   reverie.openFrontier   Reverie: Open Frontier…  (a *.frontier.json in the panel)
 *   reverie.saveFrontier   Reverie: Save Frontier   (the active dream panel)
 *   reverie.newFeatureFile Reverie: New Feature File
 *   reverie.showLog        Reverie: Show Log
 */
import * as vscode from 'vscode';
import { isFeatureNode } from './sidebar';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { guessWorkspaceRoot } from '../engine/features/workspace';
import type { DreamPanels } from './dream-panels';
import { documentFeatures, featureUnderCursor } from './feature-context';
import { featureDisplayName } from './feature-ranges';
import { pickFeature } from './feature-picker';
import { explainUntrusted } from './model-missing';
import { currentSettings } from './settings';
import { frontierFolderPath } from './settings-model';
import { FRONTIER_EDITOR_VIEW_TYPE } from './webview-content';
import { log } from './log';

const UNTRUSTED = 'Reverie runs feature files only in trusted workspaces, because they are code: trust this workspace to dream its features. (Built-in neuron and logit dreams and saved frontiers work without trust.)';

async function dreamFileFeature(panels: DreamPanels, uri: vscode.Uri, exportName: string, label: string): Promise<void> {
  if (!vscode.workspace.isTrusted) {
    await explainUntrusted(UNTRUSTED);
    return;
  }
  // The file is evaluated from disk: unsaved edits would be silently ignored.
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open?.isDirty) await open.save();
  const root = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? guessWorkspaceRoot(uri.fsPath);
  await panels.dream({ source: { kind: 'file', file: uri.fsPath, exportName, workspaceRoot: root, trusted: true }, label, workspaceRoot: root });
}

async function dreamFeature(panels: DreamPanels, uri?: unknown, exportName?: unknown): Promise<void> {
  if (isFeatureNode(uri)) {
    await dreamFileFeature(panels, uri.uri, uri.exportName, featureDisplayName(uri.feature));
    return;
  }
  if (uri instanceof vscode.Uri && typeof exportName === 'string') {
    const doc = await vscode.workspace.openTextDocument(uri);
    const f = documentFeatures(doc).find((x) => x.exportName === exportName);
    await dreamFileFeature(panels, uri, exportName, f ? featureDisplayName(f) : exportName);
    return;
  }
  const editor = vscode.window.activeTextEditor;
  const here = featureUnderCursor(editor);
  if (editor && here) {
    await dreamFileFeature(panels, editor.document.uri, here.exportName, featureDisplayName(here));
    return;
  }
  const picked = await pickFeature(editor?.document.uri);
  if (picked) await dreamFileFeature(panels, picked.uri, picked.feature.exportName, featureDisplayName(picked.feature));
}

const workspaceRoot = () => vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;

async function dreamNeuron(panels: DreamPanels): Promise<void> {
  const settings = currentSettings();
  const spec = await vscode.window.showInputBox({
    title: 'Reverie: Dream Neuron', prompt: `MLP neuron of ${settings.defaultModel}, as LAYER.INDEX`, placeHolder: '2.17',
    validateInput: (v) => (/^\s*\d+\.\d+\s*$/.test(v) ? null : 'LAYER.INDEX, e.g. 2.17'),
  });
  if (!spec) return;
  await panels.dream({ source: { kind: 'neuron', spec: spec.trim() }, label: `neuron ${spec.trim()}`, workspaceRoot: workspaceRoot(), modelRef: settings.defaultModel });
}

async function dreamLogit(panels: DreamPanels): Promise<void> {
  const settings = currentSettings();
  const text = await vscode.window.showInputBox({
    title: 'Reverie: Dream Logit', prompt: `One token of ${settings.defaultModel} whose logit to maximise (it is banned from the prompts)`, placeHolder: ' happy',
    validateInput: (v) => (v.length ? null : 'a token, e.g. " happy" (mind the leading space)'),
  });
  if (!text) return;
  await panels.dream({ source: { kind: 'logit', text }, label: `logit ${JSON.stringify(text)}`, workspaceRoot: workspaceRoot(), modelRef: settings.defaultModel });
}

async function openFrontier(uri?: unknown): Promise<void> {
  let target = uri instanceof vscode.Uri ? uri : undefined;
  if (!target) {
    const root = workspaceRoot();
    const folder = root ? frontierFolderPath(root, currentSettings().frontierFolder) : undefined;
    const picked = await vscode.window.showOpenDialog({
      title: 'Reverie: Open Frontier', canSelectMany: false, filters: { 'Reverie frontiers': ['json'] },
      defaultUri: folder && existsSync(folder) ? vscode.Uri.file(folder) : undefined,
    });
    target = picked?.[0];
  }
  if (target) await vscode.commands.executeCommand('vscode.openWith', target, FRONTIER_EDITOR_VIEW_TYPE);
}

async function newFeatureFile(): Promise<void> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  let dir: string | undefined;
  if (folders.length === 1) dir = folders[0].uri.fsPath;
  else if (folders.length > 1) dir = (await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Where to create features.ts' }))?.uri.fsPath;
  else dir = (await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Create Feature File Here' }))?.[0]?.fsPath;
  if (!dir) return;
  try {
    // Loaded on use: scaffolding bundles the runtime's types with esbuild, which activation does not need.
    const { scaffoldFeatureWorkspace } = await import('../reverie-api/scaffold');
    const r = scaffoldFeatureWorkspace(dir);
    log().info(`new feature workspace in ${dir}: wrote ${r.written.join(', ') || 'nothing'}; kept ${r.kept.join(', ') || 'nothing'}`);
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(join(dir, 'features.ts')));
    await vscode.window.showTextDocument(doc);
  } catch (e) {
    void vscode.window.showErrorMessage(`Reverie: could not create the feature file: ${(e as Error).message}`);
  }
}

/** Commands must never throw into VS Code: errors are logged and shown. */
function safely(name: string, fn: (...args: unknown[]) => Promise<void>): (...args: unknown[]) => Promise<void> {
  return async (...args) => {
    try {
      await fn(...args);
    } catch (e) {
      log().error(`${name} failed: ${(e as Error).stack ?? e}`);
      void vscode.window.showErrorMessage(`Reverie: ${(e as Error).message}`);
    }
  };
}

export function registerCommands(panels: DreamPanels): vscode.Disposable {
  const r = (id: string, fn: (...args: unknown[]) => Promise<void>) => vscode.commands.registerCommand(id, safely(id, fn));
  return vscode.Disposable.from(
    r('reverie.dreamFeature', (uri, exportName) => dreamFeature(panels, uri, exportName)),
    r('reverie.dreamNeuron', () => dreamNeuron(panels)),
    r('reverie.dreamLogit', () => dreamLogit(panels)),
    r('reverie.openFrontier', (uri) => openFrontier(uri)),
    r('reverie.saveFrontier', () => panels.saveActive()),
    r('reverie.newFeatureFile', () => newFeatureFile()),
    r('reverie.showLog', async () => log().show()),
  );
}
