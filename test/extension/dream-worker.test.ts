/**
 * The dream worker end to end, through the real worker thread, on stories260K with a tiny config:
 * panel messages arrive (each valid by the protocol's own validator, points as deltas that are
 * never resent), pause/resume continues the identical trajectory, attribution answers with the
 * run's own values, run again merges a second seed, save → open shows the same points, a reload
 * restores from the checkpoint, and feature-file problems come back located.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { DreamEngine } from '../../src/extension/engine-client';
import type { WorkerEvent, OpenSessionRequest, RunRecord } from '../../src/worker/worker-protocol';
import { MODEL_MISSING_ERROR, UNTRUSTED_ERROR } from '../../src/worker/worker-protocol';
import { validateHostMessage, type HostMessage, type HistoryMessage, type IterationMessage } from '../../src/protocol/panel';
import { nonDominated } from '../../src/engine/epo/frontier';

const engine = new DreamEngine();
after(() => engine.dispose());

const events: WorkerEvent[] = [];
engine.onEvent((e) => events.push(e));

const scratch = () => realpathSync(mkdtempSync(join(tmpdir(), 'reverie-worker-')));
const TINY = { iterations: 3, population: 2, childrenPerMember: 8, seqLen: 6, topK: 64 };
const ENGINE = { provider: 'cpu' as const, threads: 1 };

const panelOf = (sessionId: string) => events.flatMap((e) => (e.kind === 'panel' && e.sessionId === sessionId ? [e.message] : []));

async function waitFor(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const stateIs = (sessionId: string, state: string) => () => {
  const states = panelOf(sessionId).filter((m) => m.type === 'runState');
  return states.length > 0 && (states[states.length - 1] as { state: string }).state === state;
};

function open(sessionId: string, over: Partial<OpenSessionRequest> = {}) {
  return engine.call('openSession', {
    sessionId, feature: { kind: 'neuron', spec: '2.17' }, model: { allowDownload: false }, engine: ENGINE, config: TINY, ...over,
  });
}

async function historyOf(sessionId: string): Promise<HistoryMessage> {
  const { messages } = await engine.call('replay', { sessionId });
  return messages.find((m) => m.type === 'history') as HistoryMessage;
}

test('a run streams valid panel messages: points as deltas, never resent', async () => {
  const summary = await open('s1', { checkpointDir: scratch() });
  assert.equal(summary.title, 'Dream: neuron 2.17');
  assert.deepEqual(summary.model && [summary.model.id, summary.model.layers, summary.model.dModel, summary.model.vocab], ['stories260K', 5, 64, 512]);
  await waitFor('the run to finish', stateIs('s1', 'done'));
  const msgs = panelOf('s1');
  for (const m of msgs) assert.equal(validateHostMessage(m), null, `${m.type}: ${validateHostMessage(m)}`);
  const its = msgs.filter((m): m is IterationMessage => m.type === 'iteration');
  assert.deepEqual(its.map((m) => m.iteration), [-1, 0, 1, 2]);
  assert.equal(its[0].points.xe.length, 2, 'the initial population: 2 prompts');
  const indices = its.flatMap((m) => m.points.historyIndex);
  assert.deepEqual(indices, indices.map((_, i) => i), 'every history row once, in order, from 0');
  assert.equal(its[3].stats.evaluations, indices.length);
  for (const m of its) {
    assert.equal(m.population.length, 2);
    for (const row of m.population) {
      assert.equal(row.tokens.length, 6);
      // The population's values are the values of the history row it names.
      const k = indices.indexOf(row.historyIndex);
      const all = its.flatMap((x) => x.points.feature);
      assert.equal(all[k], row.feature);
    }
  }
  // The replay carries the same points and the frontier over them.
  const { messages } = await engine.call('replay', { sessionId: 's1' });
  assert.deepEqual(messages.map((m) => m.type), ['init', 'history', 'iteration', 'runState']);
  for (const m of messages) assert.equal(validateHostMessage(m), null);
  const h = messages[1] as HistoryMessage;
  assert.deepEqual(h.points.historyIndex, indices);
  assert.deepEqual(h.points.feature, its.flatMap((m) => m.points.feature));
  assert.equal(h.iterationsDone, 2);
  assert.deepEqual([...h.frontier].sort((a, b) => a - b), nonDominated(h.points.feature, h.points.xe).map((i) => h.points.historyIndex[i]).sort((a, b) => a - b));
  assert.equal((messages[2] as IterationMessage).points.xe.length, 0, 'the replayed iteration carries no points');
  assert.equal((messages[0] as { config: { seed: number; topKUsed?: number } }).config.topKUsed, 64);
});

test('points and attribution answer with the run\'s own values', async () => {
  const h = await historyOf('s1');
  const i = h.frontier[h.frontier.length - 1];
  const p = await engine.call('point', { sessionId: 's1', historyIndex: i });
  assert.equal(validateHostMessage(p), null);
  assert.equal(p.feature, h.points.feature[h.points.historyIndex.indexOf(i)]);
  assert.equal(p.ids.length, 6);
  // A child carries its parent's ids, which differ from its own by one move; an initial prompt has none.
  const child = await engine.call('point', { sessionId: 's1', historyIndex: h.points.historyIndex[h.points.iteration.findIndex((it) => it >= 0)] });
  assert.ok(child.parentIds, 'a child has its parent');
  const changed = child.ids.filter((id, k) => id !== child.parentIds![k]).length;
  assert.ok(changed >= 1 && changed <= 2, `${changed} tokens differ from the parent`);
  const initial = await engine.call('point', { sessionId: 's1', historyIndex: h.points.historyIndex[h.points.iteration.indexOf(-1)] });
  assert.equal(initial.parentIds, undefined);
  const a = await engine.call('attribute', { sessionId: 's1', ids: p.ids });
  assert.equal(validateHostMessage({ type: 'attribution', attribution: a }), null);
  assert.equal(a.tokens.length, 6);
  assert.ok(Math.abs(a.baseline - p.feature) < 1e-5, `attribution baseline ${a.baseline} vs the run's ${p.feature}`);
  assert.ok(Math.abs(a.xe - p.xe) < 1e-4);
  assert.equal(a.tokens[0].nll, null);
  assert.ok(a.tokens.slice(1).every((t) => t.nll !== null && t.nll > 0));
  await assert.rejects(engine.call('point', { sessionId: 's1', historyIndex: 10_000 }), /no point 10000 in this panel/);
});

test('pause and resume continue the identical trajectory', async () => {
  // Small batches: several model calls per iteration, so the pause lands inside one and that iteration is redone.
  const config = { ...TINY, iterations: 40, seed: 11, batchSize: 3 };
  await open('straight', { config });
  await waitFor('the uninterrupted run', stateIs('straight', 'done'), 60_000);
  await open('paused', { config });
  await waitFor('iteration 0', () => panelOf('paused').some((m) => m.type === 'iteration' && m.iteration === 0));
  await engine.call('control', { sessionId: 'paused', action: 'pause' });
  await waitFor('the pause', stateIs('paused', 'paused'));
  const atPause = await historyOf('paused');
  assert.ok(atPause.iterationsDone < 39, `paused after iteration ${atPause.iterationsDone}`);
  await engine.call('control', { sessionId: 'paused', action: 'resume' });
  await waitFor('the resumed run', stateIs('paused', 'done'), 60_000);
  const [a, b] = [await historyOf('straight'), await historyOf('paused')];
  assert.equal(b.points.historyIndex.length, a.points.historyIndex.length);
  assert.deepEqual(b.points, a.points);
  assert.deepEqual(b.frontier, a.frontier);
  // Live, the paused session's points also arrived exactly once each.
  const live = panelOf('paused').flatMap((m) => (m.type === 'iteration' ? m.points.historyIndex : []));
  assert.deepEqual(live, a.points.historyIndex);
});

test('run again adds a second seed to the same panel, in one index space', async () => {
  const before = await historyOf('s1');
  const n = before.points.historyIndex.length;
  const mark = events.length;
  await engine.call('control', { sessionId: 's1', action: 'runAgain' });
  await waitFor('the second run', () => events.slice(mark).some((e) => e.kind === 'panel' && e.sessionId === 's1' && e.message.type === 'runState' && e.message.state === 'done'));
  const second = events.slice(mark).flatMap((e) => (e.kind === 'panel' && e.sessionId === 's1' ? [e.message] : []));
  assert.deepEqual(second.slice(0, 2).map((m) => m.type), ['init', 'history'], 'the panel is re-initialised with the earlier points');
  assert.equal((second[0] as { config: { seed: number } }).config.seed, 1);
  assert.deepEqual((second[1] as HistoryMessage).points, before.points);
  const fresh = second.flatMap((m) => (m.type === 'iteration' ? m.points.historyIndex : []));
  assert.deepEqual(fresh, fresh.map((_, i) => n + i), 'the new run continues the index space');
  const after = await historyOf('s1');
  assert.equal(after.points.historyIndex.length, n + fresh.length);
  assert.deepEqual([...after.frontier].sort((x, y) => x - y), nonDominated(after.points.feature, after.points.xe).map((i) => after.points.historyIndex[i]).sort((x, y) => x - y));
});

test('a saved frontier opens with the same points; a reload restores the run from its checkpoint', async () => {
  const dir = scratch();
  const saved = await engine.call('saveFrontier', { sessionId: 's1', folder: dir, includeHistories: true, onMismatch: 'report' });
  assert.ok(saved.status === 'saved' && saved.runs === 2, JSON.stringify(saved));
  if (saved.status !== 'saved') return;
  const summary = await engine.call('openSaved', { sessionId: 'file', path: saved.path, model: { allowDownload: false }, engine: ENGINE, trusted: false });
  assert.equal(summary.mode, 'saved');
  assert.deepEqual(summary.warnings, []);
  const live = await historyOf('s1');
  const { messages } = await engine.call('replay', { sessionId: 'file' });
  for (const m of messages) assert.equal(validateHostMessage(m), null);
  assert.equal((messages[0] as { mode: string }).mode, 'saved');
  const fromFile = messages[1] as HistoryMessage;
  assert.deepEqual(fromFile.points, live.points);
  assert.deepEqual(fromFile.frontier, live.frontier);
  const p = await engine.call('point', { sessionId: 'file', historyIndex: live.frontier[0] });
  assert.deepEqual(p, await engine.call('point', { sessionId: 's1', historyIndex: live.frontier[0] }));
  // A built-in feature is rebuilt from the file, so attribution works on a saved frontier too.
  const a = await engine.call('attribute', { sessionId: 'file', ids: p.ids });
  assert.ok(Math.abs(a.baseline - p.feature) < 1e-5);

  // "Reload": the runs recorded by the host, reopened from their checkpoints in a fresh session.
  const checkpoints = scratch();
  await open('before-reload', { checkpointDir: checkpoints, config: { ...TINY, iterations: 4 } });
  await waitFor('the run', stateIs('before-reload', 'done'));
  const { runs } = await engine.call('closeSession', { sessionId: 'before-reload' });
  assert.ok(runs[0].checkpointPath?.startsWith(checkpoints));
  const restored = await open('after-reload', { checkpointDir: checkpoints, restore: { runs, resume: true }, start: false });
  assert.deepEqual(restored.runs.map((r) => [r.state, r.iterationsDone]), [['done', 4]]);
  const r = await historyOf('after-reload');
  const again = await engine.call('replay', { sessionId: 'after-reload' });
  assert.deepEqual(again.messages.map((m) => m.type), ['init', 'history', 'iteration', 'runState']);
  assert.equal(r.iterationsDone, 3);
  assert.ok(r.points.historyIndex.length > 2);
});

test('a run cut off by a crash or a window reload resumes from its last checkpoint, on the identical trajectory', async () => {
  const checkpoints = scratch();
  const config = { ...TINY, iterations: 60, seed: 3, checkpointEvery: 2 };
  await open('reference', { config });
  await waitFor('the reference run', stateIs('reference', 'done'), 60_000);

  // The same dream again; the checkpoint on disk at its first checkpoint is what a crash would leave.
  // (Killing the worker itself mid-run is not an option: ORT aborts the process when its thread is terminated inside run.)
  let records: RunRecord[] = [];
  const crashDir = scratch();
  const off = engine.onEvent((e) => {
    if (e.kind !== 'runs' || e.sessionId !== 'crashy' || records.length) return;
    const path = e.runs[0].checkpointPath!;
    if (e.runs[0].iterationsDone >= 2 && existsSync(path)) {
      const copy = join(crashDir, basename(path));
      copyFileSync(path, copy);
      records = e.runs.map((r) => ({ ...r, checkpointPath: copy, state: 'running' }));
    }
  });
  await open('crashy', { config, checkpointDir: checkpoints });
  await waitFor('a checkpoint on disk', () => records.length > 0);
  off();
  const onDisk = JSON.parse(readFileSync(records[0].checkpointPath!, 'utf8')) as { nextIteration: number };
  assert.ok(onDisk.nextIteration >= 2 && onDisk.nextIteration < 60, `the crash left a checkpoint after iteration ${onDisk.nextIteration}`);

  await open('resumed', { config, checkpointDir: checkpoints, restore: { runs: records, resume: true }, start: false });
  await waitFor('the resumed run', stateIs('resumed', 'done'), 60_000);
  const first = panelOf('resumed').find((m): m is IterationMessage => m.type === 'iteration');
  assert.equal(first?.iteration, onDisk.nextIteration, 'it continued from the checkpoint rather than starting again');
  const [ref, res] = [await historyOf('reference'), await historyOf('resumed')];
  assert.deepEqual(res.points, ref.points, 'the resumed run ends exactly where the uninterrupted one did');
  assert.deepEqual(res.frontier, ref.frontier);

  // A window reload closes the session in mid-run: it is recorded as still running, and resumes.
  await open('closing', { config, checkpointDir: checkpoints });
  await waitFor('iteration 3', () => panelOf('closing').some((m) => m.type === 'iteration' && m.iteration === 3));
  const { runs } = await engine.call('closeSession', { sessionId: 'closing' });
  assert.equal(runs[0].state, 'running');
  assert.ok(runs[0].iterationsDone < 60, `closed after ${runs[0].iterationsDone} iterations`);
  await open('reopened', { config, checkpointDir: checkpoints, restore: { runs, resume: true }, start: false });
  await waitFor('the reopened run', stateIs('reopened', 'done'), 60_000);
  assert.deepEqual((await historyOf('reopened')).points, ref.points);
});

test('feature files: untrusted refused, problems located, a file feature dreams', async () => {
  const root = scratch();
  const src = `import { defineFeature, neuron } from 'reverie';
export const good = defineFeature({ model: 'stories260K', objective: neuron(2, 17), seqLen: 6 });
export const bad = defineFeature({
  model: 'stories260K',
  objective: neuron(9, 1),
});
`;
  writeFileSync(join(root, 'features.ts'), src);
  const file = join(root, 'features.ts');
  const untrusted = await engine.call('lintFeatureFile', { file, workspaceRoot: root, trusted: false, compile: true, model: { allowDownload: false } });
  assert.deepEqual(untrusted.features, []);
  assert.equal(untrusted.diagnostics[0].code, 'untrusted');
  await assert.rejects(open('u', { feature: { kind: 'file', file, exportName: 'good', workspaceRoot: root, trusted: false } }), (e: Error) => e.name === UNTRUSTED_ERROR);

  const r = await engine.call('lintFeatureFile', { file, workspaceRoot: root, trusted: true, compile: true, model: { allowDownload: false } });
  assert.deepEqual(r.features.map((f) => [f.exportName, f.line]), [['good', 2], ['bad', 3]]);
  assert.equal(r.diagnostics.length, 1);
  const d = r.diagnostics[0];
  assert.deepEqual([d.file, d.line, d.exportName, d.severity], [file, 5, 'bad', 'error']);
  assert.match(d.message, /layer 9/);

  const s = await open('file-feature', { feature: { kind: 'file', file, exportName: 'good', workspaceRoot: root, trusted: true }, config: { iterations: 2 } });
  assert.equal(s.feature.file, 'features.ts');
  await waitFor('the file feature run', stateIs('file-feature', 'done'));
  const init = (await engine.call('replay', { sessionId: 'file-feature' })).messages[0] as { config: { seqLen: number; population: number } };
  assert.equal(init.config.seqLen, 6, "the feature's own seqLen");
  assert.equal(init.config.population, 8, 'the engine default, since the settings did not set it');
});

test('a model that is not on this machine fails with a name the host recognises', async () => {
  const cache = scratch();
  await assert.rejects(
    open('missing', { model: { ref: 'nobody/no-such-model', allowDownload: false, cacheDir: cache } }),
    (e: Error) => e.name === MODEL_MISSING_ERROR && /not in the Hugging Face cache/.test(e.message) && /reverie\.allowDownloads/.test(e.message),
  );
});

test('a dataset corpus is scanned beside the dream, shown, inspectable, cached and saved; a missing one is a notice', async () => {
  const dir = scratch();
  const corpus = join(dir, 'stories.txt');
  // A few of the bundled model's own stories: enough windows to rank, a fraction of a second to scan.
  const stories = readFileSync('examples/corpus/stories260k-samples.txt', 'utf8').split('\n\n').slice(0, 6).join('\n\n');
  writeFileSync(corpus, stories);
  const cacheDir = join(dir, 'scans');
  await open('ds', { dataset: { corpus: [corpus], cacheDir } });
  await waitFor('the dataset message', () => panelOf('ds').some((m) => m.type === 'dataset'), 60_000);
  const ds = panelOf('ds').find((m) => m.type === 'dataset')!;
  assert.ok(ds.type === 'dataset' && ds.ids && ds.tokens);
  if (ds.type !== 'dataset' || !ds.ids) return;
  assert.equal(ds.source, 'stories.txt');
  assert.ok(ds.feature.length > 10, `${ds.feature.length} examples`);
  assert.ok(ds.ids.every((w) => w.length === TINY.seqLen), 'windows are as long as the dream prompts');
  // Scored exactly as a dream prompt: attribution's baseline is the prompt's own feature value.
  const best = ds.feature.indexOf(Math.max(...ds.feature));
  const a = await engine.call('attribute', { sessionId: 'ds', ids: ds.ids[best] });
  assert.ok(Math.abs(a.baseline - ds.feature[best]) < 1e-4, `${a.baseline} vs ${ds.feature[best]}`);
  await waitFor('the run', stateIs('ds', 'done'));
  const saved = await engine.call('saveFrontier', { sessionId: 'ds', folder: dir, includeHistories: false, onMismatch: 'report' });
  assert.ok(saved.status === 'saved');
  if (saved.status !== 'saved') return;
  const file = JSON.parse(readFileSync(saved.path, 'utf8'));
  assert.equal(file.dataset.length, ds.feature.length);
  await engine.call('closeSession', { sessionId: 'ds' });

  // Opened again: the finished scan comes from the cache (same values, at once).
  const t0 = Date.now();
  await open('ds2', { dataset: { corpus: [corpus], cacheDir } });
  await waitFor('the cached dataset message', () => panelOf('ds2').some((m) => m.type === 'dataset'), 60_000);
  assert.deepEqual((panelOf('ds2').find((m) => m.type === 'dataset') as { feature: number[] }).feature, ds.feature);
  assert.ok(Date.now() - t0 < 10_000);
  await engine.call('closeSession', { sessionId: 'ds2' });

  await open('ds3', { dataset: { corpus: [join(dir, 'missing.txt')], cacheDir } });
  await waitFor('a notice', () => panelOf('ds3').some((m) => m.type === 'notice' && m.about === 'dataset'), 60_000);
  const notice = panelOf('ds3').find((m) => m.type === 'notice')!;
  assert.match((notice as { message: string }).message, /missing\.txt/);
  await waitFor('the run despite the corpus', stateIs('ds3', 'done'));
  await engine.call('closeSession', { sessionId: 'ds3' });

  // Named by a workspace's settings: a corpus outside its folder is refused, nothing from it is shown.
  const workspace = join(dir, 'workspace');
  mkdirSync(workspace);
  await open('ds4', { dataset: { corpus: [corpus], within: workspace, cacheDir } });
  await waitFor('a refusal', () => panelOf('ds4').some((m) => m.type === 'notice' && m.about === 'dataset'), 60_000);
  assert.match((panelOf('ds4').find((m) => m.type === 'notice') as { message: string }).message, /stories\.txt is outside the workspace folder/);
  assert.ok(!panelOf('ds4').some((m) => m.type === 'dataset'), 'no dataset examples from outside the workspace');
  await waitFor('the run despite the refusal', stateIs('ds4', 'done'));
  await engine.call('closeSession', { sessionId: 'ds4' });
});

test('every panel message the worker sent in this file was valid', () => {
  const all = events.flatMap((e) => (e.kind === 'panel' ? [e.message as HostMessage] : []));
  assert.ok(all.length > 50);
  for (const m of all) assert.equal(validateHostMessage(m), null);
});

test('the panel opens a CLI run file: its history and frontier, and a built-in feature rebuilt for attribution', async () => {
  const { loadModel } = await import('../../src/engine/models/load');
  const { dream, neuronFeature } = await import('../../src/engine/dream/dream');
  const { writeRunFile } = await import('../../src/engine/epo/run-file');
  const model = await loadModel('stories260K');
  const out = await dream({ model, feature: neuronFeature(model, '2.17'), config: TINY, session: ENGINE });
  const dir = scratch();
  const path = join(dir, 'neuron-2.17.run.json');
  const run = out.runFile();
  await writeRunFile(path, run);
  const summary = await engine.call('openSaved', { sessionId: 'runfile', path, model: { allowDownload: false }, engine: ENGINE, trusted: false });
  assert.equal(summary.mode, 'saved');
  assert.equal(summary.title, 'Frontier: neuron 2.17');
  assert.deepEqual(summary.warnings, []);
  const { messages } = await engine.call('replay', { sessionId: 'runfile' });
  for (const m of messages) assert.equal(validateHostMessage(m), null);
  const h = messages.find((m) => m.type === 'history') as HistoryMessage;
  assert.equal(h.points.historyIndex.length, out.result.history.size, 'every evaluated prompt');
  assert.equal(h.frontier.length, run.frontier.length);
  const p = await engine.call('point', { sessionId: 'runfile', historyIndex: h.frontier[0] });
  const a = await engine.call('attribute', { sessionId: 'runfile', ids: p.ids });
  assert.ok(Math.abs(a.baseline - p.feature) < 1e-5, `attribution ${a.baseline} vs ${p.feature}`);

  // A run file from before the feature said how to rebuild it still shows its dreams.
  const old = { ...run, feature: { name: run.feature.name, description: run.feature.description, sourceHash: run.feature.sourceHash } };
  const oldPath = join(dir, 'old.run.json');
  writeFileSync(oldPath, JSON.stringify(old));
  const oldSummary = await engine.call('openSaved', { sessionId: 'oldrun', path: oldPath, model: { allowDownload: false }, engine: ENGINE, trusted: false });
  assert.match(oldSummary.warnings.join('\n'), /does not say how to rebuild feature 'neuron 2.17'/);
  const oldHistory = (await engine.call('replay', { sessionId: 'oldrun' })).messages.find((m) => m.type === 'history') as HistoryMessage;
  assert.deepEqual(oldHistory.points, h.points);
});
