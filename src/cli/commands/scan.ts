/** `reverie scan`: the dataset baseline — a feature's max-activating windows in a corpus, optionally into a frontier file. */
import { readFileSync, rmSync } from 'node:fs';
import { basename, relative } from 'node:path';
import type { Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { addModelOptions, loadModelForCli, sessionOptions, ModelCliOptions } from '../model-options';
import { neuronFeature, logitFeature, PreparedFeature } from '../../engine/dream/dream';
import type { LoadedModel } from '../../engine/models/load';
import type { LoadedFeature } from '../../engine/features';
import { loadFileFeatureRef, prepareFileFeatureRef } from '../feature-ref';
import { frontierSlug, FrontierFeature } from '../../engine/frontier-file';
import { median } from '../../engine/util/stats';
import { intArg } from '../numbers';
import { scanCorpus, corpusLabel, datasetPoints, writeDatasetToFrontierFile, ScanProgress, ScanResult } from '../../engine/scan';

interface ScanCliOptions extends ModelCliOptions {
  neuron?: string;
  logit?: string;
  corpus: string[];
  window?: number;
  stride: number;
  top: number;
  batch: number;
  out?: string;
  source?: string;
  state?: string;
  resume?: boolean;
  show: number;
  json?: boolean;
  quiet?: boolean;
}

const int = intArg(1);

const group = (v: number) => Math.round(v).toLocaleString('en-US');

/** The feature as a frontier file records it (the same fields the panel's Save Frontier writes). */
function frontierFeature(prepared: PreparedFeature, file: LoadedFeature | undefined, o: ScanCliOptions): Omit<FrontierFeature, 'sourceTextHash'> {
  const common = { name: prepared.info.name, description: prepared.info.description, sourceHash: prepared.info.sourceHash };
  if (o.neuron !== undefined) return { ...common, kind: 'neuron', source: `neuron ${JSON.stringify(o.neuron)}`, spec: o.neuron };
  if (o.logit !== undefined) return { ...common, kind: 'logit', source: `logit ${JSON.stringify(o.logit)}`, spec: o.logit };
  const f = file!;
  return { ...common, kind: 'file', source: readFileSync(f.file, 'utf8'), file: relative(f.workspaceRoot, f.file), exportName: f.exportName };
}

function defaultStatePath(o: ScanCliOptions, feature: PreparedFeature): string {
  if (o.out) return `${o.out.replace(/(\.frontier)?\.json$/i, '')}.scan-state.json`;
  return `${frontierSlug(feature.info.name)}.scan-state.json`;
}

function progressBar(o: ScanCliOptions): { start(bytes: number, done: number): void; update(p: ScanProgress): void; stop(): void } {
  if (o.quiet || o.json) return { start() {}, update() {}, stop() {} };
  const rate = (p: ScanProgress) => group(p.tokensPerSecond);
  const best = (p: ScanProgress) => (p.best === null ? '—' : p.best.toFixed(3));
  if (!process.stderr.isTTY) {
    // Logs and CI: one line per 10% of the corpus instead of a redrawn bar.
    let next = 0, total = 1;
    return {
      start(bytes) { total = Math.max(1, bytes); },
      update(p) {
        if (p.bytesDone < next) return;
        next = p.bytesDone + total / 10;
        process.stderr.write(`scanned ${((100 * p.bytesDone) / total).toFixed(0)}% · ${group(p.counts.tokens)} tokens · best ${best(p)} · ${rate(p)} tokens/s\n`);
      },
      stop() {},
    };
  }
  const bar = new SingleBar({
    stream: process.stderr, hideCursor: true, etaBuffer: 50,
    format: 'scanning {bar} {percentage}% · {tokens} tokens · best {best} · {rate} tokens/s · ETA {eta_formatted}',
  }, Presets.shades_classic);
  return {
    start: (bytes, done) => bar.start(Math.max(1, bytes), done, { tokens: '0', best: '—', rate: '0' }),
    update: (p) => bar.update(p.bytesDone, { tokens: group(p.counts.tokens), best: best(p), rate: rate(p) }),
    stop: () => bar.stop(),
  };
}

function summary(model: LoadedModel, feature: PreparedFeature, r: ScanResult, show: number): string {
  const c = r.counts;
  const bytes = r.files.reduce((s, f) => s + f.bytes, 0);
  const lines = [
    `${feature.info.name} on ${model.id}: ${group(c.tokens)} tokens in ${c.documents} documents of ${r.files.length} file${r.files.length === 1 ? '' : 's'} (${(bytes / 2 ** 20).toFixed(1)} MiB)${r.cancelled ? ' (interrupted)' : ''}`,
    `${group(c.windows)} windows of ${r.n} tokens${r.stride > 1 ? ` every ${r.stride}` : ''}: ${group(c.scored)} scored, ${group(c.duplicates)} duplicates skipped${c.nonFinite ? `, ${c.nonFinite} non-finite` : ''}`,
    `${(r.elapsedMs / 1000).toFixed(1)} s, ${group(r.tokensPerSecond)} tokens/s${r.resumed ? ' (over all sessions of this resumed scan)' : ''}`,
  ];
  if (!r.examples.length) return [...lines, '', 'no windows: every document is shorter than the window'].join('\n');
  lines.push('', `top ${r.examples.length} windows by feature (median XE ${median(r.examples.map((e) => e.xe)).toFixed(2)}):`, '  feature      XE  where                          text');
  for (const e of r.examples.slice(0, show)) {
    const where = `${basename(e.file)}:${e.line}#${e.window}`;
    lines.push(`  ${e.feature.toFixed(3).padStart(7)} ${e.xe.toFixed(2).padStart(7)}  ${where.padEnd(30)} ${JSON.stringify(e.text)}`);
  }
  if (r.examples.length > show) lines.push(`  … ${r.examples.length - show} more (--show, --json)`);
  return lines.join('\n');
}

export function registerScan(program: Command): void {
  const cmd = program.command('scan [feature]')
    .description('find the corpus windows that activate a feature most (the dataset baseline beside a dream frontier); feature = <file.ts>#<export>')
    .option('--neuron <L.N>', 'MLP neuron N of layer L (blocks.L.mlp.hook_post) at the last token')
    .option('--logit <token>', 'the output logit of one token, named by its text as displayed (e.g. " happy")')
    .requiredOption('-c, --corpus <paths...>', 'text files, or folders of .txt files; documents are separated by blank lines')
    .option('-w, --window <n>', 'window length in tokens (default: the feature\'s dream length, else 12)', int)
    .option('--stride <n>', 'start a window every n tokens', int, 1)
    .option('-k, --top <n>', 'windows to keep', int, 64)
    .option('--batch <n>', 'windows per model call', int, 64)
    .option('-o, --out <x.frontier.json>', 'add the windows as the dataset series of this frontier file (created if missing)')
    .option('--source <label>', 'the series\' name in the frontier file (default: the corpus names)')
    .option('--state <file>', 'resume state, written as the scan goes (default: beside --out, else <feature>.scan-state.json)')
    .option('--resume', 'continue an interrupted scan from its state file')
    .option('--show <n>', 'rows in the summary table', int, 20)
    .option('--json', 'print the result as JSON on stdout')
    .option('-q, --quiet', 'no progress bar');
  addModelOptions(cmd).action(async (ref: string | undefined, o: ScanCliOptions) => {
    if ([ref, o.neuron, o.logit].filter((x) => x !== undefined).length !== 1) {
      throw new Error('give exactly one feature: <file.ts>#<export>, --neuron LAYER.INDEX or --logit TOKEN');
    }
    const fileFeature = ref !== undefined ? await loadFileFeatureRef(ref) : undefined;
    if (cmd.getOptionValueSource('model') !== 'cli' && fileFeature) o.model = fileFeature.modelRef;
    const model = await loadModelForCli(o);
    const feature = o.neuron !== undefined ? neuronFeature(model, o.neuron) : o.logit !== undefined ? logitFeature(model, o.logit) : await prepareFileFeatureRef(fileFeature!, model);
    const statePath = o.state ?? defaultStatePath(o, feature);
    const controller = new AbortController();
    const onSigint = () => {
      process.stderr.write('\nstopping after this batch… (the scan so far is kept for --resume)\n');
      controller.abort();
    };
    process.once('SIGINT', onSigint);
    const bar = progressBar(o);
    const result = await scanCorpus({
      model, feature, corpus: o.corpus, n: o.window, stride: o.stride, top: o.top, batchSize: o.batch,
      session: sessionOptions(o), statePath, resume: !!o.resume, signal: controller.signal,
      onReady: ({ bytes, warnings, resumedFrom }) => {
        for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
        if (o.resume && !resumedFrom && !o.quiet) process.stderr.write(`no scan state at ${statePath}: starting from the beginning\n`);
        bar.start(bytes, 0);
      },
      onProgress: (p) => bar.update(p),
    }).finally(() => {
      bar.stop();
      process.off('SIGINT', onSigint);
    });
    if (!result.cancelled) rmSync(statePath, { force: true });
    let wrote: string | undefined;
    if (o.out && !result.cancelled && result.examples.length) {
      const source = o.source ?? corpusLabel(o.corpus);
      const w = await writeDatasetToFrontierFile({ path: o.out, feature: frontierFeature(feature, fileFeature, o), model, points: datasetPoints(result, source) });
      wrote = `${w.created ? 'wrote' : 'updated'} ${w.path}: ${result.examples.length} examples from '${source}'${w.replaced ? ` (replacing ${w.replaced} from an earlier scan)` : ''}, ${w.total} dataset examples in the file`;
    }
    if (o.json) {
      console.log(JSON.stringify({
        type: 'result', model: model.id, feature: feature.info, n: result.n, stride: result.stride, files: result.files, counts: result.counts,
        elapsedMs: result.elapsedMs, tokensPerSecond: result.tokensPerSecond, cancelled: result.cancelled, resumed: result.resumed,
        examples: result.examples, out: o.out && wrote ? o.out : undefined,
      }));
    } else {
      console.log(summary(model, feature, result, o.show));
      if (wrote) console.log(`\n${wrote}`);
      if (result.cancelled) console.log(`\ninterrupted: continue with the same command and --resume (state in ${statePath})`);
    }
  });
}
