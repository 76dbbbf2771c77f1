/**
 * Where features are in an editor, from discovery (syntax only, nothing evaluated), without
 * vscode: which line a CodeLens goes on, which definition the cursor is in, whether a file is a
 * feature file at all (the context key that shows the editor menu entry).
 */
import type { DiscoveredFeature, Position } from '../engine/features/discover';
import { discovery } from './lazy-discover';

/** TypeScript sources that may define features (declaration files never do). */
export function mayDefineFeatures(fileName: string): boolean {
  return /\.(ts|mts|cts)$/.test(fileName) && !/\.d\.[mc]?ts$/.test(fileName);
}

/** The file's features, or none when it is not a TypeScript source or does not import defineFeature. */
export function featuresIn(fileName: string, text: string): DiscoveredFeature[] {
  if (!mayDefineFeatures(fileName) || !text.includes('defineFeature')) return [];
  try {
    return discovery().discoverFeatures(fileName, text);
  } catch {
    return []; // the parser recovers from anything, but a menu must never break the editor
  }
}

/** The 0-based line a feature's CodeLens goes on: the first line of its declaration (above any doc comment's code). */
export function codeLensLine(f: DiscoveredFeature): number {
  return f.range.start.line;
}

const before = (a: Position, b: Position) => a.line < b.line || (a.line === b.line && a.character < b.character);

/** The feature whose declaration contains `pos` (ends inclusive), if any. */
export function featureAt(features: readonly DiscoveredFeature[], pos: Position): DiscoveredFeature | undefined {
  return features.find((f) => !before(pos, f.range.start) && !before(f.range.end, pos));
}

/** The name the engine gives a feature (its `name` option, else the export), which names its frontier file. */
export function featureDisplayName(f: DiscoveredFeature): string {
  return f.name ?? f.exportName;
}
