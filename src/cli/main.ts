/** The headless `reverie` command: the same engine as the extension, without VS Code. */
import { Command } from 'commander';
import { registerCommands } from './commands';

process.env.ORT_DISABLE_TELEMETRY = '1';

const program = new Command()
  .name('reverie')
  .description('Fluent dreaming for language models: EPO prompt optimisation of internal features.')
  .showHelpAfterError();
registerCommands(program);

program.parseAsync(process.argv).catch((e: unknown) => {
  const err = e instanceof Error ? e : new Error(String(e));
  console.error(`reverie: ${err.message}`);
  if (process.env.REVERIE_DEBUG) console.error(err.stack);
  process.exit(1);
});
