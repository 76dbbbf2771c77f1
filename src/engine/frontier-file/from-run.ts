/**
 * One results story: a CLI run file (`.run.json`, docs/run-format.md) read as a frontier file with
 * one run, so the panel opens either. Nothing is lost for display — the run's history (compressed),
 * frontier, seed and config carry over — and the feature is rebuildable (Run again, attribution)
 * when the run file says how: built-in neurons and logits always do since this version; a run
 * file from before only shows its dreams.
 */
import { createHash } from 'node:crypto';
import { parseJson, isObject } from '../epo/json-check';
import { historyFromRun, parseRunFile, RUN_FORMAT, type RunFile } from '../epo/run-file';
import { compressHistory } from './history-codec';
import { FRONTIER_FORMAT, FRONTIER_VERSION, type FrontierFile } from './format';
import { parseFrontierFile } from './parse';
import { readTextFile } from '../epo/json-check';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export function frontierFromRun(run: RunFile, path: string): FrontierFile {
  const f = run.feature;
  // As the panel records a built-in ("neuron \"2.17\""); a feature file's text is not in a run file.
  const source = f.kind && f.kind !== 'file' && f.spec !== undefined ? `${f.kind} ${JSON.stringify(f.spec)}` : '';
  const history = historyFromRun(run, path);
  const evaluations = history?.size ?? run.stats.evaluations;
  const file: FrontierFile = {
    format: FRONTIER_FORMAT,
    version: FRONTIER_VERSION,
    createdAt: run.createdAt,
    updatedAt: run.createdAt,
    feature: {
      name: f.name, description: f.description, kind: f.kind ?? 'file', sourceHash: f.sourceHash, source, sourceTextHash: sha256(source),
      ...(f.file !== undefined ? { file: f.file } : {}), ...(f.exportName !== undefined ? { exportName: f.exportName } : {}), ...(f.spec !== undefined ? { spec: f.spec } : {}),
    },
    model: { id: run.model.id, files: run.model.files },
    runs: [{
      // The same run file opened twice is the same run (a merge on save replaces, not duplicates, it).
      id: `run:${sha256(`${path}|${run.createdAt}|${run.seed}`).slice(0, 16)}`,
      seed: run.seed, config: run.config, iterationsDone: run.iterationsDone, cancelled: run.cancelled, evaluations,
      bestFeatureXeBelow4: run.bestFeatureXeBelow4, bestFeatureXeBelow6: run.bestFeatureXeBelow6, savedAt: run.createdAt,
      ...(history ? { history: compressHistory(history) } : {}),
    }],
    frontier: run.frontier.map((p) => ({ ids: p.ids, text: p.text ?? '', feature: p.feature, xe: p.xe, iteration: p.iteration, run: 0, row: p.row })),
  };
  // What the panel reads is what a frontier file must be: checked as one.
  return parseFrontierFile(JSON.stringify(file), `${path} (as a frontier file)`);
}

/** A frontier file, or a run file read as one (by its `format` field, whatever its name). */
export function parseResultsFile(text: string, path: string): FrontierFile {
  let format: unknown;
  try {
    format = isObject(parseJson(text, path), path).format;
  } catch {
    format = undefined; // the frontier parser names the problem
  }
  return format === RUN_FORMAT ? frontierFromRun(parseRunFile(text, path), path) : parseFrontierFile(text, path);
}

export async function readResultsFile(path: string): Promise<FrontierFile> {
  return parseResultsFile(await readTextFile(path, 'frontier or run file'), path);
}
