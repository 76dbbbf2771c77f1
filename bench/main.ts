/** `npm run bench [name...]`: runs the named benchmarks (all by default) and prints numbers. */
import { benchEngine } from './engine';
import { benchModels } from './models';
import { benchEpo, benchEpoNeurons } from './epo';
import { benchScan } from './scan';
import { benchInitialPrompts, benchInitialStarts } from './initial-prompts';
import { benchCheckpoint } from './checkpoint';
import { benchLargeModel } from './large-model';
import { benchGpuCheck } from './gpu-check';
import { benchReference } from './reference';

/** Each benchmark gets the options after the names (e.g. `reference --neurons 2.17`); most take none. */
const benches: Record<string, (options: string[]) => Promise<void>> = { engine: benchEngine, models: benchModels, epo: benchEpo, 'epo-neurons': benchEpoNeurons, scan: benchScan, 'initial-prompts': benchInitialPrompts, 'initial-starts': benchInitialStarts, checkpoint: benchCheckpoint, 'large-model': benchLargeModel, 'gpu-check': benchGpuCheck, reference: benchReference };

async function main(): Promise<void> {
  // Benchmark names come first; what follows the first --option is that benchmark's (e.g. reference --neurons 2.17).
  const args = process.argv.slice(2);
  const firstOption = args.findIndex((a) => a.startsWith('--'));
  const names = firstOption < 0 ? args : args.slice(0, firstOption);
  const options = firstOption < 0 ? [] : args.slice(firstOption);
  const chosen = names.length ? names : Object.keys(benches);
  for (const n of chosen) {
    const b = benches[n];
    if (!b) throw new Error(`unknown benchmark '${n}' (have: ${Object.keys(benches).join(', ')})`);
    console.log(`\n=== bench ${n}`);
    await b(options);
  }
}
main().catch((e) => { console.error(e); process.exit(1); });
