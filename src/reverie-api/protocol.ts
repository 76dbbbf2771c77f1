/**
 * What crosses between the feature sandbox (runtime.ts, inside a node:vm context) and the host
 * (src/engine/features). Only JSON strings cross, so user code can never hand the host a live
 * object (a getter, a Proxy) that would run outside the sandbox's timeout.
 */
import type { DimName, Position } from './reverie';

/** Raw V8 stack text; the host maps its first frame in the feature bundle back to the source. */
export type Site = string;

/** A token given by text (resolved with the model's tokenizer) or by id. */
export type TokenRef = { token: string } | number;

/** A path keeps the site where it was written: it is resolved relative to that file. */
export type VectorSource = { path: string; site?: Site } | { values: number[] };

/** The traced objective: a tree of symbolic operations. `dims` excludes the batch axis. */
export type ObjectiveNode = { dims: DimName[]; shape: number[]; site: Site } & (
  | { op: 'hook'; name: string }
  | { op: 'pick'; x: ObjectiveNode; axis: number; at: Position | TokenRef }
  | { op: 'binary'; kind: 'add' | 'sub' | 'mul' | 'div'; a: ObjectiveNode | number; b: ObjectiveNode | number }
  | { op: 'unary'; kind: 'neg' | 'abs' | 'relu' | 'square' | 'standardize'; x: ObjectiveNode }
  | { op: 'reduce'; kind: 'sum' | 'mean' | 'max' | 'norm'; x: ObjectiveNode }
  | { op: 'dot'; x: ObjectiveNode; vector: VectorSource }
  /** x[…, token] − max over the other entries of the last axis. */
  | { op: 'margin'; x: ObjectiveNode; token: TokenRef }
  /** An SAE latent at `pos` of the SAE's hook (known only once cfg.json is read). */
  | { op: 'sae'; sae: string; index: number; pre: boolean; pos: Position; hook?: string; transcoder?: true }
);

/** One feature as the sandbox describes it after the file ran. */
export interface FeatureRecord {
  exportName: string;
  name: string;
  model: unknown;
  description?: unknown;
  seqLen?: unknown;
  bannedText?: unknown;
  epo?: unknown;
  dtype?: unknown;
  /** Where defineFeature was called. */
  site: Site;
  /** Problems found in the options themselves (reported at the defineFeature call). */
  problems: string[];
}

export interface SandboxError {
  message: string;
  /** The error's own stack, then the sites of the built-ins being traced (innermost first). */
  site: Site;
  /** Set by the runtime for errors the host words itself (it knows the model family). */
  code?: 'unknownHook';
  hook?: string;
}

export interface RunResult {
  features: FeatureRecord[];
  /** defineFeature calls whose result no export holds. */
  unexported: Site[];
  error?: SandboxError;
  logs: string[];
}

/** What the sandbox needs to know about a model to trace an objective against it. */
export interface ModelInfo {
  name: string;
  family: string;
  nLayers: number;
  dModel: number;
  dMlp: number;
  nHeads: number;
  nKvHeads: number;
  dHead: number;
  vocabSize: number;
  /** Prompt length. */
  n: number;
  /** Every hook the model has, with its axes (batch excluded). */
  hooks: Record<string, { dims: DimName[]; shape: number[] }>;
}

export interface TraceResult {
  root?: ObjectiveNode;
  /** The objective returned something that is not a value of the model. */
  notATensor?: string;
  /** Tokens named by logit/logitMargin built-ins (the default banned text). */
  targetTokens: TokenRef[];
  error?: SandboxError;
  logs: string[];
}
