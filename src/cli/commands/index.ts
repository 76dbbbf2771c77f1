/** Every CLI command registers itself here; one file per command. */
import type { Command } from 'commander';
import { registerScore } from './score';
import { registerGenerate } from './generate';

export function registerCommands(program: Command): void {
  registerScore(program);
  registerGenerate(program);
}
