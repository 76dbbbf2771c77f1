/**
 * Reading a frontier file back: every field checked, and a damaged file reported by naming the
 * field and what is wrong with it (FrontierFileError), never misread.
 */
import { resolveSavedConfig } from '../epo/config';
import { bad, FileFormatError, isArray, isBool, isInt, isNumber, isObject, isString, parseJson, readTextFile, checkModelFiles } from '../epo/json-check';
import { decompressHistory } from './history-codec';
import {
  CompressedHistory, DatasetPoint, FrontierFile, FrontierFileError, FrontierFilePoint, FrontierRun,
  FRONTIER_FORMAT, FRONTIER_VERSION,
} from './format';

const finiteOrNull = (v: unknown, what: string) => (v === null ? null : isNumber(v, what));

function ids(v: unknown, what: string, n?: number): number[] {
  const a = isArray(v, what);
  if (n !== undefined && a.length !== n) bad(what, `${n} token ids`, `${a.length} ids`);
  a.forEach((id, i) => isInt(id, `${what}[${i}]`));
  return a as number[];
}

function checkRun(raw: unknown, what: string, decodeHistory: boolean): FrontierRun {
  const r = isObject(raw, what);
  isString(r.id, `${what}.id`);
  isInt(r.seed, `${what}.seed`);
  try {
    r.config = resolveSavedConfig(isObject(r.config, `${what}.config`));
  } catch (e) {
    if (e instanceof FileFormatError) throw e;
    throw new FileFormatError(`${what}.config: ${(e as Error).message}`);
  }
  isInt(r.iterationsDone, `${what}.iterationsDone`);
  isBool(r.cancelled, `${what}.cancelled`);
  isInt(r.evaluations, `${what}.evaluations`);
  finiteOrNull(r.bestFeatureXeBelow4, `${what}.bestFeatureXeBelow4`);
  finiteOrNull(r.bestFeatureXeBelow6, `${what}.bestFeatureXeBelow6`);
  isString(r.savedAt, `${what}.savedAt`);
  if (r.history !== undefined) {
    const h = isObject(r.history, `${what}.history`) as unknown as CompressedHistory;
    if (h.seqLen !== (r.config as { seqLen: number }).seqLen) bad(`${what}.history.seqLen`, `${(r.config as { seqLen: number }).seqLen} (config.seqLen)`, h.seqLen);
    if (decodeHistory) {
      const history = decompressHistory(h, `${what}.history`);
      if (history.size !== r.evaluations) bad(`${what}.history.count`, `${r.evaluations as number} (evaluations)`, history.size);
    }
  }
  return r as unknown as FrontierRun;
}

function checkPoint(raw: unknown, what: string, runs: FrontierRun[]): FrontierFilePoint {
  const p = isObject(raw, what);
  const run = isInt(p.run, `${what}.run`, 0, Math.max(0, runs.length - 1));
  if (!runs.length) bad(`${what}.run`, 'an index into runs (but runs is empty)', p.run);
  const n = runs[run].config.seqLen;
  ids(p.ids, `${what}.ids`, n);
  isString(p.text, `${what}.text`);
  if (p.tokens !== undefined) {
    const t = isArray(p.tokens, `${what}.tokens`);
    if (t.length !== n) bad(`${what}.tokens`, `${n} strings (one per id)`, `${t.length}`);
    t.forEach((s, i) => isString(s, `${what}.tokens[${i}]`));
  }
  isNumber(p.feature, `${what}.feature`);
  isNumber(p.xe, `${what}.xe`);
  isInt(p.iteration, `${what}.iteration`, -1);
  isInt(p.row, `${what}.row`);
  return p as unknown as FrontierFilePoint;
}

function checkDataset(raw: unknown, what: string): DatasetPoint {
  const d = isObject(raw, what);
  ids(d.ids, `${what}.ids`);
  isString(d.text, `${what}.text`);
  isNumber(d.feature, `${what}.feature`);
  isNumber(d.xe, `${what}.xe`);
  isString(d.source, `${what}.source`);
  return d as unknown as DatasetPoint;
}

export interface ParseOptions {
  /** Also inflate and check every run's history (default true; off only to list files quickly). */
  decodeHistories?: boolean;
}

/** Parses and validates a frontier file's text; `path` names it in errors. */
export function parseFrontierFile(text: string, path: string, opts: ParseOptions = {}): FrontierFile {
  try {
    const f = isObject(parseJson(text, path), path);
    if (f.format !== FRONTIER_FORMAT) bad(`${path}: format`, `"${FRONTIER_FORMAT}"`, f.format);
    if (f.version !== FRONTIER_VERSION) bad(`${path}: version`, `${FRONTIER_VERSION} (this version of Reverie)`, f.version);
    isString(f.createdAt, `${path}: createdAt`);
    isString(f.updatedAt, `${path}: updatedAt`);
    const feature = isObject(f.feature, `${path}: feature`);
    for (const key of ['name', 'description', 'sourceHash', 'source', 'sourceTextHash']) isString(feature[key], `${path}: feature.${key}`);
    if (!['file', 'neuron', 'logit'].includes(feature.kind as string)) bad(`${path}: feature.kind`, '"file", "neuron" or "logit"', feature.kind);
    for (const key of ['file', 'exportName', 'spec']) if (feature[key] !== undefined) isString(feature[key], `${path}: feature.${key}`);
    const model = isObject(f.model, `${path}: model`);
    isString(model.id, `${path}: model.id`);
    checkModelFiles(model.files, `${path}: model.files`);
    for (const key of ['layers', 'dModel', 'vocab']) if (model[key] !== undefined) isInt(model[key], `${path}: model.${key}`);
    const runs = isArray(f.runs, `${path}: runs`).map((r, i) => checkRun(r, `${path}: runs[${i}]`, opts.decodeHistories ?? true));
    const seen = new Set<string>();
    runs.forEach((r, i) => {
      if (seen.has(r.id)) bad(`${path}: runs[${i}].id`, 'unique among runs', r.id);
      seen.add(r.id);
    });
    isArray(f.frontier, `${path}: frontier`).forEach((p, i) => checkPoint(p, `${path}: frontier[${i}]`, runs));
    if (f.dataset !== undefined) isArray(f.dataset, `${path}: dataset`).forEach((d, i) => checkDataset(d, `${path}: dataset[${i}]`));
    return f as unknown as FrontierFile;
  } catch (e) {
    if (e instanceof FileFormatError || e instanceof FrontierFileError) throw new FrontierFileError(e.message);
    throw e;
  }
}

export async function readFrontierFile(path: string, opts: ParseOptions = {}): Promise<FrontierFile> {
  const text = await readTextFile(path, 'frontier file');
  return parseFrontierFile(text, path, opts);
}
