/** Resolves `<file.ts>#<export>` feature references (feature files are evaluated by the features engine). */
import type { LoadedModel } from '../engine/models/load';
import type { PreparedFeature } from '../engine/dream/dream';

export async function resolveFileFeature(ref: string, model: LoadedModel): Promise<PreparedFeature> {
  void model;
  throw new Error(`feature files are not supported yet: ${ref}`);
}
