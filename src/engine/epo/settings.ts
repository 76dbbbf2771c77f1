/**
 * The one declaration of EPO's user-facing settings: kind, range and a one-line summary. The
 * defaults are DEFAULT_EPO_CONFIG's; resolveConfig validates with these ranges, the CLI's options
 * are generated from them, and test/epo/settings.test.ts fails when package.json's
 * `reverie.epo.*`, reverie.d.ts's `EpoOverrides` or the panel's validator disagree.
 */
import type { EpoConfig } from './config';

export interface EpoSetting {
  key: keyof EpoConfig;
  kind: 'int' | 'number' | 'boolean' | 'strings';
  /** Smallest value (numbers). */
  min?: number;
  /** The CLI option, e.g. '--top-k <k>' (absent: set another way, or not from the CLI). */
  cli?: string;
  summary: string;
}

export const EPO_SETTINGS: readonly EpoSetting[] = [
  { key: 'iterations', kind: 'int', min: 0, cli: '--iterations <T>', summary: 'iterations' },
  { key: 'population', kind: 'int', min: 1, cli: '--population <M>', summary: 'population slots, one λ each' },
  { key: 'islands', kind: 'int', min: 1, cli: '--islands <I>', summary: 'independent populations, slot j in island j mod I' },
  { key: 'childrenPerMember', kind: 'int', min: 1, cli: '--children <r>', summary: 'children per member per iteration' },
  { key: 'topK', kind: 'int', min: 1, cli: '--top-k <k>', summary: 'candidate tokens per position from the gradient (capped at the vocabulary)' },
  { key: 'modelShare', kind: 'number', min: 0, cli: '--model-share <s>', summary: 'share (0–1) of the top-k per position that are the model\'s own most likely next tokens' },
  { key: 'shiftShare', kind: 'number', min: 0, cli: '--shift-share <s>', summary: 'share (0–1) of each member\'s children that delete one token and insert one elsewhere' },
  { key: 'seqLen', kind: 'int', min: 2, cli: '--seq-len <n>', summary: 'prompt length in tokens' },
  { key: 'restartEvery', kind: 'int', min: 0, cli: '--restart-every <T>', summary: 'restart period in iterations, 0 = never' },
  { key: 'lambdaMin', kind: 'number', min: 0, cli: '--lambda-min <λ>', summary: 'smallest slot fluency weight' },
  { key: 'lambdaMax', kind: 'number', min: 0, cli: '--lambda-max <λ>', summary: 'largest slot fluency weight' },
  { key: 'cappedSlots', kind: 'int', min: 0, cli: '--capped-slots <c>', summary: 'slots, from the most fluent, that take the best feature under an XE cap instead of a weighted sum' },
  { key: 'xeCapMin', kind: 'number', min: 0, cli: '--xe-cap-min <x>', summary: 'the most fluent capped slot\'s XE cap' },
  { key: 'xeCapMax', kind: 'number', min: 0, cli: '--xe-cap-max <x>', summary: 'the least fluent capped slot\'s XE cap' },
  { key: 'restartLambdaMin', kind: 'number', min: 0, cli: '--restart-lambda-min <λ>', summary: 'restart λ_r lower bound' },
  { key: 'restartLambdaMax', kind: 'number', min: 0, cli: '--restart-lambda-max <λ>', summary: 'restart λ_r upper bound' },
  { key: 'restartArchive', kind: 'boolean', summary: 'restarts pick from every prompt evaluated so far, not only this iteration\'s' },
  { key: 'seed', kind: 'int', min: 0, cli: '--seed <s>', summary: 'PRNG seed' },
  { key: 'batchSize', kind: 'int', min: 1, cli: '--batch-size <b>', summary: 'prompts per model call' },
  { key: 'checkpointEvery', kind: 'int', min: 0, cli: '--checkpoint-every <N>', summary: 'write the run file every N iterations, 0 = only at the end or on SIGINT/SIGTERM' },
  { key: 'retokenize', kind: 'boolean', summary: 'reject prompts that do not survive decode → encode' },
  { key: 'bannedText', kind: 'strings', summary: 'reject prompts containing any of these, case-insensitively' },
];

export const settingOf = (key: keyof EpoConfig): EpoSetting | undefined => EPO_SETTINGS.find((s) => s.key === key);
