/**
 * Every numeric option of every command refuses a non-number, a non-integer where it counts, and
 * an overflowing value, naming the option, before the command runs (commander's argument parsers,
 * in process: the action is never reached).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command, CommanderError } from 'commander';
import { registerCommands } from '../../src/cli/commands';

function program(): { program: Command; errors: string[] } {
  const errors: string[] = [];
  const p = new Command().name('reverie').exitOverride();
  registerCommands(p);
  for (const c of p.commands) c.exitOverride().configureOutput({ writeErr: (s) => errors.push(s), writeOut: () => undefined });
  return { program: p, errors };
}

/** Options that take a number: those whose parser rejects 'abc' (others take text). */
function numericOptions(): { command: string; flag: string; long: string }[] {
  const out: { command: string; flag: string; long: string }[] = [];
  for (const c of program().program.commands) {
    for (const o of c.options) {
      const parse = (o as unknown as { parseArg?: (v: string, prev: unknown) => unknown }).parseArg;
      if (!o.required || !parse || !o.long) continue;
      try { parse('abc', undefined); } catch { out.push({ command: c.name(), flag: o.flags, long: o.long }); }
    }
  }
  return out;
}

test('numeric options of every command refuse text, fractions of integers and overflow, naming the option', async () => {
  const options = numericOptions();
  assert.ok(options.length >= 25, `${options.length} numeric options found`);
  for (const { command, flag, long } of options) {
    const integer = (() => { try { program().program.commands.find((c) => c.name() === command)!.options.find((o) => o.long === long)!.parseArg!('1.5', undefined); return false; } catch { return true; } })();
    for (const value of ['abc', '', '1e999', ...(integer ? ['1.5', '9007199254740993'] : [])]) {
      const { program: p, errors } = program();
      await assert.rejects(p.parseAsync(['node', 'reverie', command, long, value], { from: 'node' }), (e: unknown) => e instanceof CommanderError,
        `${command} ${long} ${JSON.stringify(value)} should be refused`);
      assert.match(errors.join(''), new RegExp(`option '${flag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}' argument '${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}' is invalid`), `${command} ${long} ${value}`);
    }
  }
});
