/**
 * Feature discovery needs TypeScript's parser (≈ 10 MB of bundle): it is its own bundle
 * (dist/discover.js), required the first time a file mentions defineFeature, so activating in a
 * TypeScript workspace without feature files does not load it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

type Discovery = typeof import('../engine/features/discover');

let loaded: Discovery | undefined;

export function discovery(): Discovery {
  if (!loaded) {
    const bundled = join(__dirname, 'discover.js');
    // A computed path, so the bundler leaves the parser out of extension.js (from sources, tsx resolves it).
    const source = ['..', 'engine', 'features', 'discover'].join('/');
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load, on first use
    loaded = (!__filename.endsWith('.ts') && existsSync(bundled) ? require(bundled) : require(source)) as Discovery;
  }
  return loaded;
}
