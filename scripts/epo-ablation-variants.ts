/**
 * The config variants of scripts/epo-ablation.ts (docs/epo-improvements.md): Reverie's defaults, the
 * paper's (`--preset paper`), single changes to the paper's, and changes to Reverie's defaults.
 */
import { EPO_PRESETS, EpoConfig } from '../src/engine/epo/config';

const PAPER = EPO_PRESETS.paper;

/**
 * Named config variants: Reverie's defaults, the paper's (`--preset paper`), and single changes to
 * the paper's (every variant but `default` starts from the paper's settings).
 */
export const VARIANTS: Record<string, Partial<EpoConfig>> = {
  default: {},
  paper: PAPER,
  /** More slots at the fluent end: λ up to 30. */
  lambda30: { ...PAPER, lambdaMax: 30 },
  /** λ from 0.3 to 30: the whole grid moved towards fluency. */
  lambda03to30: { ...PAPER, lambdaMin: 0.3, lambdaMax: 30 },
  /** Restarts at the fluent end only: λ_r ~ U[2, 12]. */
  restartFluent: { ...PAPER, restartLambdaMin: 2, restartLambdaMax: 12 },
  /** Gradient guidance: k = 64 of the 512-token vocabulary, all from the gradient. */
  topK64: { ...PAPER, topK: 64 },
  /** No restarts. */
  noRestart: { ...PAPER, restartEvery: 0 },
  /** A quarter of each position's 512 candidates are the model's own most likely next tokens (FLRT-style). */
  model128: { ...PAPER, modelShare: 0.25 },
  /** Half of them. */
  model256: { ...PAPER, modelShare: 0.5 },
  /** Seven eighths of them. */
  model448: { ...PAPER, modelShare: 0.875 },
  /** k = 64, half from the model (Reverie's default). */
  topK64model32: { ...PAPER, topK: 64, modelShare: 0.5 },
  /** k = 32, half from the model. */
  topK32model16: { ...PAPER, topK: 32, modelShare: 0.5 },
  /** k = 64, three quarters from the model. */
  topK64model48: { ...PAPER, topK: 64, modelShare: 0.75 },
  /** Twice the slots over the same λ range. */
  population16: { ...PAPER, population: 16, childrenPerMember: 16 },
};

/** Single changes to Reverie's defaults (the rows of the second table). */
export const DEFAULT_VARIANTS: Record<string, Partial<EpoConfig>> = {
  /** A quarter of each member's children are shifts (delete one token, insert one elsewhere). */
  shift25: { shiftShare: 0.25 },
  /** Half of them. */
  shift50: { shiftShare: 0.5 },
  /** Restarts pick from the whole archive of evaluated prompts. */
  archive: { restartArchive: true },
  /** No restarts. */
  noRestarts: { restartEvery: 0 },
  /** Twice the slots over the same λ range, half the children each. */
  slots16: { population: 16, childrenPerMember: 16 },
  /** λ up to 30. */
  lambdaTo30: { lambdaMax: 30 },
  /** Two independent populations (islands) of 4 slots, every other λ each. */
  islands2: { islands: 2 },
  /** Four islands of 2 slots. */
  islands4: { islands: 4 },
  /** Two islands of 8 slots, 16 children per member (the same evaluations per iteration). */
  islands2x8: { islands: 2, population: 16, childrenPerMember: 16 },
  /** Shifts and two islands of 4. */
  shift25islands2: { shiftShare: 0.25, islands: 2 },
  /** Shifts and two islands of 8. */
  shift25islands2x8: { shiftShare: 0.25, islands: 2, population: 16, childrenPerMember: 16 },
  /** Shifts, and the three most fluent slots take the best feature under an XE cap (2.25, 2.875, 3.5) instead of a weighted sum. */
  shift25capped3: { shiftShare: 0.25, cappedSlots: 3 },
  /** Only the capped slots. */
  capped3: { shiftShare: 0, cappedSlots: 3 },
  /** Stop 30's defaults: no shifts. */
  noShifts: { shiftShare: 0 },
  /** Reverie's defaults started from the scan's best windows instead of random tokens (`--init-from-dataset`; reported apart). */
  initDataset: {},
};
for (const [name, v] of Object.entries(DEFAULT_VARIANTS)) VARIANTS[name] = v;

/** Variants whose runs start from the scan's best windows (`--init-from-dataset`), not from random tokens. */
export const STARTS_FROM_DATASET: ReadonlySet<string> = new Set(['initDataset']);
