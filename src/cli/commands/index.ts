/** Every CLI command registers itself here; one file per command. */
import type { Command } from 'commander';
import { registerScore } from './score';
import { registerGenerate } from './generate';
import { registerDemoEngine } from './demo-engine';
import { registerDream } from './dream';
import { registerAttribute } from './attribute';
import { registerList } from './list';
import { registerScan } from './scan';

export function registerCommands(program: Command): void {
  registerScore(program);
  registerGenerate(program);
  registerDream(program);
  registerAttribute(program);
  registerList(program);
  registerScan(program);
  registerDemoEngine(program);
}
