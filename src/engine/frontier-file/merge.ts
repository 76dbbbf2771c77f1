/**
 * Merging frontier files of the same feature and model: runs are united by id (a run saved again,
 * further along, replaces its older entry), the frontier is recomputed as the non-dominated set of
 * both frontiers (equal to the frontier of all runs' prompts, since a frontier dominates its run),
 * and dataset examples are united. Another model or feature is refused, never silently mixed.
 */
import { mergeFrontierPoints, type FrontierPoint } from '../epo/frontier';
import { promptKey } from '../epo/cache';
import { FrontierFile, FrontierFilePoint, FrontierMismatchError, FrontierRun } from './format';

const modelKey = (f: FrontierFile) => JSON.stringify(f.model.files.map((x) => x.sha256).sort());

/** Why `a` and `b` must not merge, or null. */
export function mergeConflict(a: FrontierFile, b: FrontierFile): FrontierMismatchError | null {
  if (modelKey(a) !== modelKey(b)) {
    return new FrontierMismatchError(`it holds dreams of model ${a.model.id} (files ${a.model.files.map((x) => `${x.name} ${x.sha256.slice(0, 8)}`).join(', ')}), ` +
      `not of ${b.model.id} (files ${b.model.files.map((x) => `${x.name} ${x.sha256.slice(0, 8)}`).join(', ')})`, 'model');
  }
  if (a.feature.sourceHash !== b.feature.sourceHash) {
    return new FrontierMismatchError(`it holds dreams of another definition of '${a.feature.name}' (feature hash ${a.feature.sourceHash.slice(0, 12)}, ` +
      `this one is ${b.feature.sourceHash.slice(0, 12)}): the feature changed since it was saved`, 'feature');
  }
  return null;
}

/** `existing` ∪ `incoming`; throws FrontierMismatchError when they are of different models or features. */
export function mergeFrontierFiles(existing: FrontierFile, incoming: FrontierFile, now = new Date()): FrontierFile {
  const conflict = mergeConflict(existing, incoming);
  if (conflict) throw conflict;
  const runs: FrontierRun[] = existing.runs.map((r) => ({ ...r }));
  const indexOf = new Map(runs.map((r, i) => [r.id, i]));
  const incomingIndex = incoming.runs.map((r) => {
    const at = indexOf.get(r.id);
    if (at === undefined) {
      indexOf.set(r.id, runs.length);
      runs.push(r);
      return runs.length - 1;
    }
    // The same run saved again: keep whichever got further (its history contains the other's).
    if (r.iterationsDone >= runs[at].iterationsDone) runs[at] = r;
    return at;
  });
  type Tagged = FrontierPoint & { source: FrontierFilePoint };
  const tag = (p: FrontierFilePoint, run: number): Tagged => ({ ids: p.ids, feature: p.feature, xe: p.xe, iteration: p.iteration, row: p.row, run, source: p });
  const merged = mergeFrontierPoints([
    existing.frontier.map((p) => tag(p, p.run)),
    incoming.frontier.map((p) => tag(p, incomingIndex[p.run])),
  ]) as Tagged[];
  const frontier = merged.map((p): FrontierFilePoint => ({ ...p.source, run: p.run! }));

  let dataset = existing.dataset;
  if (incoming.dataset?.length) {
    const seen = new Set((existing.dataset ?? []).map((d) => `${d.source}\u0000${promptKey(d.ids)}`));
    dataset = [...(existing.dataset ?? [])];
    for (const d of incoming.dataset) {
      const key = `${d.source}\u0000${promptKey(d.ids)}`;
      if (!seen.has(key)) { seen.add(key); dataset.push(d); }
    }
  }
  const out: FrontierFile = {
    ...existing,
    updatedAt: now.toISOString(),
    // The newer save describes the feature as it is now (same hash, so the same objective).
    feature: incoming.feature,
    model: { ...existing.model, ...incoming.model },
    runs,
    frontier,
  };
  if (dataset) out.dataset = dataset;
  return out;
}
