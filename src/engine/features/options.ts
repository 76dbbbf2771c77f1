/** Validation of defineFeature's options as they arrive from the sandbox (plain JSON, untrusted). */
import { resolveConfig, EpoConfig, EpoConfigError } from '../epo/config';
import { PRECISIONS, type Precision } from '../runtime/precision';

/** The EPO settings a feature may override (reverie.d.ts `EpoOverrides`). */
export const EPO_OVERRIDE_KEYS = [
  'iterations', 'population', 'islands', 'childrenPerMember', 'topK', 'modelShare', 'shiftShare', 'seqLen', 'restartEvery', 'lambdaMin', 'lambdaMax',
  'cappedSlots', 'xeCapMin', 'xeCapMax', 'restartLambdaMin', 'restartLambdaMax', 'seed', 'batchSize', 'bannedText', 'retokenize',
] as const satisfies readonly (keyof EpoConfig)[];

export type EpoOverrides = Partial<Pick<EpoConfig, (typeof EPO_OVERRIDE_KEYS)[number]>>;

export interface FeatureOptionValues {
  model: string;
  description?: string;
  seqLen?: number;
  /** Undefined: the default (the target tokens of logit built-ins). */
  bannedText?: string[];
  epo: EpoOverrides;
  /** What the model computes in for this feature (runtime/precision.ts); undefined: not given. */
  dtype?: Precision;
}

/** Checks the options; returns the values, or the problems (each a sentence). */
export function validateOptions(raw: { model: unknown; description?: unknown; seqLen?: unknown; bannedText?: unknown; epo?: unknown; dtype?: unknown }): { values?: FeatureOptionValues; problems: string[] } {
  const problems: string[] = [];
  const show = (v: unknown) => JSON.stringify(v) ?? String(v);
  if (typeof raw.model !== 'string' || !raw.model) problems.push(`'model' must be a model reference such as 'stories260K', got ${show(raw.model)}`);
  if (raw.description !== undefined && raw.description !== null && typeof raw.description !== 'string') problems.push(`'description' must be a string, got ${show(raw.description)}`);
  let seqLen: number | undefined;
  if (raw.seqLen !== undefined && raw.seqLen !== null) {
    if (typeof raw.seqLen !== 'number' || !Number.isInteger(raw.seqLen) || raw.seqLen < 2) problems.push(`'seqLen' must be an integer ≥ 2 (prompt tokens), got ${show(raw.seqLen)}`);
    else seqLen = raw.seqLen;
  }
  let bannedText: string[] | undefined;
  if (raw.bannedText !== undefined && raw.bannedText !== null) {
    const list = typeof raw.bannedText === 'string' ? [raw.bannedText] : raw.bannedText;
    if (!Array.isArray(list) || list.some((s) => typeof s !== 'string' || !s)) problems.push(`'bannedText' must be a non-empty string or an array of them, got ${show(raw.bannedText)}`);
    else bannedText = list as string[];
  }
  let dtype: Precision | undefined;
  if (raw.dtype !== undefined && raw.dtype !== null) {
    if (!(PRECISIONS as readonly unknown[]).includes(raw.dtype)) problems.push(`'dtype' must be one of ${PRECISIONS.map((p) => `'${p}'`).join(', ')}, got ${show(raw.dtype)}`);
    else dtype = raw.dtype as Precision;
  }
  let epo: EpoOverrides = {};
  if (raw.epo !== undefined && raw.epo !== null) {
    if (typeof raw.epo !== 'object' || Array.isArray(raw.epo)) problems.push(`'epo' must be an object, got ${show(raw.epo)}`);
    else {
      const given = raw.epo as Record<string, unknown>;
      const unknown = Object.keys(given).filter((k) => !(EPO_OVERRIDE_KEYS as readonly string[]).includes(k));
      if (unknown.length) problems.push(`unknown EPO setting${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'epo.${k}'`).join(', ')} (settings are ${EPO_OVERRIDE_KEYS.join(', ')})`);
      else {
        try {
          resolveConfig(given as Partial<EpoConfig>);
          epo = { ...given } as EpoOverrides;
        } catch (e) {
          if (!(e instanceof EpoConfigError)) throw e;
          problems.push(`epo.${e.message}`);
        }
      }
    }
  }
  if (seqLen !== undefined && epo.seqLen !== undefined && epo.seqLen !== seqLen) problems.push(`'seqLen' is ${seqLen} but 'epo.seqLen' is ${epo.seqLen}; give it once`);
  if (bannedText && epo.bannedText && JSON.stringify(bannedText) !== JSON.stringify(epo.bannedText)) problems.push(`'bannedText' and 'epo.bannedText' differ; give it once`);
  if (problems.length) return { problems };
  return {
    values: {
      model: raw.model as string, description: (raw.description ?? undefined) as string | undefined,
      seqLen: seqLen ?? epo.seqLen, bannedText: bannedText ?? epo.bannedText, epo, ...(dtype ? { dtype } : {}),
    },
    problems,
  };
}
