/**
 * EPO run configuration: every knob with its default and the reason for it, and validation that
 * names the bad field and value. Defaults follow the paper (epo.md); where Reverie departs from the
 * reference code the field says so.
 */

import { EPO_SETTINGS } from './settings';

export interface EpoConfig {
  /** T: iterations to run. Default 300 (paper). 0 only scores the initial population. */
  iterations: number;
  /** M: population slots, one fluency weight λ_j each. Default 8 (paper). M = 1 with λ = 0 is GCG. */
  population: number;
  /**
   * I: independent populations in one run ("islands"). Slot j belongs to island j mod I, so each
   * island has every I-th λ of the grid; a slot selects only among its island's members, their
   * children and the known prompts they drew, and each island restarts on its own. The frontier is
   * the union. Default 1 (the paper).
   */
  islands: number;
  /** r: children proposed per member per iteration. Default 32 (paper: 8 × 32 = 256 per iteration). */
  childrenPerMember: number;
  /**
   * k: a child's new token is drawn uniformly from its position's k candidates: the top-k by -G, a
   * share of them (modelShare) the model's own most likely tokens instead. Default 64 (the paper:
   * 512; docs/epo-improvements.md has the ablation that chose 64 with half from the model).
   * Capped at run time at the number of allowed tokens (backend.allowed); the value used is reported
   * as `topKUsed` in results and checkpoints.
   */
  topK: number;
  /**
   * The share of each position's k candidate tokens that are the model's own most likely next
   * tokens there, p(v | t_<i), instead of the gradient's best (fluency-aware proposals, as in the
   * authors' later FLRT, arXiv 2407.17447): round(modelShare · k) of them. From 0 (the paper: all
   * k from the gradient) to 1; default 0.5. Position 0 without a BOS prefix keeps all k from the
   * gradient.
   */
  modelShare: number;
  /**
   * The share of each member's r children that are shifts instead of one-token replacements: one
   * token deleted and a candidate token of another position inserted there, the tokens between
   * moving by one (FLRT's insertion and deletion, arXiv 2407.17447, at a fixed length): round(shiftShare
   * · r) of them. From 0 (the paper) to 1; default 0.25 (docs/epo-improvements.md has the ablation).
   * A motif that activates the feature can move to where its context is fluent, which no one-token
   * move can do.
   */
  shiftShare: number;
  /** n: prompt length in tokens (BOS, when the model needs one, is an extra fixed prefix). Default 12. */
  seqLen: number;
  /**
   * T_restart: every this many iterations the selection step becomes a restart (see epo.md step 5).
   * Default 30 (paper; the reference code uses 50). 0 = never. Restarts happen in iterations
   * T_restart, 2·T_restart, … (0-based), never in iteration 0: the reference code also restarts right
   * after iteration 0, which throws away the diversity of the M random initial prompts at once.
   */
  restartEvery: number;
  /** Smallest slot λ. Slot λ_j = exp(linspace(ln λmin, ln λmax, M)); M = 1 uses λmin. Default 0.1. */
  lambdaMin: number;
  /** Largest slot λ. Default 10. */
  lambdaMax: number;
  /**
   * The number of slots, counted from the most fluent (largest λ), that select under an XE cap
   * instead of by −f + λ·XE: the prompt with the largest f among those with XE ≤ the slot's cap
   * (above every cap: the smallest XE). The ε-constraint method (Haimes et al. 1971): a weighted sum
   * reaches only the convex hull of the frontier, a cap any point of it. A capped slot keeps its λ
   * for the gradient's candidates, and is not restarted. Default 0 (the paper).
   */
  cappedSlots: number;
  /** The most fluent capped slot's XE cap, in nats per token; the others spread evenly up to xeCapMax. */
  xeCapMin: number;
  /** The least fluent capped slot's XE cap. */
  xeCapMax: number;
  /**
   * Restart λ_r ~ U[restartLambdaMin, restartLambdaMax]. Default 0.667. Reverie selects the restart
   * prompt with the λ_r it drew; the reference code draws λ_r and then selects with a fixed 2.0.
   */
  restartLambdaMin: number;
  /** Default 6.0 (paper). */
  restartLambdaMax: number;
  /**
   * Where a restart picks its prompt: false (the paper) from this iteration's members and children,
   * true from every prompt evaluated so far (the run's archive).
   */
  restartArchive: boolean;
  /** PRNG seed (integer 0 … 2^53-1). Default 0. Same seed + config + deterministic backend = same run. */
  seed: number;
  /** Most prompts per backend call (score and topK). Default 128. Does not change which prompts are evaluated. */
  batchSize: number;
  /**
   * Reject a candidate whose decoded text contains any of these, case-insensitively (e.g. the target
   * word of a logit feature). Default []. Rejections are counted, never evaluated.
   */
  bannedText: string[];
  /**
   * Reject a candidate unless encode(decode(ids)) gives back exactly ids, so that what is shown and
   * saved is the prompt that was scored. Default true. The reference code has no such check.
   */
  retokenize: boolean;
  /** Emit a checkpoint every this many iterations; 0 = only when cancelled and at the end. Default 0. */
  checkpointEvery: number;
  /**
   * Start every slot from this prompt (length seqLen, allowed ids only, must pass bannedText and the
   * retokenization check). Default: M independent prompts of uniformly random allowed tokens.
   */
  initialPrompt?: number[];
}

export const DEFAULT_EPO_CONFIG: Readonly<EpoConfig> = Object.freeze({
  iterations: 300,
  population: 8,
  islands: 1,
  childrenPerMember: 32,
  topK: 64,
  modelShare: 0.5,
  shiftShare: 0.25,
  seqLen: 12,
  restartEvery: 30,
  lambdaMin: 0.1,
  lambdaMax: 10,
  cappedSlots: 0,
  xeCapMin: 2.25,
  xeCapMax: 3.5,
  restartLambdaMin: 0.667,
  restartLambdaMax: 6.0,
  restartArchive: false,
  seed: 0,
  batchSize: 128,
  bannedText: [] as string[],
  retokenize: true,
  checkpointEvery: 0,
});

/**
 * Named sets of search settings. `paper` is the algorithm of the paper and its reference code
 * (epo.md) — every search setting at the paper's value, whatever Reverie's defaults become
 * (docs/epo-improvements.md says why each differs) — so results can be compared with it. The prompt
 * length is left to the feature.
 */
export const EPO_PRESETS: Readonly<Record<string, Readonly<Partial<EpoConfig>>>> = Object.freeze({
  paper: Object.freeze({
    population: 8, islands: 1, childrenPerMember: 32, topK: 512, modelShare: 0, shiftShare: 0, restartEvery: 30,
    lambdaMin: 0.1, lambdaMax: 10, cappedSlots: 0, restartLambdaMin: 0.667, restartLambdaMax: 6.0, restartArchive: false,
  }),
});

/** A preset's settings; an unknown name is an error listing the known ones. */
export function presetConfig(name: string): Partial<EpoConfig> {
  const p = Object.hasOwn(EPO_PRESETS, name) ? EPO_PRESETS[name] : undefined;
  if (!p) fail(`unknown preset "${name}" (known: ${Object.keys(EPO_PRESETS).join(', ')})`);
  return { ...p };
}

/**
 * The checkpoint interval where a run is kept somewhere (the CLI's run file, the panel's storage)
 * and the user did not choose one, spaced further apart when writing them would take more than
 * SAVED_RUN_CHECKPOINT_BUDGET of the run's time (docs/run-format.md has the measurement).
 */
export const SAVED_RUN_CHECKPOINT_EVERY = 10;
/** With that default interval, the share of a run's time checkpoints may take (RunEpoOptions.checkpointBudget). */
export const SAVED_RUN_CHECKPOINT_BUDGET = 0.02;

/**
 * Fields that define the trajectory. A resumed run may change the others (iterations,
 * checkpointEvery, batchSize) but not these.
 */
export const TRAJECTORY_FIELDS = [
  'population', 'islands', 'childrenPerMember', 'topK', 'modelShare', 'shiftShare', 'seqLen', 'restartEvery', 'lambdaMin', 'lambdaMax',
  'cappedSlots', 'xeCapMin', 'xeCapMax', 'restartLambdaMin', 'restartLambdaMax', 'restartArchive', 'seed', 'bannedText', 'retokenize', 'initialPrompt',
] as const satisfies readonly (keyof EpoConfig)[];

const KNOWN_FIELDS = new Set<string>([...Object.keys(DEFAULT_EPO_CONFIG), 'initialPrompt']);

export class EpoConfigError extends Error {
  override name = 'EpoConfigError';
}

function fail(msg: string): never {
  throw new EpoConfigError(msg);
}

function show(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : Array.isArray(v) ? `[${v.map(show).join(', ')}]` : String(v);
}

function int(name: string, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    fail(`${name} must be an integer ≥ ${min}${max < Number.MAX_SAFE_INTEGER ? ` and ≤ ${max}` : ''}, got ${show(v)}`);
  }
  return v;
}

function real(name: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) fail(`${name} must be a finite number ≥ ${min}, got ${show(v)}`);
  return v;
}

/** Fills defaults and validates; throws EpoConfigError naming the field and the value. */
export function resolveConfig(partial: Partial<EpoConfig> = {}): EpoConfig {
  if (typeof partial !== 'object' || partial === null || Array.isArray(partial)) fail(`config must be an object, got ${show(partial)}`);
  for (const key of Object.keys(partial)) {
    if (!KNOWN_FIELDS.has(key)) fail(`unknown EPO config option "${key}" (known: ${[...KNOWN_FIELDS].join(', ')})`);
  }
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as Partial<EpoConfig>;
  const c: EpoConfig = { ...DEFAULT_EPO_CONFIG, bannedText: [...DEFAULT_EPO_CONFIG.bannedText], ...defined };

  for (const s of EPO_SETTINGS) {
    if (s.kind === 'int') int(s.key, c[s.key], s.min ?? 0);
    else if (s.kind === 'number') real(s.key, c[s.key], s.min ?? 0);
  }
  if (c.modelShare > 1) fail(`modelShare must be a share from 0 to 1 of each position's k candidates, got ${show(c.modelShare)}`);
  if (c.shiftShare > 1) fail(`shiftShare must be a share from 0 to 1 of each member's children, got ${show(c.shiftShare)}`);
  if (c.islands > c.population) fail(`islands (${c.islands}) must be ≤ population (${c.population}): every island needs a slot`);
  if (c.cappedSlots > c.population) fail(`cappedSlots (${c.cappedSlots}) must be ≤ population (${c.population})`);
  if (c.xeCapMin > c.xeCapMax) fail(`xeCapMin (${c.xeCapMin}) must be ≤ xeCapMax (${c.xeCapMax})`);
  if (c.lambdaMin > c.lambdaMax) fail(`lambdaMin (${c.lambdaMin}) must be ≤ lambdaMax (${c.lambdaMax})`);
  if (c.population > 1 && c.lambdaMin === 0) {
    fail('lambdaMin must be > 0 when population > 1 (slot λs are spaced logarithmically); λ = 0 is only possible with population 1 (GCG)');
  }
  if (c.restartLambdaMin > c.restartLambdaMax) {
    fail(`restartLambdaMin (${c.restartLambdaMin}) must be ≤ restartLambdaMax (${c.restartLambdaMax})`);
  }
  if (!Array.isArray(c.bannedText) || c.bannedText.some((s) => typeof s !== 'string' || s.length === 0)) {
    fail(`bannedText must be an array of non-empty strings, got ${show(c.bannedText)}`);
  }
  c.bannedText = [...c.bannedText];
  if (typeof c.retokenize !== 'boolean') fail(`retokenize must be true or false, got ${show(c.retokenize)}`);
  if (typeof c.restartArchive !== 'boolean') fail(`restartArchive must be true or false, got ${show(c.restartArchive)}`);
  if (c.initialPrompt !== undefined) {
    const p = c.initialPrompt;
    if (!Array.isArray(p) || p.length !== c.seqLen) {
      fail(`initialPrompt must be an array of ${c.seqLen} token ids (seqLen), got ${Array.isArray(p) ? `${p.length} ids` : show(p)}`);
    }
    p.forEach((id, i) => int(`initialPrompt[${i}]`, id, 0));
    c.initialPrompt = [...p];
  }
  return c;
}

/**
 * Search settings added after run files and checkpoints were first written, with the value that
 * reproduces what a run saved before they existed did. A saved config is read with these under it,
 * so an older run resumes (and reports) the search it ran, not today's defaults.
 */
export const SETTINGS_BEFORE_THEY_EXISTED: Readonly<Partial<EpoConfig>> = Object.freeze({
  modelShare: 0, shiftShare: 0, islands: 1, restartArchive: false, cappedSlots: 0,
});

/** resolveConfig for a config read from a run file or checkpoint (see SETTINGS_BEFORE_THEY_EXISTED). */
export function resolveSavedConfig(saved: Partial<EpoConfig>): EpoConfig {
  if (typeof saved !== 'object' || saved === null || Array.isArray(saved)) return resolveConfig(saved);
  return resolveConfig({ ...SETTINGS_BEFORE_THEY_EXISTED, ...saved });
}

/** λ_j = exp(linspace(ln λmin, ln λmax, M)), with the end points exact. */
export function slotLambdas(c: Pick<EpoConfig, 'population' | 'lambdaMin' | 'lambdaMax'>): number[] {
  const m = c.population;
  if (m === 1) return [c.lambdaMin];
  const lo = Math.log(c.lambdaMin), hi = Math.log(c.lambdaMax);
  return Array.from({ length: m }, (_, j) =>
    j === 0 ? c.lambdaMin : j === m - 1 ? c.lambdaMax : Math.exp(lo + ((hi - lo) * j) / (m - 1)));
}

/**
 * Each slot's XE cap (Infinity: selects by −f + λ·XE). The last cappedSlots slots are capped, the
 * most fluent (last) at xeCapMin, evenly up to xeCapMax.
 */
export function slotCaps(c: Pick<EpoConfig, 'population' | 'cappedSlots' | 'xeCapMin' | 'xeCapMax'>): number[] {
  const m = c.population, k = c.cappedSlots;
  return Array.from({ length: m }, (_, j) => {
    const r = m - 1 - j; // 0 for the most fluent slot
    if (r >= k) return Infinity;
    return k === 1 ? c.xeCapMin : c.xeCapMin + ((c.xeCapMax - c.xeCapMin) * r) / (k - 1);
  });
}

/** Whether iteration `it` (0-based) selects by restart instead of per-slot argmin. */
export function isRestartIteration(c: Pick<EpoConfig, 'restartEvery'>, it: number): boolean {
  return c.restartEvery > 0 && it > 0 && it % c.restartEvery === 0;
}

/** Names the trajectory fields in which two configs differ (for resuming with a changed config). */
export function trajectoryDifferences(a: EpoConfig, b: EpoConfig): string[] {
  return TRAJECTORY_FIELDS.filter((f) => JSON.stringify(a[f] ?? null) !== JSON.stringify(b[f] ?? null))
    .map((f) => `${f}: ${show(a[f])} → ${show(b[f])}`);
}
