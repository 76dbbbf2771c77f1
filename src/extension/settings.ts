/** Reverie's settings from the VS Code configuration (the logic is in settings-model.ts). */
import * as vscode from 'vscode';
import { readSettings, ReverieSettings } from './settings-model';
import { logAt } from './log';

/** Problems already logged (settings are read often: by every CodeLens pass). */
const reported = new Set<string>();

export function currentSettings(scope?: vscode.Uri): ReverieSettings {
  const c = vscode.workspace.getConfiguration('reverie', scope);
  const { settings, problems } = readSettings((key) => {
    const i = c.inspect(key);
    return { default: i?.defaultValue, user: i?.globalValue, workspace: i?.workspaceValue, folder: i?.workspaceFolderValue };
  }, { trusted: vscode.workspace.isTrusted });
  for (const p of problems) {
    if (reported.has(p)) continue;
    reported.add(p);
    logAt('warn', p);
  }
  return settings;
}
