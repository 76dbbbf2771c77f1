/** `reverie dream`: run EPO on a feature, with a progress bar, a summary and an optional run file. */
import type { Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { addModelOptions, loadModelForCli, sessionOptions, ModelCliOptions } from '../model-options';
import { addEpoOptions, epoOverrides } from '../epo-options';
import { dream, dreamRunFile, neuronFeature, logitFeature, PreparedFeature } from '../../engine/dream/dream';
import { readRunFile, checkpointFromRun, resumeMismatch, writeRunFile, EpoIterationEvent, EpoResult } from '../../engine/epo';
import { checkWritable } from '../../engine/epo/atomic-write';
import { SAVED_RUN_CHECKPOINT_BUDGET, SAVED_RUN_CHECKPOINT_EVERY } from '../../engine/epo/config';
import { faultPoint } from '../../engine/util/fault';
import type { LoadedModel } from '../../engine/models/load';
import { LARGE_WEIGHTS_FROM, weightBytes } from '../../engine/models/weights';
import { loadFileFeatureRef, prepareFileFeatureRef } from '../feature-ref';
import { datasetStart } from '../../engine/dream/init-from-dataset';
import type { LoadedFeature } from '../../engine/features';

interface DreamCliOptions extends ModelCliOptions {
  neuron?: string;
  logit?: string;
  out?: string;
  resume?: string;
  json?: boolean;
  history: boolean;
  quiet?: boolean;
  initFromDataset?: string;
}

async function chooseFeature(model: LoadedModel, fileFeature: LoadedFeature | undefined, o: DreamCliOptions): Promise<PreparedFeature> {
  if (o.neuron !== undefined) return neuronFeature(model, o.neuron);
  if (o.logit !== undefined) return logitFeature(model, o.logit);
  return prepareFileFeatureRef(fileFeature!, model, o);
}

function fmt(v: number | null): string {
  return v === null ? '—' : v.toFixed(3);
}

function progress(o: DreamCliOptions, total: number): { update(e: EpoIterationEvent, itPerSec: number): void; stop(): void } {
  if (o.quiet || o.json) return { update() {}, stop() {} };
  if (!process.stderr.isTTY) {
    // Logs and CI: one line every 10% instead of a redrawn bar.
    let next = 0;
    return {
      update(e, rate) {
        const done = e.iteration + 1;
        if (done < next && done !== total) return;
        next = done + Math.max(1, Math.round(total / 10));
        process.stderr.write(`iteration ${done}/${total} · best f @XE<4 ${fmt(e.bestFeatureXeBelow4)} · @XE<6 ${fmt(e.bestFeatureXeBelow6)} · ${rate.toFixed(1)} it/s\n`);
      },
      stop() {},
    };
  }
  const bar = new SingleBar({
    stream: process.stderr, hideCursor: true, etaBuffer: 20,
    format: 'dreaming {bar} {value}/{total} · best f @XE<4 {b4} · @XE<6 {b6} · {rate} it/s · ETA {eta_formatted}',
  }, Presets.shades_classic);
  bar.start(total, 0, { b4: '—', b6: '—', rate: '0.0' });
  return {
    update: (e, rate) => bar.update(e.iteration + 1, { b4: fmt(e.bestFeatureXeBelow4), b6: fmt(e.bestFeatureXeBelow6), rate: rate.toFixed(1) }),
    stop: () => bar.stop(),
  };
}

function summary(model: LoadedModel, feature: PreparedFeature, r: EpoResult, buildMs: number): string {
  const lines = [
    `${feature.info.name} on ${model.id}: ${r.iterationsDone} iterations${r.cancelled ? ' (cancelled)' : ''}, seed ${r.seed}`,
    `  ${feature.info.description}`,
    `best feature at XE < 4: ${fmt(r.bestFeatureXeBelow4)}   at XE < 6: ${fmt(r.bestFeatureXeBelow6)}`,
    `${r.stats.evaluations} prompts evaluated, ${r.stats.gradients} gradients, ${r.frontier.length} on the frontier`,
    `time ${(r.timings.totalMs / 1000).toFixed(2)} s (graphs ${(buildMs / 1000).toFixed(2)} s): gradient ${(r.timings.gradientMs / 1000).toFixed(2)} s, scoring ${(r.timings.scoringMs / 1000).toFixed(2)} s, proposal ${(r.timings.proposalMs / 1000).toFixed(2)} s, selection ${(r.timings.selectionMs / 1000).toFixed(2)} s`,
    '',
    'frontier (feature high, XE low):',
    '  feature      XE   iter  prompt',
  ];
  const pts = [...r.frontier].sort((a, b) => a.xe - b.xe);
  const step = Math.max(1, Math.ceil(pts.length / 12));
  for (let i = 0; i < pts.length; i += step) {
    const p = pts[i];
    lines.push(`  ${p.feature.toFixed(3).padStart(7)} ${p.xe.toFixed(2).padStart(7)} ${String(p.iteration).padStart(6)}  ${JSON.stringify(p.text ?? model.tokenizer.decode(p.ids))}`);
  }
  lines.push('', 'final population:', '      λ  feature      XE  prompt');
  for (const m of r.population) lines.push(`  ${m.lambda.toFixed(3).padStart(5)} ${m.feature.toFixed(3).padStart(8)} ${m.xe.toFixed(2).padStart(7)}  ${JSON.stringify(m.text)}`);
  return lines.join('\n');
}


/** A 24-cell bar for a fraction (the weights read while a large model's graphs are built). */
function loadBar(fraction: number): string {
  const cells = Math.round(24 * Math.max(0, Math.min(1, fraction)));
  return `[${'#'.repeat(cells)}${'.'.repeat(24 - cells)}] ${(100 * fraction).toFixed(0).padStart(3)}%`;
}
export function registerDream(program: Command): void {
  const cmd = program.command('dream [feature]')
    .description('dream prompts that maximise a feature while staying fluent (EPO); feature = <file.ts>#<export>')
    .option('--neuron <L.N>', 'MLP neuron N of layer L (blocks.L.mlp.hook_post) at the last token')
    .option('--logit <token>', 'the output logit of one token, named by its text as displayed (e.g. " happy"; its text is banned from prompts)')
    .option('-o, --out <run.json>', 'write the run (config, model hashes, frontier, history, resume state), checkpointed as it goes')
    .option('--resume <run.json>', 'continue a saved run (same feature and model); --iterations extends it; written back to this file unless --out is given')
    .option('--no-history', 'leave the full history out of the finished run file (no replay or resume; checkpoints and cancelled runs keep it)')
    .option('--json', 'print one JSON event per iteration and the result on stdout')
    .option('--init-from-dataset <corpus>', 'start from the best windows of this corpus (a text file or folder) for the feature instead of random tokens')
    .option('-q, --quiet', 'no progress bar');
  addEpoOptions(addModelOptions(cmd)).action(async (ref: string | undefined, o: DreamCliOptions) => {
    if ([ref, o.neuron, o.logit].filter((x) => x !== undefined).length !== 1) {
      throw new Error('give exactly one feature: <file.ts>#<export>, --neuron LAYER.INDEX or --logit TOKEN');
    }
    const resumeRun = o.resume ? await readRunFile(o.resume) : undefined;
    const fileFeature = ref !== undefined ? await loadFileFeatureRef(ref) : undefined;
    // The model: --model when given, else the run being resumed, else the feature file's.
    if (cmd.getOptionValueSource('model') !== 'cli') o.model = resumeRun?.model.id ?? fileFeature?.modelRef ?? o.model;
    const model = await loadModelForCli(o);
    const feature = await chooseFeature(model, fileFeature, o);
    const mismatch = resumeRun && resumeMismatch(resumeRun, { id: model.id, files: model.files }, feature.info, o.resume);
    if (mismatch) throw new Error(mismatch);
    const overrides = epoOverrides(o as unknown as Record<string, unknown>);
    let start: Awaited<ReturnType<typeof datasetStart>> | undefined;
    if (o.initFromDataset !== undefined) {
      if (resumeRun || overrides.initialPrompt) throw new Error(`--init-from-dataset starts a run: it cannot be combined with ${resumeRun ? '--resume' : '--initial-ids'}`);
      const say = (line: string) => { if (!o.quiet && !o.json) process.stderr.write(`${line}\n`); };
      say(`scanning ${o.initFromDataset} for the windows that activate the feature most …`);
      start = await datasetStart(model, feature, overrides, o.initFromDataset, sessionOptions(o));
      say(`starting from the best windows of ${start.windowsScored.toLocaleString('en-US')} in ${o.initFromDataset}` +
        `${start.best ? ` (best: ${start.best.feature.toFixed(3)} at XE ${start.best.xe.toFixed(2)}, ${JSON.stringify(start.best.text)})` : ''}`);
    }
    // Where the run goes: --out, else the run file being resumed (so a resumed run is never lost).
    const outPath = o.out ?? o.resume;
    // The default interval is also held to a share of the run's time; one the user gives is exact.
    let checkpointBudget: number | undefined;
    if (outPath) {
      await checkWritable(outPath); // now, not after the whole run
      if (overrides.checkpointEvery === undefined && (!resumeRun || resumeRun.config.checkpointEvery === SAVED_RUN_CHECKPOINT_EVERY)) {
        if (!resumeRun) overrides.checkpointEvery = SAVED_RUN_CHECKPOINT_EVERY;
        checkpointBudget = SAVED_RUN_CHECKPOINT_BUDGET;
      }
    }
    const controller = new AbortController();
    let signalled: NodeJS.Signals | undefined;
    const onSignal = (sig: NodeJS.Signals) => {
      if (signalled) return;
      signalled = sig;
      process.stderr.write(`\n${sig === 'SIGTERM' ? 'terminated' : 'cancelling'}… (the run so far is ${outPath ? `written to ${outPath}` : 'kept'})\n`);
      controller.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const announce = weightBytes(model.weights) >= LARGE_WEIGHTS_FROM && !o.quiet && !o.json;
    if (announce) process.stderr.write('reading the weights into the graph and creating its session …\n');
    let shown = 0;
    const onWeights = announce ? (done: number, total: number) => {
      const now = performance.now();
      if (now - shown < 250 && done < total) return;
      shown = now;
      const GiB = 2 ** 30;
      process.stderr.write(`\r${loadBar(done / total)} ${(done / GiB).toFixed(2)} / ${(total / GiB).toFixed(2)} GiB of weights${done >= total ? '\n' : ''}`);
    } : undefined;
    let bar: ReturnType<typeof progress> | undefined;
    let t0 = 0, startIt = 0;
    const out = await dream({
      model, feature, config: overrides, session: sessionOptions(o), signal: controller.signal, checkpointBudget, onWeights, initialPrompts: start?.initialPrompts,
      resumeFrom: resumeRun ? checkpointFromRun(resumeRun, o.resume) : undefined,
      onReady: ({ warnings, config, provider }) => {
        for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
        if (o.provider === 'auto' && !o.quiet && !o.json) process.stderr.write(`running on ${provider}\n`);
        bar = progress(o, config.iterations);
        t0 = performance.now();
        startIt = resumeRun?.iterationsDone ?? 0;
      },
      onIteration: (e) => {
        faultPoint('dream:iteration');
        const rate = (e.iteration + 1 - startIt) / ((performance.now() - t0) / 1000);
        bar?.update(e, rate);
        if (o.json) {
          console.log(JSON.stringify({
            type: 'iteration', iteration: e.iteration, restart: e.restart, timings: e.timings, evaluations: e.evaluations,
            counts: e.counts, bestFeatureXeBelow4: e.bestFeatureXeBelow4, bestFeatureXeBelow6: e.bestFeatureXeBelow6,
            population: e.population.map((m) => ({ lambda: m.lambda, ids: m.ids, text: m.text, feature: m.feature, xe: m.xe, isNew: m.isNew })),
          }));
        }
      },
      // Each periodic checkpoint replaces the run file (atomically) with the run so far, history and
      // resume state included whatever --no-history says: a killed run resumes from it. The final
      // and cancel checkpoints are left to the write below.
      onCheckpoint: outPath ? async (_cp, soFar) => {
        const r = soFar();
        if (r.cancelled || r.iterationsDone >= r.config.iterations) return;
        await writeRunFile(outPath, dreamRunFile(model, feature, r));
        faultPoint('dream:checkpoint-written');
      } : undefined,
    }).finally(() => {
      bar?.stop();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    });
    const { result } = out;
    // A stopped run keeps what resume needs even with --no-history; only a finished one drops it.
    const keep = o.history || result.cancelled;
    if (outPath) await writeRunFile(outPath, out.runFile({ includeHistory: keep, includeResume: keep }));
    if (signalled === 'SIGTERM') process.exitCode = 143;
    if (o.json) {
      console.log(JSON.stringify({ type: 'result', model: model.id, feature: feature.info, iterationsDone: result.iterationsDone, cancelled: result.cancelled,
        bestFeatureXeBelow4: result.bestFeatureXeBelow4, bestFeatureXeBelow6: result.bestFeatureXeBelow6, timings: result.timings, stats: result.stats,
        frontier: result.frontier.map((p) => ({ ids: p.ids, text: p.text, feature: p.feature, xe: p.xe, iteration: p.iteration })) }));
    } else {
      console.log(summary(model, feature, result, out.buildMs));
      if (outPath) console.log(`\nwrote ${outPath}`);
    }
  });
}
