/** Locates the shared stories260K files (../shared/models next to the checkout, or shared/ inside it). */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export function stories260kFile(name: 'stories260K.bin' | 'tok512.bin'): string {
  const candidates = [
    process.env.REVERIE_MODELS_DIR && resolve(process.env.REVERIE_MODELS_DIR, 'stories260K', name),
    resolve(process.cwd(), '../shared/models/stories260K', name),
    resolve(process.cwd(), 'shared/models/stories260K', name),
  ].filter((p): p is string => !!p);
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`stories260K/${name} not found; looked in ${candidates.join(', ')} (set REVERIE_MODELS_DIR)`);
  return found;
}
