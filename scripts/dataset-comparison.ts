/**
 * The paper's Fig. 3 comparison on the bundled model: for neurons chosen by a fixed seed, the best
 * max-activating corpus window (`reverie scan`) against the best dream at the same fluency — the
 * best prompt of a default dream run (300 iterations, its whole history) whose XE is at most the
 * median XE of the scan's top windows — and, at the looser XE < 4, the best of each.
 * Prints Markdown tables (docs/dataset-baseline.md).
 *
 *   npx tsx scripts/dataset-comparison.ts [--seed 0] [--neurons 10] [--corpus examples/corpus]
 */
import { Command } from 'commander';
import { loadModel } from '../src/engine/models/load';
import { dream, neuronFeature } from '../src/engine/dream/dream';
import { chooseNeurons } from './neuron-draw';
import { scanCorpus } from '../src/engine/scan';
import { median } from '../src/engine/util/stats';

interface Options {
  seed: number;
  neurons: number;
  corpus: string[];
  iterations: number;
  top: number;
}

const fmt = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : '—');

async function main(o: Options): Promise<void> {
  const model = await loadModel('stories260K');
  const neurons = chooseNeurons(model, o.neurons, o.seed);
  const rows: string[] = [];
  const texts: string[] = [];
  const wins = { median: 0, below4: 0, compared: 0 };
  let tokens = 0, scanMs = 0, dreamMs = 0;
  for (const spec of neurons) {
    const feature = neuronFeature(model, spec);
    const scan = await scanCorpus({ model, feature, corpus: o.corpus, top: o.top });
    tokens += scan.counts.tokens;
    scanMs += scan.elapsedMs;
    const best = scan.examples[0];
    const threshold = median(scan.examples.map((e) => e.xe));
    const t0 = performance.now();
    const { result } = await dream({ model, feature, config: { iterations: o.iterations } });
    dreamMs += performance.now() - t0;
    const h = result.history;
    let dreamBest = -Infinity, dreamXe = NaN, dreamRow = -1;
    for (let i = 0; i < h.size; i++) {
      if (h.xe(i) <= threshold && h.feature(i) > dreamBest) { dreamBest = h.feature(i); dreamXe = h.xe(i); dreamRow = i; }
    }
    const text = dreamRow >= 0 ? model.tokenizer.decode(Array.from(h.ids(dreamRow))) : '';
    const dataset4 = Math.max(...scan.examples.filter((e) => e.xe < 4).map((e) => e.feature));
    const dream4 = result.bestFeatureXeBelow4 ?? -Infinity;
    wins.compared++;
    if (dreamBest > best.feature) wins.median++;
    if (dream4 > dataset4) wins.below4++;
    rows.push(`| ${spec} | ${fmt(best.feature)} | ${fmt(best.xe, 2)} | ${fmt(threshold, 2)} | ${fmt(dreamBest)} | ${fmt(dreamXe, 2)} | ${fmt(dreamBest - best.feature)} | ${fmt(dataset4)} | ${fmt(dream4)} | ${fmt(result.bestFeatureXeBelow6 ?? -Infinity)} |`);
    const cell = (t: string) => JSON.stringify(t).replace(/\|/g, '\\|');
    texts.push(`| ${spec} | ${cell(best.text)} | ${dreamRow >= 0 ? cell(text) : '—'} |`);
    process.stderr.write(`${spec}: dataset ${fmt(best.feature)} (median XE ${fmt(threshold, 2)}), dream ${fmt(dreamBest)} at XE ${fmt(dreamXe, 2)}\n`);
  }
  console.log(`stories260K, neurons drawn with seed ${o.seed}; corpus ${o.corpus.join(', ')} (${tokens / neurons.length} tokens); ` +
    `scan top ${o.top} windows of 12 tokens; dream: default config, ${o.iterations} iterations, seed 0.\n`);
  console.log('| neuron | best dataset f | its XE | median XE of top windows | best dream f at XE ≤ median | its XE | dream − dataset | best dataset f at XE < 4 | best dream f at XE < 4 | best dream f at XE < 6 |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) console.log(r);
  console.log(`\ndream above dataset: at XE ≤ the median, ${wins.median} of ${wins.compared} neurons; at XE < 4, ${wins.below4} of ${wins.compared}\n`);
  console.log('| neuron | best dataset window | best dream at XE ≤ median |');
  console.log('|---|---|---|');
  for (const t of texts) console.log(t);
  console.log(`\nscan: ${(tokens / (scanMs / 1000)).toFixed(0)} tokens/s over ${neurons.length} scans (${(scanMs / 1000).toFixed(1)} s); ` +
    `dreams: ${(dreamMs / 1000 / neurons.length).toFixed(1)} s each on average`);
}

const int = (v: string) => parseInt(v, 10);
const program = new Command('dataset-comparison')
  .option('--seed <n>', 'seed for choosing neurons', int, 0)
  .option('--neurons <n>', 'how many neurons', int, 10)
  .option('--corpus <paths...>', 'corpus files or folders', ['examples/corpus'])
  .option('--iterations <n>', 'dream iterations', int, 300)
  .option('--top <n>', 'scan: windows kept', int, 64);
program.parse();
main(program.opts<Options>()).catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
