import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runEpo } from '../../src/engine/epo/run';
import { RunFile, checkpointFromRun, historyFromRun, makeRunFile, mergeFrontiers, parseRunFile, readRunFile, writeRunFile } from '../../src/engine/epo/run-file';
import { nonDominated } from '../../src/engine/epo/frontier';
import { promptKey } from '../../src/engine/epo/cache';
import { makeToy } from './toy-backend';

const CFG = { seqLen: 6, iterations: 10, topK: 12, childrenPerMember: 16, restartEvery: 4, seed: 1 } as const;
const META = {
  model: { id: 'toy', files: [{ name: 'toy.bin', sha256: 'ab'.repeat(32), bytes: 123 }] },
  feature: { name: 'toy feature', description: 'unary + pairwise', sourceHash: 'cd'.repeat(32) },
};

test('run file: written atomically, read back equal, and resumable', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'epo-run-'));
  try {
    const a = makeToy({ seed: 2 });
    const r = await runEpo(a.backend, a.tokenizer, CFG);
    const path = join(dir, 'dream.reverie.json');
    const run = makeRunFile(r, META, { createdAt: new Date(0) });
    await writeRunFile(path, run);
    assert.deepEqual(readdirSync(dir), ['dream.reverie.json']);
    const back = await readRunFile(path);
    assert.deepEqual(back, JSON.parse(JSON.stringify(run)));
    assert.equal(back.format, 'reverie.run');
    assert.equal(back.version, 1);
    assert.equal(back.frontier.length, r.frontier.length);
    assert.ok(back.frontier.every((p) => typeof p.text === 'string'));
    assert.deepEqual(historyFromRun(back)!.serialize(), r.history.serialize());
    // extend from the run file = a longer run from scratch
    const b = makeToy({ seed: 2 });
    const extended = await runEpo(b.backend, b.tokenizer, { iterations: 15 }, { resumeFrom: checkpointFromRun(back) });
    const c = makeToy({ seed: 2 });
    const long = await runEpo(c.backend, c.tokenizer, { ...CFG, iterations: 15 });
    assert.deepEqual(extended.history.serialize(), long.history.serialize());
    assert.deepEqual(extended.population, long.population);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('run file: without history or resume state', async () => {
  const a = makeToy({ seed: 2 });
  const r = await runEpo(a.backend, a.tokenizer, { ...CFG, iterations: 3 });
  const slim = makeRunFile(r, META, { includeHistory: false, includeResume: false });
  assert.equal(slim.history, undefined);
  assert.equal(slim.resume, undefined);
  const back = parseRunFile(JSON.stringify(slim), 'slim.json');
  assert.equal(historyFromRun(back), null);
  assert.throws(() => checkpointFromRun(back, 'slim.json'), /slim.json was saved without resume state/);
});

test('run file: a cancelled run mid-iteration resumes from the run file', async () => {
  const a = makeToy({ seed: 3 });
  const ctl = new AbortController();
  let calls = 0;
  a.backend.beforeCall = (m) => { if (m === 'score' && ++calls === 6) ctl.abort(); };
  const r = await runEpo(a.backend, a.tokenizer, { ...CFG, batchSize: 20 }, { signal: ctl.signal });
  const run = parseRunFile(JSON.stringify(makeRunFile(r, META)));
  assert.ok(run.history!.count > run.resume!.historyCount);
  const b = makeToy({ seed: 3 });
  const resumed = await runEpo(b.backend, b.tokenizer, {}, { resumeFrom: checkpointFromRun(run) });
  const c = makeToy({ seed: 3 });
  const straight = await runEpo(c.backend, c.tokenizer, { ...CFG, batchSize: 20 });
  assert.deepEqual(resumed.history.serialize(), straight.history.serialize());
});

test('run file: validation errors name the field', async () => {
  const a = makeToy({ seed: 2 });
  const r = await runEpo(a.backend, a.tokenizer, { ...CFG, iterations: 2 });
  const good = JSON.stringify(makeRunFile(r, META));
  const mutate = (f: (c: Record<string, any>) => void) => { const c = JSON.parse(good); f(c); return JSON.stringify(c); };
  const cases: [string, RegExp][] = [
    ['not json', /r.json is not valid JSON/],
    [mutate((c) => { c.format = 'reverie.checkpoint'; }), /r.json: format must be "reverie.run"/],
    [mutate((c) => { c.version = 9; }), /r.json: version must be 1 \(this version of Reverie\), got 9/],
    [mutate((c) => { delete c.model.files[0].sha256; }), /r.json: model.files\[0\].sha256 must be a string, got nothing/],
    [mutate((c) => { c.feature.sourceHash = 5; }), /r.json: feature.sourceHash must be a string, got 5/],
    [mutate((c) => { c.feature.kind = 'sae'; }), /r.json: feature.kind must be "file", "neuron" or "logit", got "sae"/],
    [mutate((c) => { c.feature.spec = 2.17; }), /r.json: feature.spec must be a string, got 2.17/],
    [mutate((c) => { c.frontier[0].ids = [1, 2]; }), /r.json: frontier\[0\].ids must be 6 token ids \(config.seqLen\)/],
    [mutate((c) => { c.config.topK = 0; }), /r.json: config: topK must be an integer ≥ 1, got 0/],
    [mutate((c) => { c.history.xe = 'AAAA'; }), /r.json.history.xe holds 3 bytes/],
    [mutate((c) => { c.resume.prng = [1, 2]; }), /r.json: resume.prng: PRNG state must be four uint32 words/],
    [mutate((c) => { c.resume.historyCount = 1e9; }), /r.json.resume.historyCount must be an integer 0 … \d+/],
  ];
  for (const [text, re] of cases) assert.throws(() => parseRunFile(text, 'r.json'), re);
  const dir = mkdtempSync(join(tmpdir(), 'epo-runbad-'));
  try {
    writeFileSync(join(dir, 'x.json'), good.slice(0, 100));
    await assert.rejects(readRunFile(join(dir, 'x.json')), /x.json is not valid JSON/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('mergeFrontiers: equals the frontier of the union of the runs\' histories', async () => {
  const runs: RunFile[] = [];
  const all: { ids: number[]; f: number; xe: number }[] = [];
  for (const seed of [1, 2, 3, 1]) { // seed 1 twice: the same prompts reach the merge from two runs
    const t = makeToy({ seed: 4 }); // same model and feature, different EPO seeds
    const r = await runEpo(t.backend, t.tokenizer, { ...CFG, seed });
    runs.push(makeRunFile(r, META));
    for (let i = 0; i < r.history.size; i++) all.push({ ids: r.history.ids(i), f: r.history.feature(i), xe: r.history.xe(i) });
  }
  // brute force over the union, identical prompts once
  const seen = new Set<string>();
  const uniq = all.filter((p) => { const k = promptKey(p.ids); if (seen.has(k)) return false; seen.add(k); return true; });
  assert.ok(uniq.length < all.length, 'histories overlap, so the dedup is exercised');
  const expected = nonDominated(uniq.map((p) => p.f), uniq.map((p) => p.xe)).map((i) => promptKey(uniq[i].ids)).sort();
  const merged = mergeFrontiers(runs);
  assert.deepEqual(merged.map((p) => promptKey(p.ids)).sort(), expected);
  assert.ok(merged.every((p) => p.run !== undefined && p.run >= 0 && p.run < 3), 'a duplicate keeps the first run\'s copy');
  const other = { ...runs[1], feature: { ...runs[1].feature, sourceHash: 'ee' } };
  assert.throws(() => mergeFrontiers([runs[0], other]), /run 1 \(toy, feature toy feature\) used a different model or feature than run 0/);
  assert.equal(mergeFrontiers([runs[0], other], { allowMismatch: true }).length > 0, true);
});
