/** `npm run bench [name...]`: runs the named benchmarks (all by default) and prints numbers. */
import { benchEngine } from './engine';
import { benchModels } from './models';
import { benchEpo, benchEpoNeurons } from './epo';
import { benchScan } from './scan';
import { benchInitialPrompts, benchInitialStarts } from './initial-prompts';
import { benchCheckpoint } from './checkpoint';
import { benchLargeModel } from './large-model';
import { benchGpuCheck } from './gpu-check';

const benches: Record<string, () => Promise<void>> = { engine: benchEngine, models: benchModels, epo: benchEpo, 'epo-neurons': benchEpoNeurons, scan: benchScan, 'initial-prompts': benchInitialPrompts, 'initial-starts': benchInitialStarts, checkpoint: benchCheckpoint, 'large-model': benchLargeModel, 'gpu-check': benchGpuCheck };

async function main(): Promise<void> {
  const names = process.argv.slice(2);
  const chosen = names.length ? names : Object.keys(benches);
  for (const n of chosen) {
    const b = benches[n];
    if (!b) throw new Error(`unknown benchmark '${n}' (have: ${Object.keys(benches).join(', ')})`);
    console.log(`\n=== bench ${n}`);
    await b();
  }
}
main().catch((e) => { console.error(e); process.exit(1); });
