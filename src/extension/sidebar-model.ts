/**
 * What the Reverie side bar shows, without vscode: the workspace's feature files with their
 * features, and its saved frontiers and CLI run files, newest first.
 */
import type { DiscoveredFeature } from '../engine/features/discover';
import { featureDisplayName } from './feature-ranges';

/** Saved results the panel opens: frontier files (Save Frontier) and CLI run files. */
export const RESULT_FILES_GLOB = '**/*.{frontier,run}.json';
/** Folders never searched for features or results. */
export const SIDEBAR_EXCLUDE = '{**/node_modules/**,**/.reverie/**,**/dist/**,**/.git/**}';

export interface FileGroup<T> {
  /** Workspace-relative path. */
  path: string;
  entries: T[];
}

/** Entries grouped by file, files in path order, entries in their order within a file. */
export function groupByFile<T extends { path: string }>(entries: readonly T[]): FileGroup<T>[] {
  const groups = new Map<string, T[]>();
  for (const e of entries) {
    const list = groups.get(e.path);
    if (list) list.push(e);
    else groups.set(e.path, [e]);
  }
  return [...groups].sort(([a], [b]) => a.localeCompare(b)).map(([path, list]) => ({ path, entries: list }));
}

/** A feature's row: its name (what names its frontier file), and the export and model beside it. */
export function featureRow(f: DiscoveredFeature): { label: string; description: string } {
  const label = featureDisplayName(f);
  const parts = [label === f.exportName ? '' : f.exportName, f.model ?? ''].filter(Boolean);
  return { label, description: parts.join(' · ') };
}

export interface ResultFile {
  /** Workspace-relative path. */
  path: string;
  /** Modification time, ms since the epoch. */
  mtime: number;
}

/** A saved result's row: the file's name without its suffix, the kind and folder beside it, newest first. */
export function resultRows(files: readonly ResultFile[], now = Date.now()): { path: string; label: string; description: string }[] {
  return [...files].sort((a, b) => b.mtime - a.mtime || a.path.localeCompare(b.path)).map((f) => {
    const slash = f.path.lastIndexOf('/');
    const name = f.path.slice(slash + 1);
    const run = name.endsWith('.run.json');
    const label = name.replace(/\.(frontier|run)\.json$/, '');
    const folder = slash >= 0 ? f.path.slice(0, slash) : '';
    return { path: f.path, label, description: [run ? 'run' : 'frontier', folder, age(now - f.mtime)].filter(Boolean).join(' · ') };
  });
}

/** "just now", "5 min ago", "3 h ago", "2 days ago". */
export function age(ms: number): string {
  const min = Math.floor(ms / 60_000);
  if (min < 1) return 'just now';
  if (min < 60) return `${min} min ago`;
  const h = Math.floor(min / 60);
  if (h < 24) return `${h} h ago`;
  const d = Math.floor(h / 24);
  return d === 1 ? '1 day ago' : `${d} days ago`;
}
