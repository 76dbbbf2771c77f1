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
    const explicit = !!i && [i.globalValue, i.workspaceValue, i.workspaceFolderValue].some((v) => v !== undefined);
    return { value: c.get(key), explicit };
  });
  for (const p of problems) {
    if (reported.has(p)) continue;
    reported.add(p);
    logAt('warn', p);
  }
  return settings;
}
