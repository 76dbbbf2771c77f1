/**
 * The EPO ablation on the bundled model (issue "Dreams that beat the dataset", docs/epo-improvements.md):
 * for neurons drawn with a fixed seed (as scripts/dataset-comparison.ts draws them) and several dream
 * seeds each, every variant of the config is dreamed from random tokens and compared with the best
 * max-activating corpus window at the dataset's own fluency: the best prompt of the run's whole
 * history with XE at most the median XE of the scan's top windows, against the best window.
 *
 *   npx tsx scripts/epo-ablation.ts [--neurons 24] [--seeds 3] [--variants default,lambda30] [--jobs 2]
 *
 * Each (variant, neuron, seed) dream runs in its own process (ONNX Runtime's run blocks its thread),
 * `--jobs` at a time with one intra-op thread each; scans are cached in --cache. Prints one Markdown
 * table: per variant, wins at matched XE, the mean and median margin (dream − dataset), the mean best
 * feature at XE < 4 and < 6, evaluations and wall time per run. `--json FILE` keeps every run's row.
 */
import { Command } from 'commander';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { loadModel } from '../src/engine/models/load';
import { dream, neuronFeature, PreparedFeature } from '../src/engine/dream/dream';
import { loadFileFeatureRef, prepareFileFeatureRef } from '../src/cli/feature-ref';
import { EPO_PRESETS, EpoConfig, resolveConfig } from '../src/engine/epo/config';
import { DEFAULT_VARIANTS, STARTS_FROM_DATASET, VARIANTS } from './epo-ablation-variants';
import { initialPromptsFromWindows } from '../src/engine/dream/init-from-dataset';
import { chooseNeurons } from './neuron-draw';
import { scanCorpus } from '../src/engine/scan';
import { median } from '../src/engine/util/stats';
import { inParallel } from '../src/engine/util/parallel';

const PAPER = EPO_PRESETS.paper;

interface Scan {
  spec: string; best: number; bestXe: number; medianXe: number; best4: number;
  /** The top windows' ids, best first (for the variants that start from the dataset; absent in older caches). */
  windows?: number[][];
}
interface Row {
  variant: string; spec: string; seed: number; dreamBest: number; dreamXe: number; dataset: number; medianXe: number;
  best4: number; best6: number; evaluations: number; seconds: number;
  /** The run's whole config (with iterations and seed): what --reuse matches on. */
  config?: EpoConfig;
  /** 'dataset': the run started from the scan's best windows (STARTS_FROM_DATASET), not random tokens. */
  start?: 'dataset';
}

/** A run's identity for --reuse: the feature, and every field of its resolved config. */
const runKey = (spec: string, config: EpoConfig, start?: 'dataset') =>
  `${spec}|${JSON.stringify(Object.entries(config).sort(([a], [b]) => a.localeCompare(b)))}${start ? `|from ${start}` : ''}`;
const startOf = (variant: string): 'dataset' | undefined => (STARTS_FROM_DATASET.has(variant) ? 'dataset' : undefined);
const configOf = (variant: string, iterations: number, seed: number) => resolveConfig({ ...VARIANTS[variant], iterations, seed });

/** A neuron `L.N`, or a feature file's export `file.ts#name` (its seqLen and banned text apply). */
async function featureOf(spec: string): Promise<{ model: Awaited<ReturnType<typeof loadModel>>; feature: PreparedFeature; banned: string[] }> {
  const model = await loadModel('stories260K');
  if (!spec.includes('#')) return { model, feature: neuronFeature(model, spec), banned: [] };
  const loaded = await loadFileFeatureRef(spec);
  const feature = await prepareFileFeatureRef(loaded, model);
  return { model, feature, banned: [...(feature.bannedText ?? []), ...(feature.epo?.bannedText ?? [])] };
}

async function scanOne(spec: string, corpus: string[], top: number): Promise<Scan> {
  const { model, feature, banned } = await featureOf(spec);
  const scan = await scanCorpus({ model, feature, corpus, top, session: { threads: 1 } });
  // Windows with the feature's banned text are left out: the dream may not use them either.
  const allowed = scan.examples.filter((e) => !banned.some((b) => e.text.toLowerCase().includes(b.toLowerCase())));
  scan.examples = allowed;
  const below4 = scan.examples.filter((e) => e.xe < 4).map((e) => e.feature);
  return {
    spec, best: scan.examples[0].feature, bestXe: scan.examples[0].xe, medianXe: median(scan.examples.map((e) => e.xe)), best4: below4.length ? Math.max(...below4) : -Infinity,
    windows: scan.examples.map((e) => e.ids),
  };
}

async function dreamOne(variant: string, spec: string, seed: number, iterations: number, scan: Scan): Promise<Row> {
  const { model, feature } = await featureOf(spec);
  const t0 = performance.now();
  const start = startOf(variant);
  const initialPrompts = start ? initialPromptsFromWindows((scan.windows ?? []).map((ids) => ({ ids })), 'the scan') : undefined;
  const { result } = await dream({ model, feature, config: { ...VARIANTS[variant], iterations, seed }, session: { threads: 1 }, initialPrompts });
  const seconds = (performance.now() - t0) / 1000;
  const h = result.history;
  let dreamBest = -Infinity, dreamXe = NaN;
  for (let i = 0; i < h.size; i++) if (h.xe(i) <= scan.medianXe && h.feature(i) > dreamBest) { dreamBest = h.feature(i); dreamXe = h.xe(i); }
  return {
    config: configOf(variant, iterations, seed), ...(start ? { start } : {}), variant, spec, seed, dreamBest, dreamXe, dataset: scan.best, medianXe: scan.medianXe,
    best4: result.bestFeatureXeBelow4 ?? -Infinity, best6: result.bestFeatureXeBelow6 ?? -Infinity, evaluations: result.stats.evaluations, seconds,
  };
}

/** Runs this script with `args` in a child process; its last stdout line is the JSON answer. */
function child<T>(args: string[]): Promise<T> {
  return new Promise((done, fail) => {
    const p = spawn(process.execPath, ['--import', 'tsx', process.argv[1], ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ORT_DISABLE_TELEMETRY: '1' } });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('error', fail);
    p.on('close', (code) => (code === 0 ? done(JSON.parse(out.trim().split('\n').at(-1)!) as T) : fail(new Error(`${args.join(' ')}: exit ${code}`))));
  });
}

const fmt = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : '—');
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

interface Options { reuse?: string[]; features?: string; neurons: number; neuronSeed: number; seeds: number; iterations: number; variants: string; corpus: string[]; top: number; jobs: number; cache: string; json?: string }

async function main(o: Options): Promise<void> {
  const variants = o.variants.split(',');
  for (const v of variants) if (!VARIANTS[v]) throw new Error(`unknown variant '${v}' (known: ${Object.keys(VARIANTS).join(', ')})`);
  const model = await loadModel('stories260K');
  const neurons = [...chooseNeurons(model, o.neurons, o.neuronSeed), ...(o.features ? o.features.split(',') : [])];
  const key = `${o.corpus.join(',')}|top ${o.top}`;
  const cache = existsSync(o.cache) ? JSON.parse(readFileSync(o.cache, 'utf8')) as Record<string, Record<string, Scan>> : {};
  const scans = cache[key] ?? {};
  // A variant that starts from the dataset needs the windows themselves, which older caches lack.
  const needWindows = variants.some((v) => startOf(v));
  const missing = neurons.filter((s) => !scans[s] || (needWindows && !scans[s].windows));
  const t0 = performance.now();
  for (const s of await inParallel(missing.map((spec) => () => child<Scan>(['--scan-one', spec, '--corpus', ...o.corpus, '--top', String(o.top)])), o.jobs)) scans[s.spec] = s;
  if (missing.length) {
    mkdirSync(dirname(o.cache), { recursive: true });
    writeFileSync(o.cache, JSON.stringify({ ...cache, [key]: scans }));
    process.stderr.write(`scanned ${missing.length} neurons in ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
  }
  // Runs of an earlier --json file with the same feature and the same whole config are not run again.
  const reused = new Map<string, Row>();
  for (const file of o.reuse ?? []) {
    const text = readFileSync(file, 'utf8');
    const rows = file.endsWith('.jsonl') ? text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row) : (JSON.parse(text) as { rows: Row[] }).rows;
    for (const r of rows) if (r.config) reused.set(runKey(r.spec, resolveConfig(r.config), r.start), r);
  }
  // Each finished run is also appended to <json>.jsonl at once, so that an interrupted ablation can --reuse it.
  const progress = o.json ? `${o.json}l` : undefined;
  // Variants interleaved, so that the machine's load falls on each alike.
  const jobs = neurons.flatMap((spec) => Array.from({ length: o.seeds }, (_, seed) => variants.map((variant) => () => {
    const earlier = reused.get(runKey(spec, configOf(variant, o.iterations, seed), startOf(variant)));
    if (earlier) return Promise.resolve({ ...earlier, variant });
    return child<Row>(['--dream-one', `${variant}:${spec}:${seed}`, '--iterations', String(o.iterations), '--scan', JSON.stringify(scans[spec])]).then((r) => {
      process.stderr.write(`${variant} ${spec} seed ${seed}: dream ${fmt(r.dreamBest)} vs dataset ${fmt(r.dataset)} (${r.seconds.toFixed(0)} s)\n`);
      if (progress) appendFileSync(progress, `${JSON.stringify(r)}\n`);
      return r;
    });
  })).flat());
  const rows = await inParallel(jobs, o.jobs);
  if (o.json) writeFileSync(o.json, JSON.stringify({ options: o, neurons, scans, rows }, null, 1));

  console.log(`stories260K; ${o.neurons} neurons drawn with seed ${o.neuronSeed}${neurons.length > o.neurons ? ` and ${neurons.length - o.neurons} other features` : ''} (${neurons.join(', ')}); dream seeds 0–${o.seeds - 1}; ` +
    `${o.iterations} iterations from random tokens; corpus ${o.corpus.join(', ')}, top ${o.top} windows of 12 tokens. ` +
    'A win: the best dream prompt with XE ≤ the median XE of the top windows beats the best window.\n');
  console.log('| variant | changes | wins at matched XE | mean margin | median margin | mean best f at XE < 4 | mean best f at XE < 6 | evaluations / run | s / run |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const v of variants) {
    const rs = rows.filter((r) => r.variant === v);
    const margins = rs.map((r) => (Number.isFinite(r.dreamBest) ? r.dreamBest - r.dataset : -r.dataset));
    const wins = rs.filter((r) => r.dreamBest > r.dataset).length;
    const changes = v === 'paper' ? '`--preset paper`'
      : startOf(v) ? 'Reverie\'s defaults, started from the scan\'s best windows'
      : Object.entries(VARIANTS[v]).filter(([k, x]) => v === 'default' || DEFAULT_VARIANTS[v] || PAPER[k as keyof EpoConfig] !== x).map(([k, x]) => `${k} ${x}`).join(', ') || 'Reverie\'s defaults';
    console.log(`| ${v} | ${changes} | ${wins} / ${rs.length} (${((100 * wins) / rs.length).toFixed(0)} %) | ${fmt(mean(margins))} | ${fmt(median(margins))} | ` +
      `${fmt(mean(rs.map((r) => r.best4).filter(Number.isFinite)))} | ${fmt(mean(rs.map((r) => r.best6).filter(Number.isFinite)))} | ` +
      `${mean(rs.map((r) => r.evaluations)).toFixed(0)} | ${mean(rs.map((r) => r.seconds)).toFixed(1)} |`);
  }
}

const int = (v: string) => parseInt(v, 10);
const program = new Command('epo-ablation')
  .option('--neurons <n>', 'how many neurons', int, 24)
  .option('--features <refs>', 'also these feature-file exports, comma-separated (e.g. examples/features.ts#happyLogit)')
  .option('--neuron-seed <n>', 'seed for choosing neurons', int, 0)
  .option('--seeds <n>', 'dream seeds per neuron (0 … n−1)', int, 3)
  .option('--iterations <n>', 'dream iterations', int, 300)
  .option('--variants <names>', `comma-separated: ${Object.keys(VARIANTS).join(', ')}`, 'default')
  .option('--corpus <paths...>', 'corpus files or folders', ['examples/corpus'])
  .option('--top <n>', 'scan: windows kept', int, 64)
  .option('--jobs <n>', 'processes at a time', int, 2)
  .option('--cache <file>', 'scan cache', 'scratch/ablation-scans.json')
  .option('--json <file>', 'write every run\'s row')
  .option('--reuse <files...>', 'rows of earlier --json files (or their .jsonl progress): a run with the same feature and whole config is not run again')
  .option('--scan-one <spec>', 'internal: scan one neuron, print JSON')
  .option('--dream-one <variant:spec:seed>', 'internal: dream one, print JSON')
  .option('--scan <json>', 'internal');
program.parse();
const opts = program.opts<Options & { scanOne?: string; dreamOne?: string; scan?: string }>();
const run = async () => {
  if (opts.scanOne) return console.log(JSON.stringify(await scanOne(opts.scanOne, opts.corpus, opts.top)));
  if (opts.dreamOne) {
    const [variant, spec, seed] = opts.dreamOne.split(':');
    return console.log(JSON.stringify(await dreamOne(variant, spec, int(seed), opts.iterations, JSON.parse(opts.scan!) as Scan)));
  }
  return main(opts);
};
run().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
