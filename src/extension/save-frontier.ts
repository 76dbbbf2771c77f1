/** Save Frontier from a panel: into the workspace's frontier folder, asking before writing beside another feature's file. */
import * as vscode from 'vscode';
import { relative } from 'node:path';
import type { DreamEngine } from './engine-client';
import { currentSettings } from './settings';
import { frontierFolderPath } from './settings-model';
import { log } from './log';

export interface Saved {
  path: string;
  message: string;
}

async function folderFor(root: string | undefined): Promise<{ folder: string; root?: string } | null> {
  const settings = currentSettings(root ? vscode.Uri.file(root) : undefined);
  const base = root ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (base) return { folder: frontierFolderPath(base, settings.frontierFolder), root: base };
  const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Save Frontier Here' });
  return picked?.[0] ? { folder: picked[0].fsPath } : null;
}

export async function saveFrontier(engine: DreamEngine, sessionId: string, workspaceRoot: string | undefined): Promise<Saved | null> {
  const where = await folderFor(workspaceRoot);
  if (!where) return null;
  const includeHistories = currentSettings(where.root ? vscode.Uri.file(where.root) : undefined).includeHistories;
  let out = await engine.call('saveFrontier', { sessionId, folder: where.folder, includeHistories, onMismatch: 'report' });
  if (out.status === 'conflict') {
    const choice = await vscode.window.showWarningMessage(out.reason, { modal: true }, 'Save as New File');
    if (choice !== 'Save as New File') return null;
    out = await engine.call('saveFrontier', { sessionId, folder: where.folder, includeHistories, onMismatch: 'newFile' });
  }
  if (out.status !== 'saved') throw new Error(out.reason);
  const shown = where.root ? relative(where.root, out.path) : out.path;
  if (out.warning) {
    log().warn(out.warning);
    void vscode.window.showWarningMessage(`Reverie: ${out.warning}`);
  }
  log().info(`saved ${out.path}: ${out.runs} run(s), ${out.points} frontier points${out.merged ? ', merged with the runs already there' : ''}`);
  return {
    path: out.path,
    message: `Saved ${out.points} frontier point${out.points === 1 ? '' : 's'} from ${out.runs} run${out.runs === 1 ? '' : 's'} to ${shown}${out.merged ? ' (merged with the runs already there)' : ''}.`,
  };
}
