/** One CLI option per EPO config field; only options the user gave are passed on (resume needs that). */
import type { Command } from 'commander';
import type { EpoConfig } from '../engine/epo';
import { intArg, numArg } from './numbers';

// Ranges are checked by resolveConfig, which names the field; here only the syntax.
const int = intArg();
const num = numArg();
const collect = (v: string, prev: string[] = []) => [...prev, v];

const FIELDS: [flag: string, key: keyof EpoConfig, help: string, parse: (v: string, prev?: never) => unknown][] = [
  ['--iterations <T>', 'iterations', 'iterations (default 300)', int],
  ['--population <M>', 'population', 'population slots, one λ each (default 8)', int],
  ['--children <r>', 'childrenPerMember', 'children per member per iteration (default 32)', int],
  ['--top-k <k>', 'topK', 'candidate tokens per position from the gradient (default 512, capped at the vocabulary)', int],
  ['--seq-len <n>', 'seqLen', 'prompt length in tokens (default 12)', int],
  ['--restart-every <T>', 'restartEvery', 'restart period in iterations, 0 = never (default 30)', int],
  ['--lambda-min <λ>', 'lambdaMin', 'smallest slot fluency weight (default 0.1)', num],
  ['--lambda-max <λ>', 'lambdaMax', 'largest slot fluency weight (default 10)', num],
  ['--restart-lambda-min <λ>', 'restartLambdaMin', 'restart λ_r lower bound (default 0.667)', num],
  ['--restart-lambda-max <λ>', 'restartLambdaMax', 'restart λ_r upper bound (default 6.0)', num],
  ['--seed <s>', 'seed', 'PRNG seed (default 0)', int],
  ['--batch-size <b>', 'batchSize', 'prompts per model call (default 128)', int],
  ['--checkpoint-every <N>', 'checkpointEvery', 'write the run file every N iterations, 0 = only at the end or on SIGINT/SIGTERM (default 10 with a run file)', int],
];

export function addEpoOptions(cmd: Command): Command {
  for (const [flag, , help, parse] of FIELDS) cmd.option(flag, help, parse as (v: string) => unknown);
  return cmd
    .option('--ban <text>', 'reject prompts containing this text (case-insensitive; repeatable)', collect)
    .option('--no-retokenize', 'allow prompts that do not survive decode→encode')
    .option('--initial-ids <ids>', 'start every slot from these token ids instead of random tokens');
}

/** The EPO fields the user set on the command line. */
export function epoOverrides(o: Record<string, unknown>): Partial<EpoConfig> {
  const out: Partial<EpoConfig> = {};
  const rec = out as Record<string, unknown>;
  for (const [flag, key] of FIELDS) {
    const opt = flag.slice(2).split(' ')[0].replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    if (o[opt] !== undefined) rec[key] = o[opt];
  }
  if (o.ban) out.bannedText = o.ban as string[];
  if (o.retokenize === false) out.retokenize = false;
  if (typeof o.initialIds === 'string') out.initialPrompt = o.initialIds.split(/[\s,]+/).filter(Boolean).map(Number);
  return out;
}
