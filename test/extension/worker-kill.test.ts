/**
 * The panel's runs survive the extension host dying: a host process whose dream worker is killed
 * (SIGKILL at seeded fault points: after an iteration's checkpoint, halfway through a checkpoint
 * write, between write and rename) leaves each run's checkpoint absent or complete, and the run
 * records the host had kept restore it — on the identical trajectory to an uninterrupted run.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DreamEngine } from '../../src/extension/engine-client';
import type { RunRecord, WorkerEvent } from '../../src/worker/worker-protocol';
import type { HistoryMessage } from '../../src/protocol/panel';
import { loadCheckpoint } from '../../src/engine/epo';
import { Prng } from '../../src/engine/epo/prng';
import { inParallel } from '../../src/engine/util/parallel';

const engine = new DreamEngine();
after(() => engine.dispose());
const events: WorkerEvent[] = [];
engine.onEvent((e) => events.push(e));

const CONFIG = { iterations: 30, population: 2, childrenPerMember: 8, seqLen: 6, topK: 64, seed: 3, checkpointEvery: 2 };
const ENGINE = { provider: 'cpu' as const, threads: 1 };
const scratch = () => realpathSync(mkdtempSync(join(tmpdir(), 'reverie-worker-kill-')));

const done = (sessionId: string) => events.some((e) => e.kind === 'panel' && e.sessionId === sessionId && e.message.type === 'runState' && e.message.state === 'done');
async function until(what: string, ok: () => boolean, ms = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
async function historyOf(sessionId: string): Promise<HistoryMessage> {
  const { messages } = await engine.call('replay', { sessionId });
  return messages.find((m) => m.type === 'history') as HistoryMessage;
}

/** The host process: its last run records before it died (or finished). */
function hostUntilKilled(checkpointDir: string, fault: string): Promise<{ signal: NodeJS.Signals | null; records: RunRecord[]; finished: boolean }> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', resolve('test/extension/worker-kill-child.ts'), checkpointDir, JSON.stringify(CONFIG)], {
      env: { ...process.env, REVERIE_FAULT: fault, ORT_DISABLE_TELEMETRY: '1' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '', err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', fail);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const lines = out.trim().split('\n').filter(Boolean);
      const finished = lines.includes('done');
      if (signal !== 'SIGKILL' && !(code === 0 && finished)) fail(new Error(`the host ended with ${signal ?? code}: ${err}`));
      const runs = lines.filter((l) => l.startsWith('['));
      ok({ signal, records: runs.length ? JSON.parse(runs[runs.length - 1]) : [], finished });
    });
  });
}

test('20 seeded kills of the host during a panel dream: checkpoints are whole, and every run restores to the uninterrupted result', async () => {
  await engine.call('openSession', { sessionId: 'reference', feature: { kind: 'neuron', spec: '2.17' }, model: { allowDownload: false }, engine: ENGINE, config: CONFIG, start: true });
  await until('the reference run', () => done('reference'));
  const ref = await historyOf('reference');

  const rng = Prng.fromSeed(18);
  // The first periodic checkpoint and the final one are written whatever the machine's speed (the
  // time budget only spaces out the ones between), so the 1st and 2nd write are always reached.
  const points = ['write:half', 'write:before-rename', 'write:after-rename', 'write:half'];
  const trials = Array.from({ length: 20 }, (_, t) => ({ t, fault: `${points[rng.int(points.length)]}:${1 + rng.int(2)}`, dir: scratch() }));
  const hosts = await inParallel(trials.map((tr) => () => hostUntilKilled(tr.dir, tr.fault)), 2);
  let killed = 0, resumedMidRun = 0;
  for (const [i, { t, fault, dir }] of trials.entries()) {
    const host = hosts[i];
    if (host.signal === 'SIGKILL') killed++;
    assert.equal(host.records.length, 1, `trial ${t} (${fault}): the host knew its run`);
    const path = host.records[0].checkpointPath!;
    assert.ok(path.startsWith(dir));
    if (!existsSync(path)) continue; // killed before its first checkpoint was in place: nothing to restore, nothing torn
    const cp = await loadCheckpoint(path); // throws on a torn file
    const id = `resumed-${t}`;
    const records = host.records.map((r) => ({ ...r, state: host.finished ? r.state : ('running' as const) }));
    await engine.call('openSession', {
      sessionId: id, feature: { kind: 'neuron', spec: '2.17' }, model: { allowDownload: false }, engine: ENGINE, config: CONFIG,
      checkpointDir: dir, restore: { runs: records, resume: !host.finished }, start: false,
    });
    if (!host.finished) await until(`trial ${t}'s resumed run`, () => done(id));
    if (cp.nextIteration < CONFIG.iterations) resumedMidRun++;
    const got = await historyOf(id);
    assert.deepEqual(got.points, ref.points, `trial ${t} (${fault}, from iteration ${cp.nextIteration}): the same trajectory`);
    assert.deepEqual(got.frontier, ref.frontier);
    await engine.call('closeSession', { sessionId: id });
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], `trial ${t}: the resumed run's writes removed the dead host's temp files`);
  }
  assert.ok(killed >= 10, `${killed} of 20 hosts were killed`);
  assert.ok(resumedMidRun >= 5, `${resumedMidRun} runs resumed mid-run`);
});
