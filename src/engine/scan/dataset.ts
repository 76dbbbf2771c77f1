/**
 * Scan results as the frontier file's `dataset` series (docs/frontier-format.md): the points the
 * panel draws beside the dream frontier, added to an existing `<feature>.frontier.json` or written
 * as a new one. A new scan of the same source replaces that source's examples; other sources stay.
 */
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { writeFileAtomic } from '../epo/atomic-write';
import {
  buildFrontierFile, DatasetPoint, FrontierFeature, FrontierFile, mergeConflict, mergeFrontierFiles, readFrontierFile,
} from '../frontier-file';
import type { LoadedModel } from '../models/load';
import type { ScanResult } from './scan';

/** A short name for a corpus, for the legend: its files' or folders' names. */
export function corpusLabel(paths: string[]): string {
  return paths.map((p) => basename(resolve(p))).join(', ');
}

export function datasetPoints(result: ScanResult, source: string): DatasetPoint[] {
  return result.examples.map((e) => ({ ids: e.ids, text: e.text, feature: e.feature, xe: e.xe, source }));
}

export interface DatasetWriteInput {
  /** The `.frontier.json` to add to (created when missing). */
  path: string;
  feature: Omit<FrontierFeature, 'sourceTextHash'>;
  model: LoadedModel;
  points: DatasetPoint[];
  now?: Date;
}

export interface DatasetWriteOutcome {
  path: string;
  created: boolean;
  /** Examples of the same source that were in the file before and are replaced. */
  replaced: number;
  /** Dataset examples in the file now, all sources. */
  total: number;
}

export async function writeDatasetToFrontierFile(input: DatasetWriteInput): Promise<DatasetWriteOutcome> {
  const { model } = input;
  const now = input.now ?? new Date();
  if (!input.points.length) throw new Error(`no dataset examples to write to ${input.path}`);
  const sources = new Set(input.points.map((p) => p.source));
  const incoming: FrontierFile = buildFrontierFile({
    feature: input.feature,
    model: { id: model.id, files: model.files, layers: model.arch.numLayers, dModel: model.arch.hiddenSize, vocab: model.arch.vocabSize },
    runs: [],
    describe: (ids) => ({ text: model.tokenizer.decode(ids), tokens: ids.map((id) => model.tokenizer.tokenText(id)) }),
    dataset: input.points,
    now,
  });
  let out = incoming, created = true, replaced = 0;
  if (existsSync(input.path)) {
    // A damaged file or one of another model or feature is reported, never overwritten.
    const existing = await readFrontierFile(input.path);
    const conflict = mergeConflict(existing, incoming);
    if (conflict) throw new Error(`${input.path} was not changed: ${conflict.message}`);
    const kept = (existing.dataset ?? []).filter((d) => !sources.has(d.source));
    replaced = (existing.dataset?.length ?? 0) - kept.length;
    const base: FrontierFile = { ...existing, dataset: kept };
    if (!kept.length) delete base.dataset;
    out = mergeFrontierFiles(base, incoming, now);
    // The existing file describes the feature as the dreams saw it; a scan does not rename it.
    out.feature = existing.feature;
    created = false;
  }
  await writeFileAtomic(input.path, `${JSON.stringify(out, null, 1)}\n`);
  return { path: input.path, created, replaced, total: out.dataset?.length ?? 0 };
}
