/** Resolves `<file.ts>#<export>` on the command line: the file's model unless --model was given. */
import { loadOneFeature, parseFeatureRef, guessWorkspaceRoot, prepareLoadedFeature } from '../engine/dream/file-feature';
import type { LoadedFeature } from '../engine/features';
import type { LoadedModel } from '../engine/models/load';
import type { PreparedFeature } from '../engine/dream/dream';

/** The CLI runs feature files the user names explicitly, so they are trusted. */
export async function loadFileFeatureRef(ref: string): Promise<LoadedFeature> {
  const { file, exportName } = parseFeatureRef(ref);
  return loadOneFeature(file, exportName, { workspaceRoot: guessWorkspaceRoot(file), trusted: true });
}

/** Named SAEs follow the model options: --cache-dir, and --allow-download to fetch a missing one. */
export function prepareFileFeatureRef(feature: LoadedFeature, model: LoadedModel, hub: { allowDownload?: boolean; cacheDir?: string } = {}): Promise<PreparedFeature> {
  return prepareLoadedFeature(feature, model, {
    allowDownload: !!hub.allowDownload, cacheDir: hub.cacheDir,
    onProgress: (p) => { if (p.done === p.total) process.stderr.write(`downloaded ${p.file} (${(p.done / 2 ** 20).toFixed(1)} MiB)\n`); },
  });
}
