/**
 * When a model is not on this machine: say so, and offer to choose the folder it is in (a model
 * folder or llama2.c file is used for this dream; any other folder becomes the Hugging Face cache)
 * or to allow downloads. Resolves with how to retry, or null.
 */
import * as vscode from 'vscode';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { log } from './log';

export interface Retry {
  /** Use this model reference instead of the feature's own. */
  modelRef?: string;
}

function isModelPath(p: string): boolean {
  try {
    if (statSync(p).isFile()) return p.endsWith('.bin');
    return existsSync(join(p, 'config.json')) || readdirSync(p).some((f) => f.endsWith('.bin') && !f.startsWith('tok'));
  } catch {
    return false;
  }
}

export async function askAboutMissingModel(message: string): Promise<Retry | null> {
  const choice = await vscode.window.showErrorMessage(message, 'Choose Folder…', 'Allow Download', 'Show Log');
  if (choice === 'Show Log') {
    log().show();
    return null;
  }
  if (choice === 'Allow Download') {
    await vscode.workspace.getConfiguration('reverie').update('allowDownloads', true, vscode.ConfigurationTarget.Global);
    return {};
  }
  if (choice !== 'Choose Folder…') return null;
  const picked = await vscode.window.showOpenDialog({
    canSelectFolders: true, canSelectFiles: true, canSelectMany: false,
    openLabel: 'Use This Model or Cache',
    title: 'A model folder (config.json + safetensors), a llama2.c .bin, or a Hugging Face cache folder',
  });
  const path = picked?.[0]?.fsPath;
  if (!path) return null;
  if (isModelPath(path)) return { modelRef: path };
  await vscode.workspace.getConfiguration('reverie').update('modelCacheDir', path, vscode.ConfigurationTarget.Global);
  return {};
}

/** Feature files are code: explain, and offer the trust editor. */
export async function explainUntrusted(message: string): Promise<void> {
  const choice = await vscode.window.showWarningMessage(message, 'Manage Workspace Trust');
  if (choice) await vscode.commands.executeCommand('workbench.trust.manage');
}
