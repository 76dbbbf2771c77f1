/**
 * The "Reverie" view container in the activity bar: Features (every feature file of the
 * workspace, its features below it; ▶ dreams one, a click goes to its definition) and Saved
 * Results (frontier and run files, newest first; a click opens one in the panel). Discovery is
 * syntax only, so both views work in untrusted workspaces. Nothing is read until a view is shown.
 */
import * as vscode from 'vscode';
import type { DiscoveredFeature } from '../engine/features/discover';
import { findWorkspaceFeatures } from './feature-picker';
import { RESULT_FILES_GLOB, SIDEBAR_EXCLUDE, featureRow, groupByFile, resultRows } from './sidebar-model';

export const FEATURES_VIEW = 'reverie.features';
export const RESULTS_VIEW = 'reverie.results';
const MAX_RESULTS = 500;

/** A feature row: what `reverie.dreamFeature` receives from the view's ▶. */
export interface FeatureNode { kind: 'feature'; uri: vscode.Uri; exportName: string; feature: DiscoveredFeature }
interface FileNode { kind: 'file'; uri: vscode.Uri; path: string; features: FeatureNode[] }
type FeaturesNode = FileNode | FeatureNode;

export function isFeatureNode(x: unknown): x is FeatureNode {
  return !!x && typeof x === 'object' && (x as FeatureNode).kind === 'feature' && (x as FeatureNode).uri instanceof vscode.Uri;
}

abstract class RefreshingTree<T> implements vscode.TreeDataProvider<T>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private timer?: NodeJS.Timeout;

  /** Re-reads on the next look (coalesced: a save or a checkout touches many files at once). */
  refresh(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.changed.fire(), 300);
  }

  abstract getTreeItem(node: T): vscode.TreeItem;
  abstract getChildren(node?: T): Promise<T[]>;

  dispose(): void {
    clearTimeout(this.timer);
    this.changed.dispose();
  }
}

class FeaturesTree extends RefreshingTree<FeaturesNode> {
  async getChildren(node?: FeaturesNode): Promise<FeaturesNode[]> {
    if (node) return node.kind === 'file' ? node.features : [];
    const found = (await findWorkspaceFeatures()).map((p) => ({ path: vscode.workspace.asRelativePath(p.uri), uri: p.uri, feature: p.feature }));
    return groupByFile(found).map((g): FileNode => ({
      kind: 'file', uri: g.entries[0].uri, path: g.path,
      features: g.entries.map((e) => ({ kind: 'feature', uri: e.uri, exportName: e.feature.exportName, feature: e.feature })),
    }));
  }

  getTreeItem(node: FeaturesNode): vscode.TreeItem {
    if (node.kind === 'file') {
      const item = new vscode.TreeItem(node.uri, vscode.TreeItemCollapsibleState.Expanded);
      item.description = node.path.includes('/') ? node.path.slice(0, node.path.lastIndexOf('/')) : undefined;
      item.contextValue = 'reverie.featureFile';
      return item;
    }
    const { label, description } = featureRow(node.feature);
    const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
    item.description = description || undefined;
    item.iconPath = new vscode.ThemeIcon('pulse');
    item.tooltip = `${label} — ${vscode.workspace.asRelativePath(node.uri)}:${node.feature.range.start.line + 1}`;
    item.contextValue = 'reverie.feature';
    const start = new vscode.Position(node.feature.range.start.line, node.feature.range.start.character);
    item.command = { title: 'Go to Definition', command: 'vscode.open', arguments: [node.uri, { selection: new vscode.Range(start, start) }] };
    return item;
  }
}

interface ResultNode { uri: vscode.Uri; label: string; description: string }

class ResultsTree extends RefreshingTree<ResultNode> {
  async getChildren(node?: ResultNode): Promise<ResultNode[]> {
    if (node) return [];
    const uris = await vscode.workspace.findFiles(RESULT_FILES_GLOB, SIDEBAR_EXCLUDE, MAX_RESULTS);
    const files = await Promise.all(uris.map(async (uri) => {
      const mtime = await vscode.workspace.fs.stat(uri).then((s) => s.mtime, () => 0);
      return { path: vscode.workspace.asRelativePath(uri), mtime, uri };
    }));
    const byPath = new Map(files.map((f) => [f.path, f.uri]));
    return resultRows(files).map((r) => ({ uri: byPath.get(r.path)!, label: r.label, description: r.description }));
  }

  getTreeItem(node: ResultNode): vscode.TreeItem {
    const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
    item.description = node.description;
    item.iconPath = new vscode.ThemeIcon('graph-scatter');
    item.tooltip = vscode.workspace.asRelativePath(node.uri);
    item.resourceUri = node.uri;
    item.contextValue = 'reverie.result';
    item.command = { title: 'Open Frontier', command: 'reverie.openFrontier', arguments: [node.uri] };
    return item;
  }
}

/** Registers both views, refreshed when TypeScript or result files change, or a frontier is saved. */
export function registerSidebar(saved: vscode.Event<unknown>): vscode.Disposable {
  const features = new FeaturesTree();
  const results = new ResultsTree();
  const tsFiles = vscode.workspace.createFileSystemWatcher('**/*.{ts,mts,cts}');
  const resultFiles = vscode.workspace.createFileSystemWatcher(RESULT_FILES_GLOB);
  const refreshFeatures = () => features.refresh();
  const refreshResults = () => results.refresh();
  return vscode.Disposable.from(
    features, results, tsFiles, resultFiles,
    vscode.window.createTreeView(FEATURES_VIEW, { treeDataProvider: features, showCollapseAll: true }),
    vscode.window.createTreeView(RESULTS_VIEW, { treeDataProvider: results }),
    tsFiles.onDidCreate(refreshFeatures), tsFiles.onDidChange(refreshFeatures), tsFiles.onDidDelete(refreshFeatures),
    resultFiles.onDidCreate(refreshResults), resultFiles.onDidChange(refreshResults), resultFiles.onDidDelete(refreshResults),
    saved(refreshResults),
    vscode.commands.registerCommand('reverie.refreshSidebar', () => { features.refresh(); results.refresh(); }),
  );
}
