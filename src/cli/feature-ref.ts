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

export function prepareFileFeatureRef(feature: LoadedFeature, model: LoadedModel): Promise<PreparedFeature> {
  return prepareLoadedFeature(feature, model);
}
