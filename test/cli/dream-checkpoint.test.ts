/**
 * `reverie dream --out`: the run file is a real checkpoint. Killed (SIGKILL, at seeded moments
 * chosen through fault points: after an iteration, after a checkpoint write, halfway through a
 * write, between write and rename), the file is absent or a complete run file, and `--resume`
 * finishes the run exactly as an uninterrupted run of the same seed. SIGTERM writes the run and
 * exits 143; a stopped run keeps its resume state even with --no-history.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRunFile, RunFile } from '../../src/engine/epo';
import { Prng } from '../../src/engine/epo/prng';
import { runCli, startCli } from './cli-run';
import { inParallel } from '../../src/engine/util/parallel';

const dir = mkdtempSync(join(tmpdir(), 'reverie-dream-cp-'));
// Small and pinned to one thread, so an interrupted and an uninterrupted run can be compared exactly.
const run = (iterations: number) => ['dream', '--neuron', '2.17', '--iterations', String(iterations), '--population', '4', '--children', '8', '--seed', '3', '--threads', '1', '--checkpoint-every', '2', '-q'];
const RUN = run(12);

let reference: RunFile | undefined;
async function referenceRun(): Promise<RunFile> {
  if (!reference) {
    const out = join(dir, 'reference.json');
    const r = await runCli([...RUN, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    reference = await readRunFile(out);
  }
  return reference;
}

function assertSameFrontier(got: RunFile, want: RunFile, what: string): void {
  assert.equal(got.iterationsDone, want.iterationsDone, `${what}: iterations`);
  assert.equal(got.cancelled, false, `${what}: finished`);
  const key = (r: RunFile) => r.frontier.map((p) => `${p.ids.join(',')}@${p.iteration}`);
  assert.deepEqual(key(got), key(want), `${what}: the same frontier prompts`);
  got.frontier.forEach((p, i) => {
    assert.ok(Math.abs(p.feature - want.frontier[i].feature) < 1e-5 && Math.abs(p.xe - want.frontier[i].xe) < 1e-5, `${what}: frontier point ${i} values`);
  });
  assert.equal(got.stats.evaluations, want.stats.evaluations, `${what}: evaluations`);
}

test('a dream killed after a checkpoint leaves the run so far, and --resume (writing back to that file) finishes it identically', async () => {
  const want = await referenceRun();
  const out = join(dir, 'killed.json');
  const killed = await runCli([...RUN, '--out', out], { fault: 'dream:checkpoint-written:3' });
  assert.equal(killed.signal, 'SIGKILL', `the fault point was reached (${killed.stderr})`);
  const partial = await readRunFile(out);
  assert.equal(partial.iterationsDone, 6, 'three checkpoints of two iterations');
  assert.ok(partial.resume && partial.history, 'resumable');
  const resumed = await runCli(['dream', '--neuron', '2.17', '--resume', out, '--threads', '1', '-q']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, new RegExp(`wrote ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  assertSameFrontier(await readRunFile(out), want, 'resumed');
});

test('20 seeded kills, during iterations and during every stage of a write: the file is absent or complete, and the run resumes to the same result', async () => {
  const want = await referenceRun();
  const rng = Prng.fromSeed(2026);
  const points: [string, number][] = [['dream:iteration', 11], ['dream:checkpoint-written', 5], ['write:half', 6], ['write:before-rename', 6], ['write:after-rename', 6]];
  const trials = Array.from({ length: 20 }, (_, t) => {
    const [point, max] = points[rng.int(points.length)];
    return { t, fault: `${point}:${1 + rng.int(max)}` };
  });
  let killedCount = 0;
  const results = await inParallel(trials.map(({ t, fault }) => async () => {
    const out = join(dir, `trial-${t}.json`);
    const first = await runCli([...RUN, '--out', out], { fault });
    if (first.signal === 'SIGKILL') killedCount++;
    else assert.equal(first.code, 0, `${fault}: ${first.stderr}`);
    let before: RunFile | undefined;
    if (existsSync(out)) {
      before = await readRunFile(out); // throws on a torn or half-written file
      assert.ok(before.iterationsDone % 2 === 0 || before.iterationsDone === 12, `${fault}: a checkpoint boundary (${before.iterationsDone})`);
    }
    const again = before
      ? await runCli(['dream', '--neuron', '2.17', '--resume', out, '--threads', '1', '-q'])
      : await runCli([...RUN, '--out', out]);
    assert.equal(again.code, 0, `${fault}: ${again.stderr}`);
    assertSameFrontier(await readRunFile(out), want, `trial ${t} (${fault})`);
    return { fault, resumedFrom: before?.iterationsDone ?? null };
  }), 2);
  assert.ok(killedCount >= 15, `${killedCount} of 20 trials were killed`);
  assert.ok(results.some((r) => r.resumedFrom !== null && r.resumedFrom > 0 && r.resumedFrom < 12), 'some trials resumed mid-run');
  // A writer killed mid-write leaves its temp file; the resumed run's next write removes it.
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temp files left behind');
});

test('SIGTERM (a pre-emption) writes the run and exits 143; with --no-history a stopped run keeps its resume state, a finished one drops it', async () => {
  const out = join(dir, 'terminated.json');
  const { child, done } = startCli([...run(400), '--no-history', '--out', out]);
  // Wait for the first checkpoint on disk, then pre-empt.
  const t0 = Date.now();
  while (!existsSync(out) && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 50));
  assert.ok(existsSync(out), 'a checkpoint was written');
  const cp = await readRunFile(out);
  assert.ok(cp.resume && cp.history, 'a checkpoint keeps the history and resume state despite --no-history');
  child.kill('SIGTERM');
  const r = await done;
  assert.equal(r.code, 143, r.stderr);
  assert.match(r.stderr, /terminated… \(the run so far is written to/);
  const stopped = await readRunFile(out);
  assert.equal(stopped.cancelled, true);
  assert.ok(stopped.resume && stopped.history, 'a stopped run stays resumable');
  assert.ok(stopped.iterationsDone < 400);

  const finished = join(dir, 'finished-no-history.json');
  const f = await runCli([...RUN, '--no-history', '--out', finished]);
  assert.equal(f.code, 0, f.stderr);
  const done2 = await readRunFile(finished);
  assert.equal(done2.history, undefined);
  assert.equal(done2.resume, undefined);
});

test('with a run file and no --checkpoint-every, the run checkpoints every 10 iterations', async () => {
  const out = join(dir, 'default-interval.json');
  const r = await runCli(['dream', '--neuron', '2.17', '--iterations', '0', '-q', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await readRunFile(out)).config.checkpointEvery, 10);
});

test('an --out that cannot be written is refused before the run, not after it', async () => {
  const file = join(dir, 'a-file');
  writeFileSync(file, 'x');
  const t0 = Date.now();
  const r = await runCli(['dream', '--neuron', '2.17', '--iterations', '100000', '-q', '--out', join(file, 'run.json')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /reverie: cannot write .*a-file\/run\.json: a part of its folder path is a file/);
  assert.ok(Date.now() - t0 < 30_000, 'refused at the start');
});
