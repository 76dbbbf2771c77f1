/**
 * TypeScript (≈ 10 MB) is its own bundle, dist/discover.js — feature discovery and the feature-file
 * transpiler — required the first time either is needed, so the extension's activation, the dream
 * worker and the CLI's other commands never load it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

type Tools = typeof import('./discover');

let loaded: Tools | undefined;

export function typescriptTools(): Tools {
  if (!loaded) {
    const bundled = join(__dirname, 'discover.js');
    // A computed path, so a bundler leaves TypeScript out of the bundle that calls this (from sources, tsx resolves it).
    const source = ['.', 'discover'].join('/');
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load, on first use
    loaded = (!__filename.endsWith('.ts') && existsSync(bundled) ? require(bundled) : require(source)) as Tools;
  }
  return loaded;
}
