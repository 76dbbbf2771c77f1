/** One CLI option per EPO config field; only options the user gave are passed on (resume needs that). */
import type { Command } from 'commander';
import type { EpoConfig } from '../engine/epo';
import { DEFAULT_EPO_CONFIG, EPO_PRESETS, presetConfig, SAVED_RUN_CHECKPOINT_EVERY } from '../engine/epo/config';
import { EPO_SETTINGS } from '../engine/epo/settings';
import { intArg, numArg } from './numbers';

// Ranges are checked by resolveConfig, which names the field; here only the syntax.
const int = intArg();
const num = numArg();
const collect = (v: string, prev: string[] = []) => [...prev, v];

/** CLI options of the numeric EPO settings, generated from their one declaration (epo/settings.ts). */
const FIELDS = EPO_SETTINGS.flatMap((s) => {
  if (!s.cli || (s.kind !== 'int' && s.kind !== 'number')) return [];
  const dflt = s.key === 'checkpointEvery' ? `${SAVED_RUN_CHECKPOINT_EVERY} with a run file` : String(DEFAULT_EPO_CONFIG[s.key]);
  return [[s.cli, s.key, `${s.summary} (default ${dflt})`, s.kind === 'int' ? int : num] as const];
});

export function addEpoOptions(cmd: Command): Command {
  for (const [flag, , help, parse] of FIELDS) cmd.option(flag, help, parse as (v: string) => unknown);
  return cmd
    .option('--preset <name>', `start from a named set of search settings, under the options given: ${Object.keys(EPO_PRESETS).join(', ')} (paper: the paper's algorithm, epo.md)`)
    .option('--ban <text>', 'reject prompts containing this text (case-insensitive; repeatable)', collect)
    .option('--no-retokenize', 'allow prompts that do not survive decode→encode')
    .option('--initial-ids <ids>', 'start every slot from these token ids instead of random tokens');
}

/** The EPO fields the user set on the command line (over a --preset's). */
export function epoOverrides(o: Record<string, unknown>): Partial<EpoConfig> {
  const out: Partial<EpoConfig> = typeof o.preset === 'string' ? presetConfig(o.preset) : {};
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
