/**
 * Run files ("format": "reverie.run", version 1; docs/run-format.md): what a finished or stopped run
 * found, with the model and feature it ran against, optionally the full history, and optionally
 * what --resume needs. Written atomically; read back with errors that name the bad field.
 */
import { writeFileAtomic } from './atomic-write';
import { Checkpoint, CHECKPOINT_FORMAT, CHECKPOINT_VERSION, restoreState } from './checkpoint';
import { EpoConfig, resolveSavedConfig } from './config';
import { FrontierPoint, mergeFrontierPoints } from './frontier';
import { EvalHistory, INITIAL_ITERATION, SerializedHistory } from './history';
import { bad, FileFormatError, isArray, isBool, isInt, isNumber, isObject, isString, parseJson, readTextFile, checkModelFiles } from './json-check';
import type { EpoResult, EpoStats, EpoTimings, PopulationMember } from './types';

export const RUN_FORMAT = 'reverie.run';
export const RUN_VERSION = 1;

export interface RunModelInfo {
  /** e.g. 'stories15M' or a Hugging Face repo name. */
  id: string;
  files: { name: string; sha256: string; bytes: number }[];
}

export interface RunFeatureInfo {
  name: string;
  description: string;
  /** Hash of the feature's definition (source text), so runs of the same feature can be merged. */
  sourceHash: string;
  /** How to rebuild it (the panel's Run again and attribution, when it opens the run file): */
  kind?: 'file' | 'neuron' | 'logit';
  /** "L.N" for a neuron, the token text for a logit. */
  spec?: string;
  /** Feature file (relative to the workspace root, or as given on the command line) and its export. */
  file?: string;
  exportName?: string;
}

/** The parts of a checkpoint beside its history; the history is the run file's own. */
export type RunResumeState = Omit<Checkpoint, 'history' | 'format' | 'version' | 'config'> & { historyCount: number };

export interface RunFile {
  format: typeof RUN_FORMAT;
  version: typeof RUN_VERSION;
  createdAt: string;
  config: EpoConfig;
  seed: number;
  lambdas: number[];
  topKUsed: number;
  model: RunModelInfo;
  feature: RunFeatureInfo;
  iterationsDone: number;
  cancelled: boolean;
  timings: EpoTimings;
  stats: EpoStats;
  bestFeatureXeBelow4: number | null;
  bestFeatureXeBelow6: number | null;
  population: PopulationMember[];
  frontier: FrontierPoint[];
  history?: SerializedHistory;
  resume?: RunResumeState;
}

export interface RunFileOptions {
  /** Store every evaluated prompt (needed for replay and resume). Default true. */
  includeHistory?: boolean;
  /** Store what --resume needs (implies the history). Default true. */
  includeResume?: boolean;
  /** Timestamp to record; default now. */
  createdAt?: Date;
}

export function makeRunFile(result: EpoResult, meta: { model: RunModelInfo; feature: RunFeatureInfo }, opts: RunFileOptions = {}): RunFile {
  const includeResume = (opts.includeResume ?? true) && result.checkpoint !== null;
  const includeHistory = includeResume || (opts.includeHistory ?? true);
  const run: RunFile = {
    format: RUN_FORMAT,
    version: RUN_VERSION,
    createdAt: (opts.createdAt ?? new Date()).toISOString(),
    config: result.config,
    seed: result.seed,
    lambdas: result.lambdas,
    topKUsed: result.topKUsed,
    model: meta.model,
    feature: meta.feature,
    iterationsDone: result.iterationsDone,
    cancelled: result.cancelled,
    timings: result.timings,
    stats: result.stats,
    bestFeatureXeBelow4: result.bestFeatureXeBelow4,
    bestFeatureXeBelow6: result.bestFeatureXeBelow6,
    population: result.population,
    frontier: result.frontier,
  };
  if (includeHistory) run.history = result.history.serialize();
  if (includeResume) {
    const { history, format: _f, version: _v, config: _c, ...rest } = result.checkpoint!;
    run.resume = { ...rest, historyCount: history.count };
  }
  return run;
}

export async function writeRunFile(path: string, run: RunFile): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(run));
}

const filesOf = (m: RunModelInfo) => m.files.map((f) => `${f.name} ${f.sha256.slice(0, 12)}`).join(', ');

/**
 * Why `run` must not be continued with this model and feature, or null. The model is compared by
 * its files' hashes, not its name: the same name with other weights would score the rest of the run
 * with another model and mix both in one frontier.
 */
export function resumeMismatch(run: RunFile, model: RunModelInfo, feature: RunFeatureInfo, what = 'run'): string | null {
  const key = (m: RunModelInfo) => JSON.stringify(m.files.map((f) => f.sha256).sort());
  if (key(run.model) !== key(model)) {
    return `${what} was made with model ${run.model.id} (${filesOf(run.model)}), but ${model.id} has other files (${filesOf(model)}): ` +
      'continuing would score one run with two models. Start a new run (another --out) for this model';
  }
  if (run.feature.sourceHash !== feature.sourceHash) {
    return `${what} was made for feature '${run.feature.name}', not '${feature.name}' (or its definition changed)`;
  }
  return null;
}

/** The history stored in a run file, or null when it was saved without one. */
export function historyFromRun(run: RunFile, what = 'run'): EvalHistory | null {
  return run.history ? EvalHistory.deserialize(run.history, `${what}.history`) : null;
}

/** The checkpoint stored in a run file, for runEpo's resumeFrom. */
export function checkpointFromRun(run: RunFile, what = 'run'): Checkpoint {
  if (!run.resume) throw new Error(`${what} was saved without resume state (it was cancelled before the first population was scored, or saved with includeResume: false)`);
  const history = historyFromRun(run, what);
  if (!history) throw new FileFormatError(`${what} has resume state but no history`);
  const { historyCount, ...rest } = run.resume;
  if (!(Number.isInteger(historyCount) && historyCount >= 0 && historyCount <= history.size)) {
    bad(`${what}.resume.historyCount`, `an integer 0 … ${history.size} (the history's rows)`, historyCount);
  }
  return { format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, config: run.config, ...rest, history: history.serialize(historyCount) };
}

function checkPoint(raw: unknown, what: string, n: number): FrontierPoint {
  const p = isObject(raw, what);
  const ids = isArray(p.ids, `${what}.ids`);
  if (ids.length !== n) bad(`${what}.ids`, `${n} token ids (config.seqLen)`, `${ids.length} ids`);
  ids.forEach((id, i) => isInt(id, `${what}.ids[${i}]`));
  isNumber(p.feature, `${what}.feature`);
  isNumber(p.xe, `${what}.xe`);
  isInt(p.iteration, `${what}.iteration`, INITIAL_ITERATION);
  isInt(p.row, `${what}.row`);
  if (p.text !== undefined) isString(p.text, `${what}.text`);
  return p as unknown as FrontierPoint;
}

/** Parses and validates a run file's JSON text (named `path` in errors). */
export function parseRunFile(text: string, path = 'run file'): RunFile {
  const r = isObject(parseJson(text, path), path);
  if (r.format !== RUN_FORMAT) bad(`${path}: format`, `"${RUN_FORMAT}"`, r.format);
  if (r.version !== RUN_VERSION) bad(`${path}: version`, `${RUN_VERSION} (this version of Reverie)`, r.version);
  let config: EpoConfig;
  try {
    config = resolveSavedConfig(isObject(r.config, `${path}: config`) as Partial<EpoConfig>);
  } catch (e) {
    throw new FileFormatError(`${path}: config: ${(e as Error).message}`);
  }
  const model = isObject(r.model, `${path}: model`);
  isString(model.id, `${path}: model.id`);
  checkModelFiles(model.files, `${path}: model.files`);
  const feature = isObject(r.feature, `${path}: feature`);
  for (const key of ['name', 'description', 'sourceHash']) isString(feature[key], `${path}: feature.${key}`);
  if (feature.kind !== undefined && !['file', 'neuron', 'logit'].includes(feature.kind as string)) bad(`${path}: feature.kind`, '"file", "neuron" or "logit"', feature.kind);
  for (const key of ['spec', 'file', 'exportName']) if (feature[key] !== undefined) isString(feature[key], `${path}: feature.${key}`);
  isInt(r.seed, `${path}: seed`);
  isInt(r.iterationsDone, `${path}: iterationsDone`);
  isBool(r.cancelled, `${path}: cancelled`);
  isArray(r.frontier, `${path}: frontier`).forEach((p, i) => checkPoint(p, `${path}: frontier[${i}]`, config.seqLen));
  isArray(r.population, `${path}: population`);
  const run = { ...r, config } as unknown as RunFile;
  if (run.history !== undefined) historyFromRun(run, path);
  if (run.resume !== undefined) restoreState(checkpointFromRun(run, path), `${path}: resume`);
  return run;
}

export async function readRunFile(path: string): Promise<RunFile> {
  const text = await readTextFile(path, 'run file');
  return parseRunFile(text, path);
}

/**
 * The frontier over several runs (e.g. seeds) of the same model and feature: identical prompts are
 * kept once, each point's `run` is its index in `runs`. Runs of different models or features are an
 * error unless `allowMismatch`.
 */
export function mergeFrontiers(runs: readonly RunFile[], opts: { allowMismatch?: boolean } = {}): FrontierPoint[] {
  if (!opts.allowMismatch && runs.length > 1) {
    const sig = (r: RunFile) => JSON.stringify([r.model.files.map((f) => f.sha256).sort(), r.feature.sourceHash]);
    const first = sig(runs[0]);
    runs.forEach((r, i) => {
      if (sig(r) !== first) {
        throw new Error(`run ${i} (${r.model.id}, feature ${r.feature.name}) used a different model or feature than run 0 ` +
          `(${runs[0].model.id}, feature ${runs[0].feature.name}); pass allowMismatch to merge anyway`);
      }
    });
  }
  return mergeFrontierPoints(runs.map((r, i) => r.frontier.map((p) => ({ ...p, run: i }))));
}
