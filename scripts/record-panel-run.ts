/**
 * Records a real dream as the Reverie panel sees it, for the panel harness (scripts/panel-harness.mjs
 * --run): a default EPO run on the bundled stories260K model, driven through the dream worker's own
 * service (DreamService, in-process: the code the extension's worker thread runs, minus the port).
 * Every panel message the run emits is kept in order, behind the init a webview gets when it says
 * `ready`; the ids of every history index come from the `point` RPC, attributions from the
 * `attribute` RPC, for each prompt the harness inspects (the population at the running screenshot's
 * iteration, the final population, and the final frontier).
 *
 * Usage: npx tsx scripts/record-panel-run.ts [--feature examples/features.ts#neuron2_17 | --neuron 2.17]
 *          [--iterations 300] [--seed 0] [--epo '{"shiftShare": 0.25}'] [--out test-results/real-run.json] [--corpus examples/corpus]
 * Then: node scripts/panel-harness.mjs test-results/panel-real --run test-results/real-run.json --screenshots media/screenshots
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command } from 'commander';
import { DreamService } from '../src/worker/dream-worker';
import type { DreamWorkerApi, FeatureSource, WorkerEvent } from '../src/worker/worker-protocol';
import { validateHostMessage, type Attribution, type HistoryMessage, type HostMessage, type IterationMessage } from '../src/protocol/panel';

const ROOT = resolve(__dirname, '..');
/** The harness takes its "running" screenshots after this iteration, with a population row inspected. */
const HARNESS_RUNNING_ITERATION = 40;

const opts = new Command()
  .option('--feature <file#export>', 'a feature file and export', 'examples/features.ts#neuron2_17')
  .option('--neuron <layer.index>', 'a built-in MLP neuron instead of a feature file (e.g. 2.17)')
  .option('--iterations <n>', 'EPO iterations', '300')
  .option('--seed <n>', 'EPO seed', '0')
  .option('--epo <json>', 'more EPO settings, e.g. \'{"islands": 2, "shiftShare": 0.25}\'', '{}')
  .option('--out <file>', 'where the run goes', 'test-results/real-run.json')
  .option('--corpus <path>', 'dataset baseline corpus, as the reverie.datasetCorpus setting ("" for none)', 'examples/corpus')
  .parse()
  .opts<{ feature: string; neuron?: string; iterations: string; seed: string; epo: string; out: string; corpus: string }>();

function integer(name: string, v: string, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
  return n;
}

function featureSource(): FeatureSource {
  if (opts.neuron) return { kind: 'neuron', spec: opts.neuron };
  const [file, exportName] = opts.feature.split('#');
  if (!file || !exportName) throw new Error(`--feature must be file#export, got ${JSON.stringify(opts.feature)}`);
  return { kind: 'file', file: resolve(ROOT, file), exportName, workspaceRoot: ROOT, trusted: true };
}

async function main(): Promise<void> {
  const iterations = integer('iterations', opts.iterations, 1);
  const seed = integer('seed', opts.seed, 0);
  const at = HARNESS_RUNNING_ITERATION;
  if (at >= iterations) throw new Error(`--iterations ${iterations}: the harness needs a run past iteration ${at}`);
  const sessionId = 'recorded';

  // Live panel messages in emission order; the init comes from the replay a webview gets on `ready`,
  // taken when the first iteration arrives (a panel page loads while the initial population is scored,
  // and by then the run has resolved top-k and the device, which the init reports).
  const live: HostMessage[] = [];
  let init: HostMessage | undefined;
  const service = new DreamService((e: WorkerEvent) => {
    if (e.kind === 'log') console.error(`[worker ${e.level}] ${e.message}`);
    if (e.kind !== 'panel' || e.sessionId !== sessionId) return;
    live.push(e.message);
    if (e.message.type === 'iteration' && !init) {
      void call('replay', { sessionId }).then((r) => { init = r.messages.find((m) => m.type === 'init'); });
    }
    if (e.message.type === 'iteration' && e.message.iteration >= 0 && (e.message.iteration + 1) % 50 === 0) {
      const m = e.message;
      console.log(`iteration ${m.iteration + 1}/${m.iterations}: ${m.stats.evaluations} evaluations, best f @XE<4 ${m.stats.bestAtXe4?.toFixed(3) ?? '—'}`);
    }
  });
  /** A worker RPC, in-process (the handlers compute their answer when called, as in the worker). */
  const call = <K extends keyof DreamWorkerApi>(method: K, req: DreamWorkerApi[K]['req']): Promise<DreamWorkerApi[K]['res']> =>
    Promise.resolve((service.handlers[method] as (r: DreamWorkerApi[K]['req'], n: () => void) => DreamWorkerApi[K]['res'] | Promise<DreamWorkerApi[K]['res']>)(req, () => undefined));

  try {
    const t0 = performance.now();
    const summary = await call('openSession', {
      sessionId, feature: featureSource(), model: { allowDownload: false }, engine: { provider: 'cpu', threads: 0 },
      config: { ...JSON.parse(opts.epo), iterations, seed },
      dataset: opts.corpus ? { corpus: [resolve(ROOT, opts.corpus)], cacheDir: resolve(ROOT, 'test-results', 'scan-cache') } : undefined,
    });
    console.log(`${summary.title} on ${summary.model?.id} (${summary.model?.layers} layers, vocab ${summary.model?.vocab}), ${iterations} iterations, seed ${seed}`);
    await service.settled(sessionId);
    console.log(`run finished in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    if (opts.corpus) {
      // The dataset scan runs beside the dream and may end after it: the panel gets it whenever it ends.
      const t1 = performance.now();
      while (!live.some((m) => m.type === 'dataset' || (m.type === 'notice' && m.about === 'dataset'))) {
        if (performance.now() - t1 > 600_000) throw new Error('the dataset scan did not finish within 10 minutes');
        await new Promise((r) => setTimeout(r, 100));
      }
      const problem = live.find((m) => m.type === 'notice' && m.about === 'dataset');
      if (problem) throw new Error(`the dataset scan failed: ${(problem as { message: string }).message}`);
      console.log(`dataset baseline ready ${((performance.now() - t0) / 1000).toFixed(1)} s after the start`);
    }
    const last = [...live].reverse().find((m) => m.type === 'runState');
    if (last?.type !== 'runState' || last.state !== 'done') throw new Error(`the run did not finish: its last panel message was ${JSON.stringify(last)?.slice(0, 300)}`);
    if (!init) throw new Error('no init message was captured (the run emitted no iteration)');
    const messages = [init, ...live];
    messages.forEach((m, i) => {
      const problem = validateHostMessage(m);
      if (problem) throw new Error(`panel message ${i} (${m.type}) is malformed: ${problem}`);
    });

    // Ids of every history index, through the point RPC the panel's requestPoint is answered with.
    const { messages: replay } = await call('replay', { sessionId });
    const history = replay.find((m): m is HistoryMessage => m.type === 'history');
    if (!history) throw new Error('the replay has no history message');
    const its = live.filter((m): m is IterationMessage => m.type === 'iteration');
    const sent = its.flatMap((m) => m.points.historyIndex);
    if (sent.length !== history.points.historyIndex.length) throw new Error(`iteration messages carried ${sent.length} points, the history has ${history.points.historyIndex.length}`);
    const rows = Math.max(...sent) + 1;
    const model = summary.model;
    if (!model) throw new Error('the session has no model');
    const loaded = await service.loadModel({ ref: model.id, allowDownload: false });
    const vocab = Array.from({ length: model.vocab }, (_, id) => loaded.tokenizer.tokenText(id));
    const pointIds: number[][] = [];
    for (let h = 0; h < rows; h++) {
      const p = await call('point', { sessionId, historyIndex: h });
      p.tokens.forEach((t, i) => {
        if (t !== vocab[p.ids[i]]) throw new Error(`point ${h}: token ${i} shows as ${JSON.stringify(t)}, the vocabulary says ${JSON.stringify(vocab[p.ids[i]])}`);
      });
      pointIds.push(p.ids);
    }

    // Attributions for the prompts the harness inspects.
    const atIteration = its.find((m) => m.iteration === at);
    if (!atIteration) throw new Error(`no iteration message for iteration ${at}`);
    const wanted = new Map<string, number[]>();
    for (const r of [...atIteration.population, ...its[its.length - 1].population]) wanted.set(r.ids.join(','), r.ids);
    for (const h of history.frontier) wanted.set(pointIds[h].join(','), pointIds[h]);
    const attributions: Record<string, Attribution> = {};
    const ta = performance.now();
    for (const [key, ids] of wanted) attributions[key] = await call('attribute', { sessionId, ids });
    console.log(`${wanted.size} attributions (population at iteration ${at}, final population, frontier of ${history.frontier.length}) in ${((performance.now() - ta) / 1000).toFixed(1)} s`);

    const out = resolve(opts.out);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, JSON.stringify({
      format: 'reverie-panel-run/1',
      recorded: { feature: summary.feature.name, model: model.id, iterations, seed },
      messages, pointIds, vocab, attributions,
    }));
    const fin = its[its.length - 1];
    console.log(`${messages.length} messages, ${rows} points, final best f @XE<4 ${fin.stats.bestAtXe4?.toFixed(3) ?? '—'} @XE<6 ${fin.stats.bestAtXe6?.toFixed(3) ?? '—'} → ${out}`);
  } finally {
    await call('dispose', {});
  }
}

main().catch((e: Error) => {
  console.error(`record-panel-run: ${e.stack ?? e.message}`);
  process.exit(1);
});
