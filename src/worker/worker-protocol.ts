/**
 * The dream worker's RPC (requests and notifications), shared by the worker (dream-worker.ts) and
 * the extension host. The worker owns models, backends and runs — ORT's `session.run` blocks the
 * thread it runs on — and speaks the panel protocol (src/protocol/panel.ts) directly: a panel's
 * messages are computed here, next to the histories and the tokenizer, and the host forwards them.
 *
 * A *session* is one panel's worth of dreaming: one feature on one model, any number of runs (the
 * first, and each "run again" with another seed), merged into one frontier. Its id is the panel's
 * `runId`. Points of all its runs share one index space (`historyIndex`): run k's rows follow run
 * k-1's, so indices never change once sent.
 */
import type { EpoConfig } from '../engine/epo/config';
import type { Precision, ProviderChoice } from '../engine/runtime/ort';
import type { HostMessage, PointMessage, Attribution, RunStateName, ControlAction } from '../protocol/panel';
import type { SaveOutcome } from '../engine/frontier-file/save';
import type { DownloadProgress } from '../engine/hub/download-file';

/** What to dream about. File features are code: `trusted` must come from the workspace's trust. */
export type FeatureSource =
  | { kind: 'file'; file: string; exportName: string; workspaceRoot: string; trusted: boolean }
  | { kind: 'neuron'; spec: string }
  | { kind: 'logit'; text: string };

export interface ModelOptions {
  /** Model reference; default the feature file's `model`, else the bundled model. */
  ref?: string;
  allowDownload: boolean;
  /** Hugging Face hub cache folder (default the standard one). */
  cacheDir?: string;
  /** Base for relative model paths (the workspace root). */
  cwd?: string;
}

export interface EngineOptions {
  provider: ProviderChoice;
  /** 0 = one per core. */
  threads: number;
  /** What the model computes in (graphDtype); absent: auto. */
  dtype?: Precision;
  /** A folder for ORT-optimised graphs kept between runs (runtime/graph-cache.ts); absent: none. */
  graphCache?: string;
}

export interface ModelSummary {
  id: string;
  name: string;
  layers: number;
  dModel: number;
  vocab: number;
  files: { name: string; sha256: string; bytes: number }[];
}

/** One run of a session, as the host records it (workspace state) to restore panels after a reload. */
export interface RunRecord {
  /** Unique id (kept in frontier files, so a run saved twice is merged, not duplicated). */
  id: string;
  seed: number;
  state: RunStateName;
  iterationsDone: number;
  iterations: number;
  /** Where its checkpoints go (workspace storage); absent when the host gave no folder. */
  checkpointPath?: string;
}

/** A diagnostic in a feature file (1-based line and column). */
export interface FeatureDiagnostic {
  file: string;
  line: number;
  column: number;
  message: string;
  severity: 'error' | 'warning';
  code: string;
  exportName?: string;
}

export interface FeatureListing {
  exportName: string;
  name: string;
  model: string;
  description?: string;
  line: number;
}

export interface OpenSessionRequest {
  sessionId: string;
  /** The user's EPO settings for the first run (the feature's own seqLen, bannedText, epo fill the rest). */
  config?: Partial<EpoConfig>;
  /** Start the first run at once (default true; a restored session starts nothing new). */
  start?: boolean;
  feature: FeatureSource;
  model: ModelOptions;
  engine: EngineOptions;
  /** Folder for this session's checkpoints (workspace storage); none: runs are not resumable after a reload. */
  checkpointDir?: string;
  /** Runs to bring back (after a window reload); `resume` continues those that were running. */
  restore?: { runs: RunRecord[]; resume: boolean };
  /** Scan a corpus for the dataset baseline (setting `reverie.datasetCorpus`) and show it in the panel. */
  dataset?: DatasetRequest;
}

/** A corpus to overlay as max-activating dataset examples, scanned in the background and cached. */
export interface DatasetRequest {
  /** Text files or folders, absolute. */
  corpus: string[];
  /**
   * Set when a workspace's settings named the corpus: every file must be a `.txt` file inside this
   * folder (links followed), so a cloned repository cannot make the panel show a file from elsewhere.
   */
  within?: string;
  /** Where finished (and interrupted) scans are kept, so a corpus is scanned once per feature. */
  cacheDir: string;
}

export interface OpenSavedRequest {
  sessionId: string;
  /** A `*.frontier.json` file. */
  path: string;
  /** For token strings, attribution and "run again": the file's model, if it can be loaded. */
  model: Omit<ModelOptions, 'ref'>;
  engine: EngineOptions;
  workspaceRoot?: string;
  trusted: boolean;
  checkpointDir?: string;
  dataset?: DatasetRequest;
}

export interface SessionSummary {
  sessionId: string;
  title: string;
  mode: 'live' | 'saved';
  feature: { name: string; description?: string; file?: string };
  model: ModelSummary | null;
  runs: RunRecord[];
  /** Things the user should know (provider fallback, model unavailable for a saved file, a checkpoint that could not be read). */
  warnings: string[];
}

export interface StartRunRequest {
  sessionId: string;
  /** The user's EPO settings; the feature's own (seqLen, bannedText, epo) fill what is not given. */
  config: Partial<EpoConfig>;
}

export interface SaveRequest {
  sessionId: string;
  folder: string;
  includeHistories: boolean;
  onMismatch: 'report' | 'newFile';
}

export type DreamWorkerApi = {
  /** Loads (and caches) a model; download progress arrives as `download` notifications. */
  loadModel: { req: ModelOptions & { ref: string }; res: ModelSummary };
  /** Evaluates a feature file (in its sandbox) and, with `compile`, compiles each feature against its model (when available offline). */
  lintFeatureFile: {
    req: { file: string; workspaceRoot: string; trusted: boolean; compile: boolean; model: Omit<ModelOptions, 'ref'> };
    res: { features: FeatureListing[]; diagnostics: FeatureDiagnostic[]; logs: string[] };
  };
  openSession: { req: OpenSessionRequest; res: SessionSummary };
  openSaved: { req: OpenSavedRequest; res: SessionSummary };
  /** Starts the session's first run (or another one with `config.seed`). */
  startRun: { req: StartRunRequest; res: RunRecord };
  /** pause (abort, keeping the checkpoint), resume, stop, runAgain (a new run, next seed unless given). */
  control: { req: { sessionId: string; action: ControlAction; seed?: number; config?: Partial<EpoConfig> }; res: { runs: RunRecord[] } };
  /** What a webview needs after `ready`: init, history, latest iteration (no points), runState, dataset. */
  replay: { req: { sessionId: string }; res: { messages: HostMessage[] } };
  point: { req: { sessionId: string; historyIndex: number }; res: PointMessage };
  attribute: { req: { sessionId: string; ids: number[] }; res: Attribution };
  saveFrontier: { req: SaveRequest; res: SaveOutcome };
  /** Stops its runs (checkpoints kept) and frees its backends. */
  closeSession: { req: { sessionId: string }; res: { runs: RunRecord[] } };
  /** Ends every session (worker shutdown). */
  dispose: { req: Record<string, never>; res: { ok: true } };
};

/** Notifications from the worker. */
export type WorkerEvent =
  | { kind: 'download'; model: string; progress: DownloadProgress }
  /** What a long step is doing (loading a large model, building its graphs); of a session when it has one. */
  | { kind: 'stage'; model: string; sessionId?: string; message: string }
  /** A panel message of a session (live: iteration, runState, init/history when a new run starts). */
  | { kind: 'panel'; sessionId: string; message: HostMessage }
  /** A session's runs changed state (for the host's record of what to restore). */
  | { kind: 'runs'; sessionId: string; runs: RunRecord[] }
  | { kind: 'log'; level: 'info' | 'warn' | 'error'; message: string };

/** Errors the host treats specially arrive with these names. */
export const MODEL_MISSING_ERROR = 'ModelMissingError';
export const UNTRUSTED_ERROR = 'UntrustedWorkspaceError';
