/**
 * Reverie against the reference EPO implementation (the authors' dreamy, `../shared/reference-peer`)
 * on the same runs: stories260K, the paper's search settings with top-k 64 and a BOS prefix on both
 * sides, neurons × seeds interleaved so that the machine's load falls on both alike. Prints per run
 * and in total: prompts evaluated per second in the EPO loop, wall time, start-up (before iteration
 * 0), Reverie's time split, and the ratios — Reverie's speed over the reference's, in one run.
 * Reverie keeps optimised graphs as the CLI does (a fresh cache folder per benchmark): a neuron's
 * first seed builds its graph (cold start-up), later seeds load it (warm).
 *
 * The reference needs Debian's PyTorch (`apt-get install -y python3-torch python3-numpy
 * libopenblas0-pthread`, see its README); without it that side is skipped and said so.
 *
 *   npm run bench:reference [-- --neurons 2.17,4.100 --seeds 1 --iterations 300 --threads 2]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadModel } from '../src/engine/models/load';
import { dream, neuronFeature } from '../src/engine/dream/dream';
import { EPO_PRESETS } from '../src/engine/epo/config';
import type { EpoResult } from '../src/engine/epo';
import { median } from '../src/engine/util/stats';
import { forwardFlops } from './models';

const PEER = resolve(process.env.REVERIE_REFERENCE_PEER ?? '../shared/reference-peer');
const PYTHON = '/usr/bin/python3';
const OPENBLAS = '/usr/lib/x86_64-linux-gnu/openblas-pthread';

interface Side { prompts: number; loopS: number; wallS: number; startS: number }
interface Ours extends Side { split: string; flops: number }


/** Whether the reference can run here: its folder, and Debian's python with torch. */
function referenceMissing(): string | null {
  if (!existsSync(join(PEER, 'run_dreamy.py'))) return `${PEER}/run_dreamy.py not found`;
  const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) return `${PYTHON} has no torch (apt-get install -y python3-torch python3-numpy libopenblas0-pthread)`;
  return null;
}

function phases(r: EpoResult): string {
  const t = r.timings;
  const pct = (v: number) => `${((100 * v) / t.totalMs).toFixed(0)} %`;
  return `scoring ${pct(t.scoringMs)}, gradients ${pct(t.gradientMs)}, proposals ${pct(t.proposalMs)}, selection ${pct(t.selectionMs)}`;
}

async function ours(spec: string, seed: number, iterations: number, threads: number, graphCache: string): Promise<Ours> {
  const t0 = performance.now();
  const model = await loadModel('stories260K');
  const loaded = performance.now();
  let firstIteration = 0;
  const { result: r } = await dream({
    model, feature: neuronFeature(model, spec), session: { threads, graphCache },
    config: { ...EPO_PRESETS.paper, topK: 64, iterations, seed },
    onIteration: (e) => { if (e.iteration === 0) firstIteration = performance.now() - e.timings.totalMs; },
  });
  const wallS = (performance.now() - t0) / 1000;
  // A scored prompt is one forward of seqLen tokens plus BOS.
  const flops = r.stats.evaluations * forwardFlops(model.arch, 1, r.config.seqLen + 1);
  return {
    prompts: r.stats.evaluations, loopS: r.timings.totalMs / 1000, wallS, startS: (firstIteration - t0) / 1000,
    split: `${phases(r)}; model load ${((loaded - t0) / 1000).toFixed(2)} s`, flops,
  };
}

function reference(spec: string, seed: number, iterations: number, threads: number, dir: string): Side {
  const out = join(dir, `dreamy-${spec}-${seed}.json`);
  const t0 = performance.now();
  const p = spawnSync(PYTHON, ['run_dreamy.py', '--neuron', spec, '--seed', String(seed), '--iters', String(iterations), '--threads', String(threads),
    '--bos', '--topk', '64', '--quiet', '--out', out], {
    cwd: PEER, encoding: 'utf8',
    env: referenceEnv(),
  });
  const wallS = (performance.now() - t0) / 1000;
  if (p.status !== 0) throw new Error(`the reference failed on neuron ${spec} seed ${seed}: ${(p.stderr || p.stdout).trim().split('\n').slice(-3).join(' | ')}`);
  const r = JSON.parse(readFileSync(out, 'utf8')) as { timing: { epo_wall_s: number; epo_setup_s: number | null }; results: { children_evaluated: number } };
  // The reference's loop time includes its own set-up (initial population, first gradients), as Reverie's does.
  return { prompts: r.results.children_evaluated, loopS: r.timing.epo_wall_s, wallS, startS: wallS - r.timing.epo_wall_s };
}

const rate = (s: Side) => s.prompts / s.loopS;

/** The fastest setting its README measured: OpenBLAS's pthread build with one BLAS thread, and no CPU overrides. */
function referenceEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: '1', LD_LIBRARY_PATH: OPENBLAS };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

export async function benchReference(args: string[]): Promise<void> {
  const opt = (name: string, dflt: string) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : dflt; };
  const neurons = opt('neurons', '2.17,3.40,4.100').split(',');
  const seeds = Number(opt('seeds', '1')), iterations = Number(opt('iterations', '300')), threads = Number(opt('threads', '2'));
  const missing = referenceMissing();
  console.log(`stories260K, paper settings with top-k 64 and BOS on both sides, ${iterations} iterations, ${threads} threads each, neurons ${neurons.join(', ')} × seeds 0–${seeds - 1}`);
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} at the start`);
  if (missing) console.log(`reference: skipped (${missing})`);
  const dir = mkdtempSync(join(tmpdir(), 'reverie-reference-'));
  const rows: { spec: string; seed: number; a: Ours; b?: Side }[] = [];
  try {
    for (const spec of neurons) {
      for (let seed = 0; seed < seeds; seed++) {
        const a = await ours(spec, seed, iterations, threads, join(dir, 'graphs'));
        const b = missing ? undefined : reference(spec, seed, iterations, threads, dir);
        rows.push({ spec, seed, a, b });
        console.log(`  neuron ${spec} seed ${seed}: Reverie ${rate(a).toFixed(0)} prompts/s (${a.prompts} in ${a.loopS.toFixed(1)} s; wall ${a.wallS.toFixed(1)} s, start-up ${a.startS.toFixed(2)} s; ${(a.flops / a.loopS / 1e9).toFixed(1)} GFLOP/s)` +
          (b ? ` · reference ${rate(b).toFixed(0)} prompts/s (${b.prompts} in ${b.loopS.toFixed(1)} s; wall ${b.wallS.toFixed(1)} s, start-up ${b.startS.toFixed(2)} s)` +
            ` · speed ${(rate(a) / rate(b)).toFixed(2)}×, wall ${(b.wallS / a.wallS).toFixed(2)}×` : ''));
        console.log(`    Reverie's split: ${a.split}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} at the end`);
  const as = rows.map((r) => r.a);
  const cold = rows.filter((r) => r.seed === 0).map((r) => r.a.startS), warm = rows.filter((r) => r.seed > 0).map((r) => r.a.startS);
  console.log(`Reverie: median ${median(as.map(rate)).toFixed(0)} prompts/s, ${median(as.map((a) => a.flops / a.loopS / 1e9)).toFixed(1)} GFLOP/s; ` +
    `start-up median ${median(cold).toFixed(2)} s with a new graph${warm.length ? `, ${median(warm).toFixed(2)} s with the graph from the cache` : ''} (of ${rows.length} runs)`);
  const both = rows.filter((r) => r.b);
  if (both.length) {
    console.log(`reference: median ${median(both.map((r) => rate(r.b!))).toFixed(0)} prompts/s`);
    console.log(`ratio (Reverie / reference), median of ${both.length}: ${median(both.map((r) => rate(r.a) / rate(r.b!))).toFixed(2)}× prompts/s, ` +
      `${median(both.map((r) => r.b!.wallS / r.a.wallS)).toFixed(2)}× shorter wall time`);
  }
}
