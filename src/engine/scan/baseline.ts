/**
 * The dataset series for a dream panel (setting `reverie.datasetCorpus`): scans the corpus once per
 * model, feature, window and corpus, keeping the finished state in a cache folder, so opening the
 * panel again costs nothing and an interrupted scan (panel closed) continues where it stopped.
 */
import { createHash } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { DatasetPoint } from '../frontier-file';
import { corpusLabel, datasetPoints } from './dataset';
import { scanCorpus, ScanOptions, ScanResult } from './scan';
import { ScanStateMismatchError } from './state';

export interface BaselineOptions extends Omit<ScanOptions, 'statePath' | 'resume'> {
  /** Folder for finished and partial scans (e.g. the extension's global storage). */
  cacheDir: string;
  /** The series' name in the legend (default: the corpus names). */
  source?: string;
}

export interface Baseline {
  points: DatasetPoint[];
  result: ScanResult;
  /** The state file of this scan (delete it to scan again). */
  statePath: string;
}

export async function datasetBaseline(o: BaselineOptions): Promise<Baseline> {
  const key = createHash('sha256').update(JSON.stringify({
    model: o.model.files.map((f) => f.sha256).sort(), feature: o.feature.info.sourceHash, n: o.n ?? null, stride: o.stride ?? 1, top: o.top ?? null,
    corpus: o.corpus.map((p) => resolve(p)),
  })).digest('hex').slice(0, 24);
  await mkdir(o.cacheDir, { recursive: true });
  const statePath = join(o.cacheDir, `scan-${key}.json`);
  let result: ScanResult;
  try {
    result = await scanCorpus({ ...o, statePath, resume: true });
  } catch (e) {
    // Same corpus paths, but the files changed since the cached scan: scan them again.
    if (!(e instanceof ScanStateMismatchError)) throw e;
    await rm(statePath, { force: true });
    result = await scanCorpus({ ...o, statePath, resume: true });
  }
  return { points: datasetPoints(result, o.source ?? corpusLabel(o.corpus)), result, statePath };
}
