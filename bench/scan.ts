/** Scan throughput: one neuron over the bundled sample corpus (examples/corpus), tokens/s and windows/s. */
import { existsSync } from 'node:fs';
import { loadModel } from '../src/engine/models/load';
import { neuronFeature } from '../src/engine/dream/dream';
import { scanCorpus } from '../src/engine/scan';

const CORPUS = 'examples/corpus/stories260k-samples.txt';

export async function benchScan(): Promise<void> {
  if (!existsSync(CORPUS)) throw new Error(`${CORPUS} is missing (npx tsx scripts/sample-corpus.ts makes it)`);
  const model = await loadModel('stories260K');
  const feature = neuronFeature(model, '2.17');
  for (const batchSize of [32, 64, 128]) {
    const r = await scanCorpus({ model, feature, corpus: [CORPUS], batchSize });
    const c = r.counts;
    console.log(`stories260K neuron 2.17, ${CORPUS}, windows of ${r.n}, batch ${batchSize}: ${c.tokens} tokens, ${c.windows} windows ` +
      `(${c.scored} scored, ${c.duplicates} duplicates) in ${(r.elapsedMs / 1000).toFixed(1)} s: ` +
      `${r.tokensPerSecond.toFixed(0)} tokens/s, ${(c.scored / (r.elapsedMs / 1000)).toFixed(0)} windows scored/s; best ${r.examples[0]?.feature.toFixed(3)}`);
  }
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
}
