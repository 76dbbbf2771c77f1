/**
 * Reverie's VS Code entry point: wires the parts (one file per concern) and nothing else. The
 * engine runs in a worker thread (engine-client.ts → src/worker/dream-worker.ts).
 */
import * as vscode from 'vscode';
import { DreamEngine } from './engine-client';
import { DreamPanels } from './dream-panels';
import { DreamPanelSerializer } from './panel-serializer';
import { FrontierEditorProvider } from './frontier-editor';
import { FeatureCodeLenses } from './codelens';
import { FeatureDiagnostics } from './diagnostics';
import { watchFeatureContext } from './feature-context';
import { registerCommands } from './commands';
import { registerSidebar } from './sidebar';
import { RunRegistry } from './run-registry';
import { DREAM_VIEW_TYPE, FRONTIER_EDITOR_VIEW_TYPE } from './webview-content';
import { disposeLog, log } from './log';

let engine: DreamEngine | undefined;

/** A dream panel not restored for this long is forgotten (and its checkpoints deleted). */
const RECORD_DAYS = 30;

export function activate(context: vscode.ExtensionContext): void {
  log().info(`Reverie ${context.extension.packageJSON.version as string} activated`);
  engine = new DreamEngine();
  const registry = new RunRegistry(context.workspaceState);
  const panels = new DreamPanels(context, engine, registry);
  // Records of panels that never came back, then checkpoints no record needs.
  registry.prune(RECORD_DAYS).then(() => panels.collectCheckpoints()).catch((e: Error) => {
    log().warn(`could not clean up old checkpoints: ${e.message}`);
  });
  const lenses = new FeatureCodeLenses();
  const diagnostics = new FeatureDiagnostics(engine);
  context.subscriptions.push(
    panels,
    lenses,
    diagnostics,
    registerCommands(panels),
    registerSidebar(panels.savedEmitter.event),
    watchFeatureContext(),
    vscode.window.registerWebviewPanelSerializer(DREAM_VIEW_TYPE, new DreamPanelSerializer(panels)),
    vscode.window.registerCustomEditorProvider(FRONTIER_EDITOR_VIEW_TYPE, new FrontierEditorProvider(panels), {
      supportsMultipleEditorsPerDocument: true,
    }),
    vscode.languages.registerCodeLensProvider({ language: 'typescript', scheme: 'file' }, lenses),
    panels.savedEmitter.event(() => lenses.refresh()),
    vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration('reverie')) lenses.refresh(); }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => lenses.refresh()),
  );
  diagnostics.checkOpen();
}

export async function deactivate(): Promise<void> {
  const e = engine;
  engine = undefined;
  await e?.dispose();
  disposeLog();
}
