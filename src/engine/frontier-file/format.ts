/**
 * Frontier files (`<frontierFolder>/<feature>.frontier.json`, docs/frontier-format.md): what the
 * panel's Save Frontier keeps of one feature's dreams — the feature's source and identity, the model,
 * one entry per run (seed and config, optionally its whole history, compressed), the non-dominated
 * points over all runs, and optionally max-activating dataset examples. Several saves of the same
 * feature and model merge into one file.
 */
import type { EpoConfig } from '../epo/config';

export const FRONTIER_FORMAT = 'reverie.frontier';
export const FRONTIER_VERSION = 1;
export const FRONTIER_SUFFIX = '.frontier.json';

export type FeatureKind = 'file' | 'neuron' | 'logit';

export interface FrontierFeature {
  name: string;
  description: string;
  kind: FeatureKind;
  /**
   * Identity of the feature for merging: the engine's hash of what is maximised (for a feature file,
   * of its compiled objective, so edits that change nothing keep it). Two files with different
   * hashes are different features and never merge.
   */
  sourceHash: string;
  /** The feature's definition: the feature file's text, or the built-in's spec ("neuron 2.17"). */
  source: string;
  /** sha256 of `source` (hex). */
  sourceTextHash: string;
  /** Feature file, relative to the workspace root (kind 'file'). */
  file?: string;
  /** Its export (kind 'file'). */
  exportName?: string;
  /** "L.N" for a neuron, the token text for a logit. */
  spec?: string;
}

export interface FrontierModel {
  id: string;
  files: { name: string; sha256: string; bytes: number }[];
  layers?: number;
  dModel?: number;
  vocab?: number;
}

/** A run's history: columns packed little-endian, deflated (zlib), base64 — see docs/frontier-format.md. */
export interface CompressedHistory {
  encoding: 'zlib-base64';
  count: number;
  seqLen: number;
  data: string;
}

export interface FrontierRun {
  /** Unique per run (a save of the same run again replaces its entry instead of adding one). */
  id: string;
  seed: number;
  config: EpoConfig;
  iterationsDone: number;
  cancelled: boolean;
  evaluations: number;
  bestFeatureXeBelow4: number | null;
  bestFeatureXeBelow6: number | null;
  savedAt: string;
  history?: CompressedHistory;
}

export interface FrontierFilePoint {
  ids: number[];
  text: string;
  /** Display string of each token, so the panel can show a saved file without the model. */
  tokens?: string[];
  feature: number;
  xe: number;
  iteration: number;
  /** Index into `runs`. */
  run: number;
  /** Row in that run's history. */
  row: number;
}

/** A max-activating dataset example (issue 7), drawn as its own series. */
export interface DatasetPoint {
  ids: number[];
  text: string;
  feature: number;
  xe: number;
  /** Where it comes from, e.g. "The Pile, 500M tokens". */
  source: string;
}

export interface FrontierFile {
  format: typeof FRONTIER_FORMAT;
  version: typeof FRONTIER_VERSION;
  createdAt: string;
  updatedAt: string;
  feature: FrontierFeature;
  model: FrontierModel;
  runs: FrontierRun[];
  /** Non-dominated over every run's evaluated prompts, XE ascending. */
  frontier: FrontierFilePoint[];
  dataset?: DatasetPoint[];
}

/** The file was unreadable or not a valid frontier file; the message names the field. */
export class FrontierFileError extends Error {
  override name = 'FrontierFileError';
}

/** Two frontiers that must not merge (another model or another feature). */
export class FrontierMismatchError extends Error {
  override name = 'FrontierMismatchError';
  constructor(message: string, readonly what: 'model' | 'feature') {
    super(message);
  }
}
