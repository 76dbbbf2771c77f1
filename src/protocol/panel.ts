/**
 * Every message between the Reverie panel's webview and the extension host, in one place.
 *
 * Handshake: the webview posts `ready` once its listeners are installed; the host posts nothing
 * before that (a message sent earlier would be lost), and answers `ready` with `init`, then — for a
 * run already under way or a restored/saved panel — `history`, the latest `iteration` (with empty
 * `points`: history already carried them), `runState` and `dataset` if any. A webview restored after
 * a reload sends `ready` again and gets the same replay.
 *
 * Bulk data travels as parallel arrays (`PointBatch`): a default run evaluates ~80k prompts, and
 * the webview never holds their texts — it asks for one with `requestPoint` when the user hovers it.
 *
 * Both sides validate what they receive (`validateHostMessage` / `validateWebviewMessage`): a
 * webview is a web page, and the host must not act on a malformed message.
 *
 * Long because: every message type and its validator are kept in this one place by design.
 */
import type { EpoConfig } from '../engine/epo/config';
import { EPO_SETTINGS } from '../engine/epo/settings';

/** Bumped whenever a message changes shape; both sides send it so a stale webview is detected. */
export const PANEL_PROTOCOL_VERSION = 1;

// ─── shared data ──────────────────────────────────────────────────────────────────────────────

export interface FeatureInfo {
  name: string;
  description?: string;
  /** The feature's definition file, when it came from one (shown, not opened by the webview). */
  file?: string;
}

export interface ModelInfo {
  id: string;
  layers: number;
  dModel: number;
  vocab: number;
}

/** The EPO hyper-parameters shown in the panel: the engine's EpoConfig fields, the last three optional. */
export type RunConfig = Pick<EpoConfig,
  'iterations' | 'population' | 'childrenPerMember' | 'topK' | 'seqLen' | 'restartEvery' |
  'lambdaMin' | 'lambdaMax' | 'restartLambdaMin' | 'restartLambdaMax' | 'seed'>
  & Partial<Pick<EpoConfig, 'batchSize' | 'retokenize' | 'bannedText' | 'modelShare' | 'shiftShare' | 'islands' | 'cappedSlots' | 'xeCapMin' | 'xeCapMax'>>
  & {
    /** k actually used (topK capped at the number of allowed tokens). */
    topKUsed?: number;
  };

/**
 * Evaluated prompts as parallel arrays, one entry per prompt. Only finite feature / XE values: the
 * host leaves out a prompt whose value is not finite (it can be neither drawn nor on the frontier).
 */
export interface PointBatch {
  feature: number[];
  xe: number[];
  /** Iteration that evaluated it; -1 for the initial population. Non-decreasing across a run. */
  iteration: number[];
  /** Its row in the run's history: the key for `requestPoint`. */
  historyIndex: number[];
}

export interface PopulationRow {
  slot: number;
  /** The slot's fluency weight λ. */
  lambda: number;
  ids: number[];
  /** Display string of each token (same length as ids). */
  tokens: string[];
  text: string;
  feature: number;
  xe: number;
  /** The slot's prompt changed in this iteration. */
  isNew: boolean;
  historyIndex: number;
}

/** Wall-clock milliseconds spent in one iteration. */
export interface IterationTimings {
  gradientMs: number;
  proposalMs?: number;
  scoringMs: number;
  selectionMs: number;
  totalMs: number;
}

/** Cumulative counters of the run. */
export interface RunStats {
  evaluations: number;
  cacheHits: number;
  rejections: number;
  restarts: number;
  /** Best feature among everything evaluated with XE < 4 (resp. < 6); null when none yet. */
  bestAtXe4: number | null;
  bestAtXe6: number | null;
}

export interface Substitute {
  token: string;
  id: number;
  /** Feature value of the prompt with this token substituted. */
  value: number;
}

/** One position of a prompt in the per-token "resample" attribution (epo.md). */
export interface TokenAttribution {
  token: string;
  id: number;
  /** -ln p(token | prefix); null for position 0, which is never scored. */
  nll: number | null;
  /** max over substitutes of (baseline - value), divided by baseline when `relative`. */
  largestDrop: number;
  /** min over substitutes of (baseline - value), divided by baseline when `relative`. */
  smallestDrop: number;
  /** The substitute that lowers the feature most. */
  worst: Substitute;
  /** Up to three substitutes that keep the feature highest, best first. */
  best: Substitute[];
  /** |gradient| of the feature at this position (λ = 0), when computed. */
  saliency?: number;
}

export interface Attribution {
  ids: number[];
  text: string;
  /** Feature value of the prompt itself. */
  baseline: number;
  xe: number;
  /** Drops are fractions of the baseline (false when the baseline is ≤ 0, where a fraction means nothing). */
  relative: boolean;
  tokens: TokenAttribution[];
}

export type RunStateName = 'running' | 'paused' | 'stopped' | 'done' | 'error';

export type NoticeSubject = 'run' | 'attribution' | 'point' | 'save' | 'copy' | 'dataset';

// ─── host → webview ───────────────────────────────────────────────────────────────────────────

export interface InitMessage {
  type: 'init';
  protocol: number;
  /** Identifies the run, so a restored webview knows whether its saved UI state still applies. */
  runId: string;
  mode: 'live' | 'saved';
  feature: FeatureInfo;
  model: ModelInfo;
  config: RunConfig;
  /** The slot λs, slot order. */
  lambdas: number[];
  /** Where it runs ("cpu", "cuda", …), for display. */
  device?: string;
}

export interface IterationMessage {
  type: 'iteration';
  /** 0-based index of the iteration just finished; -1 once the initial population is scored. */
  iteration: number;
  /** Iterations the run will do in all. */
  iterations: number;
  /** Set when this iteration was a restart: the λ_r drawn and the prompt put in every slot. */
  restart: { lambda: number; historyIndex: number } | null;
  population: PopulationRow[];
  /** Prompts evaluated since the previous message (never resent). */
  points: PointBatch;
  timings: IterationTimings;
  stats: RunStats;
  /** Recent throughput, as the host measures it. */
  iterationsPerSecond: number;
}

/** A whole history at once (a saved frontier, or replay for a restored panel). Replaces any points held. */
export interface HistoryMessage {
  type: 'history';
  points: PointBatch;
  /** History indices on the non-dominated frontier, as the host computed them (the webview cross-checks). */
  frontier: number[];
  /** Iterations completed (-1: only the initial population). */
  iterationsDone: number;
}

/** Answer to `requestPoint`. */
export interface PointMessage {
  type: 'point';
  historyIndex: number;
  ids: number[];
  tokens: string[];
  text: string;
  feature: number;
  xe: number;
  iteration: number;
  /**
   * The ids of the member this prompt was proposed from (its parent in the run's history), so the
   * panel can draw what the move did; absent for initial prompts and where only a frontier was saved.
   */
  parentIds?: number[];
}

/** Answer to `inspect`. */
export interface AttributionMessage {
  type: 'attribution';
  attribution: Attribution;
}

export interface RunStateMessage {
  type: 'runState';
  state: RunStateName;
  /** Why, for 'error' (and optionally 'stopped'). */
  message?: string;
}

/** Max-activating dataset examples, drawn as their own series. */
export interface DatasetMessage {
  type: 'dataset';
  /** Where they come from ("The Pile, 500M tokens"), for the legend. */
  source?: string;
  feature: number[];
  xe: number[];
  text: string[];
  /** Each example's token ids and display tokens, so it can be inspected like a dream prompt (absent: text only). */
  ids?: number[][];
  tokens?: string[][];
}

/** Something the user should see inline (a failed attribution, a saved file). */
export interface NoticeMessage {
  type: 'notice';
  level: 'info' | 'warning' | 'error';
  message: string;
  about?: NoticeSubject;
}

export type HostMessage =
  | InitMessage
  | IterationMessage
  | HistoryMessage
  | PointMessage
  | AttributionMessage
  | RunStateMessage
  | DatasetMessage
  | NoticeMessage;

// ─── webview → host ───────────────────────────────────────────────────────────────────────────

export type ControlAction = 'pause' | 'resume' | 'stop' | 'runAgain';

export type WebviewMessage =
  | { type: 'ready'; protocol: number }
  | { type: 'requestPoint'; historyIndex: number }
  /** Asks for the attribution of this prompt (answered by `attribution`, or a `notice` about 'attribution'). */
  | { type: 'inspect'; ids: number[] }
  /** `seed` only with 'runAgain' (absent: the host picks the next seed). */
  | { type: 'control'; action: ControlAction; seed?: number }
  | { type: 'saveFrontier' }
  /** The host writes `text` to the clipboard (webviews cannot do so reliably). */
  | { type: 'copy'; text: string }
  /** An uncaught error in the webview, for the host's log (the webview's console is hidden). */
  | { type: 'error'; message: string; stack?: string };

// ─── validation ───────────────────────────────────────────────────────────────────────────────

/** Returns a description of what is wrong at `at`, or null when the value is acceptable. */
type Rule = (v: unknown, at: string) => string | null;

const show = (v: unknown): string => {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v === null || typeof v !== 'object') return String(v);
  return 'an object';
};

const expect = (what: string, v: unknown, at: string) => `${at}: expected ${what}, got ${show(v)}`;

const str: Rule = (v, at) => (typeof v === 'string' ? null : expect('a string', v, at));
const bool: Rule = (v, at) => (typeof v === 'boolean' ? null : expect('true or false', v, at));
const finite: Rule = (v, at) => (typeof v === 'number' && Number.isFinite(v) ? null : expect('a finite number', v, at));
const int = (min: number): Rule => (v, at) =>
  typeof v === 'number' && Number.isInteger(v) && v >= min ? null : expect(`an integer ≥ ${min}`, v, at);
const oneOf = (...values: readonly string[]): Rule => (v, at) =>
  typeof v === 'string' && values.includes(v) ? null : expect(`one of ${values.join(', ')}`, v, at);
const nullable = (rule: Rule): Rule => (v, at) => (v === null ? null : rule(v, at));

const arrayOf = (rule: Rule, maxLength = Infinity): Rule => (v, at) => {
  if (!Array.isArray(v)) return expect('an array', v, at);
  if (v.length > maxLength) return `${at}: expected at most ${maxLength} entries, got ${v.length}`;
  for (let i = 0; i < v.length; i++) {
    const problem = rule(v[i], `${at}[${i}]`);
    if (problem) return problem;
  }
  return null;
};

/** Fields ending in '?' are optional (absent or undefined). Extra fields are ignored. */
const object = (fields: Record<string, Rule>, refine?: (o: Record<string, unknown>, at: string) => string | null): Rule => (v, at) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return expect('an object', v, at);
  const o = v as Record<string, unknown>;
  for (const [key, rule] of Object.entries(fields)) {
    const optional = key.endsWith('?');
    const name = optional ? key.slice(0, -1) : key;
    if (o[name] === undefined) {
      if (optional) continue;
      return `${at}.${name}: missing`;
    }
    const problem = rule(o[name], `${at}.${name}`);
    if (problem) return problem;
  }
  return refine ? refine(o, at) : null;
};

const sameLengths = (names: string[]) => (o: Record<string, unknown>, at: string) => {
  const n = (o[names[0]] as unknown[]).length;
  for (const name of names.slice(1)) {
    const m = (o[name] as unknown[]).length;
    if (m !== n) return `${at}: ${names[0]} has ${n} entries but ${name} has ${m}`;
  }
  return null;
};

/** A prompt is short; this only stops absurd payloads. */
const MAX_PROMPT_TOKENS = 4096;
const ids = arrayOf(int(0), MAX_PROMPT_TOKENS);

const pointBatch = object(
  { feature: arrayOf(finite), xe: arrayOf(finite), iteration: arrayOf(int(-1)), historyIndex: arrayOf(int(0)) },
  sameLengths(['feature', 'xe', 'iteration', 'historyIndex']),
);

const tokensMatchIds = (o: Record<string, unknown>, at: string) =>
  (o.tokens as unknown[]).length === (o.ids as unknown[]).length
    ? null
    : `${at}: ${(o.ids as unknown[]).length} ids but ${(o.tokens as unknown[]).length} tokens`;

const populationRow = object(
  { slot: int(0), lambda: finite, ids, tokens: arrayOf(str), text: str, feature: finite, xe: finite, isNew: bool, historyIndex: int(0) },
  tokensMatchIds,
);

const substitute = object({ token: str, id: int(0), value: finite });

const tokenAttribution = object({
  token: str, id: int(0), nll: nullable(finite), largestDrop: finite, smallestDrop: finite,
  worst: substitute, best: arrayOf(substitute, 3), 'saliency?': finite,
});

const attribution = object(
  { ids, text: str, baseline: finite, xe: finite, relative: bool, tokens: arrayOf(tokenAttribution, MAX_PROMPT_TOKENS) },
  (o, at) => ((o.tokens as unknown[]).length === (o.ids as unknown[]).length ? null : `${at}: ${(o.ids as unknown[]).length} ids but ${(o.tokens as unknown[]).length} token attributions`),
);

/** A finite number ≥ min. */
const atLeast = (min: number): Rule => (v, at) => (typeof v === 'number' && Number.isFinite(v) && v >= min ? null : expect(`a finite number ≥ ${min}`, v, at));
const REQUIRED_RUN_CONFIG = ['iterations', 'population', 'childrenPerMember', 'topK', 'seqLen', 'restartEvery', 'lambdaMin', 'lambdaMax', 'restartLambdaMin', 'restartLambdaMax', 'seed'] as const;
/** The EPO settings' ranges from their one declaration (engine/epo/settings.ts). */
const settingRule = (key: keyof EpoConfig): Rule => {
  const s = EPO_SETTINGS.find((x) => x.key === key)!;
  return s.kind === 'int' ? int(s.min ?? 0) : s.kind === 'number' ? atLeast(s.min ?? 0) : s.kind === 'boolean' ? bool : arrayOf(str);
};
const runConfig = object({
  ...Object.fromEntries(REQUIRED_RUN_CONFIG.map((k) => [k, settingRule(k)])),
  'batchSize?': settingRule('batchSize'), 'retokenize?': settingRule('retokenize'), 'bannedText?': settingRule('bannedText'), 'modelShare?': settingRule('modelShare'), 'shiftShare?': settingRule('shiftShare'), 'islands?': settingRule('islands'),
  'cappedSlots?': settingRule('cappedSlots'), 'xeCapMin?': settingRule('xeCapMin'), 'xeCapMax?': settingRule('xeCapMax'), 'topKUsed?': int(1),
});

const hostRules: Record<HostMessage['type'], Rule> = {
  init: object({
    protocol: int(0), runId: str, mode: oneOf('live', 'saved'),
    feature: object({ name: str, 'description?': str, 'file?': str }),
    model: object({ id: str, layers: int(0), dModel: int(0), vocab: int(0) }),
    config: runConfig, lambdas: arrayOf(finite), 'device?': str,
  }),
  iteration: object({
    iteration: int(-1), iterations: int(0),
    restart: nullable(object({ lambda: finite, historyIndex: int(0) })),
    population: arrayOf(populationRow),
    points: pointBatch,
    timings: object({ gradientMs: finite, 'proposalMs?': finite, scoringMs: finite, selectionMs: finite, totalMs: finite }),
    stats: object({
      evaluations: int(0), cacheHits: int(0), rejections: int(0), restarts: int(0),
      bestAtXe4: nullable(finite), bestAtXe6: nullable(finite),
    }),
    iterationsPerSecond: finite,
  }),
  history: object({ points: pointBatch, frontier: arrayOf(int(0)), iterationsDone: int(-1) }),
  point: object(
    { historyIndex: int(0), ids, tokens: arrayOf(str), text: str, feature: finite, xe: finite, iteration: int(-1), 'parentIds?': ids },
    tokensMatchIds,
  ),
  attribution: object({ attribution }),
  runState: object({ state: oneOf('running', 'paused', 'stopped', 'done', 'error'), 'message?': str }),
  dataset: object(
    { 'source?': str, feature: arrayOf(finite), xe: arrayOf(finite), text: arrayOf(str), 'ids?': arrayOf(ids), 'tokens?': arrayOf(arrayOf(str, MAX_PROMPT_TOKENS)) },
    (o, at) => sameLengths(['feature', 'xe', 'text', ...['ids', 'tokens'].filter((k) => o[k] !== undefined)])(o, at) ??
      (o.ids && o.tokens ? (o.ids as unknown[][]).map((x, i) => tokensMatchIds({ ids: x, tokens: (o.tokens as unknown[][])[i] }, `${at}[${i}]`)).find(Boolean) ?? null : null),
  ),
  notice: object({
    level: oneOf('info', 'warning', 'error'), message: str,
    'about?': oneOf('run', 'attribution', 'point', 'save', 'copy', 'dataset'),
  }),
};

const webviewRules: Record<WebviewMessage['type'], Rule> = {
  ready: object({ protocol: int(0) }),
  requestPoint: object({ historyIndex: int(0) }),
  inspect: object({ ids }, (o, at) => ((o.ids as unknown[]).length > 0 ? null : `${at}.ids: expected at least one token id`)),
  control: object(
    { action: oneOf('pause', 'resume', 'stop', 'runAgain'), 'seed?': int(0) },
    (o, at) => (o.seed !== undefined && o.action !== 'runAgain' ? `${at}.seed: only 'runAgain' takes a seed, not '${String(o.action)}'` : null),
  ),
  saveFrontier: object({}),
  copy: object({ text: str }),
  error: object({ message: str, 'stack?': str }),
};

function validate(rules: Record<string, Rule>, x: unknown, side: string): string | null {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return expect(`a ${side} message object`, x, 'message');
  const type = (x as { type?: unknown }).type;
  if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(rules, type)) {
    return `message.type: expected one of ${Object.keys(rules).join(', ')}, got ${show(type)}`;
  }
  return rules[type](x, type);
}

/** Null when `x` is a well-formed host → webview message, else what is wrong with it (field path and value). */
export const validateHostMessage = (x: unknown): string | null => validate(hostRules, x, 'host');
/** Null when `x` is a well-formed webview → host message, else what is wrong with it (field path and value). */
export const validateWebviewMessage = (x: unknown): string | null => validate(webviewRules, x, 'webview');

export const isHostMessage = (x: unknown): x is HostMessage => validateHostMessage(x) === null;
export const isWebviewMessage = (x: unknown): x is WebviewMessage => validateWebviewMessage(x) === null;
