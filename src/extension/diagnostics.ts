/**
 * Problems in feature files, in the Problems view at the right line: from evaluating the file
 * (syntax, imports, runtime errors, options) and compiling each feature against its model (shape,
 * hooks, tokens, vectors), refreshed on open and save. Only in trusted workspaces — evaluating is
 * running the file. Nothing here may throw into the host.
 */
import * as vscode from 'vscode';
import type { FeatureDiagnostic } from '../worker/worker-protocol';
import type { DreamEngine } from './engine-client';
import { featuresIn } from './feature-ranges';
import { modelOptions } from './engine-options';
import { currentSettings } from './settings';
import { logAt } from './log';

function toRange(d: FeatureDiagnostic): vscode.Range {
  const line = Math.max(0, d.line - 1), col = Math.max(0, d.column - 1);
  const doc = vscode.workspace.textDocuments.find((t) => t.uri.fsPath === d.file);
  const end = doc && line < doc.lineCount ? doc.lineAt(line).range.end.character : col;
  return new vscode.Range(line, col, line, Math.max(col, end));
}

export class FeatureDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('reverie');
  /** For each checked file, the files its last check put diagnostics on (imports can be at fault). */
  private readonly owned = new Map<string, Set<string>>();
  private readonly generation = new Map<string, number>();
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly engine: DreamEngine) {
    this.subscriptions = [
      this.collection,
      vscode.workspace.onDidSaveTextDocument((d) => void this.check(d)),
      vscode.workspace.onDidOpenTextDocument((d) => void this.check(d)),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.checkOpen()),
    ];
  }

  checkOpen(): void {
    for (const d of vscode.workspace.textDocuments) void this.check(d);
  }

  private clear(file: string): void {
    for (const f of this.owned.get(file) ?? []) this.collection.delete(vscode.Uri.file(f));
    this.owned.delete(file);
  }

  async check(doc: vscode.TextDocument): Promise<void> {
    if (doc.uri.scheme !== 'file') return;
    const file = doc.uri.fsPath;
    const root = vscode.workspace.getWorkspaceFolder(doc.uri)?.uri.fsPath;
    if (!vscode.workspace.isTrusted || !root || !featuresIn(file, doc.getText()).length) {
      if (this.owned.has(file)) this.clear(file);
      return;
    }
    const gen = (this.generation.get(file) ?? 0) + 1;
    this.generation.set(file, gen);
    try {
      const settings = currentSettings(doc.uri);
      const r = await this.engine.call('lintFeatureFile', { file, workspaceRoot: root, trusted: true, compile: true, model: modelOptions(settings, root) });
      if (this.generation.get(file) !== gen) return; // a newer check is on its way
      this.clear(file);
      const byFile = new Map<string, vscode.Diagnostic[]>();
      for (const d of r.diagnostics) {
        const diag = new vscode.Diagnostic(toRange(d), d.message, d.severity === 'warning' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Error);
        diag.source = 'reverie';
        diag.code = d.code;
        byFile.set(d.file, [...(byFile.get(d.file) ?? []), diag]);
      }
      for (const [f, list] of byFile) this.collection.set(vscode.Uri.file(f), list);
      this.owned.set(file, new Set(byFile.keys()));
      for (const line of r.logs) logAt('info', `${vscode.workspace.asRelativePath(file)}: ${line}`);
    } catch (e) {
      logAt('error', `checking ${file} failed: ${(e as Error).message}`);
    }
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}
