import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runEpo } from '../../src/engine/epo/run';
import { Checkpoint, loadCheckpoint, parseCheckpoint, saveCheckpoint } from '../../src/engine/epo/checkpoint';
import type { EpoResult } from '../../src/engine/epo/types';
import { makeToy, ToyOptions } from './toy-backend';

const CFG = { seqLen: 6, iterations: 20, topK: 12, childrenPerMember: 16, restartEvery: 7, retokenize: true, seed: 5 } as const;

/**
 * One toy run three ways: straight through, stopped after iteration `stopAfter`, and resumed from
 * that stop's checkpoint (after `edit` changes its JSON, if given); `toy` is the resumed run's toy.
 */
async function stopAndResume(toyOptions: ToyOptions, cfg: object, stopAfter: number, edit?: (checkpoint: { config: Record<string, unknown> }) => void) {
  const a = makeToy(toyOptions);
  const straight = await runEpo(a.backend, a.tokenizer, cfg);
  const b = makeToy(toyOptions);
  const ctl = new AbortController();
  const first = await runEpo(b.backend, b.tokenizer, cfg, { signal: ctl.signal, onIteration: (e) => { if (e.iteration === stopAfter) ctl.abort(); } });
  const saved = JSON.parse(JSON.stringify(first.checkpoint));
  edit?.(saved);
  const toy = makeToy(toyOptions);
  const resumed = await runEpo(toy.backend, toy.tokenizer, {}, { resumeFrom: parseCheckpoint(JSON.stringify(saved)) });
  return { straight, first, resumed, toy };
}

/** Everything that defines the trajectory (timings excluded). */
function trajectory(r: EpoResult) {
  return { history: r.history.serialize(), population: r.population, stats: r.stats, iterationsDone: r.iterationsDone };
}

test('resume: 20 straight = 8 + resume 12 (identical history, population, counters)', async () => {
  const a = makeToy({ seed: 3 });
  const straight = await runEpo(a.backend, a.tokenizer, CFG);

  const b = makeToy({ seed: 3 });
  const ctl = new AbortController();
  const first = await runEpo(b.backend, b.tokenizer, CFG, { signal: ctl.signal, onIteration: (e) => { if (e.iteration === 7) ctl.abort(); } });
  assert.equal(first.cancelled, true);
  assert.equal(first.iterationsDone, 8);
  assert.equal(first.checkpoint!.nextIteration, 8);
  assert.equal(first.history.size, first.checkpoint!.history.count);

  const dir = mkdtempSync(join(tmpdir(), 'epo-resume-'));
  try {
    const path = join(dir, 'run.ckpt.json');
    await saveCheckpoint(path, first.checkpoint!);
    assert.deepEqual(readdirSync(dir), ['run.ckpt.json'], 'no temp file left behind');
    const loaded = await loadCheckpoint(path);
    const c = makeToy({ seed: 3 });
    const resumed = await runEpo(c.backend, c.tokenizer, {}, { resumeFrom: loaded });
    assert.deepEqual(trajectory(resumed), trajectory(straight));
    // the resumed run recomputed no top-k for members that kept their slot
    assert.equal(b.backend.topKCalls.flatMap((x) => x.prompts).length + c.backend.topKCalls.flatMap((x) => x.prompts).length,
      a.backend.topKCalls.flatMap((x) => x.prompts).length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('resume: cancelling in the middle of an iteration keeps its evaluations in the result and redoes it on resume', async () => {
  const a = makeToy({ seed: 4 });
  const straight = await runEpo(a.backend, a.tokenizer, { ...CFG, batchSize: 10 });

  const b = makeToy({ seed: 4 });
  const ctl = new AbortController();
  let scoreCalls = 0;
  b.backend.beforeCall = (m) => { if (m === 'score' && ++scoreCalls === 35) ctl.abort(); };
  const partial = await runEpo(b.backend, b.tokenizer, { ...CFG, batchSize: 10 }, { signal: ctl.signal });
  assert.equal(partial.cancelled, true);
  const cp = partial.checkpoint!;
  assert.ok(partial.history.size > cp.history.count, 'the interrupted iteration\'s evaluations are in the result');
  assert.equal(partial.iterationsDone, cp.nextIteration);
  assert.ok(partial.frontier.length > 0);

  const c = makeToy({ seed: 4 });
  const resumed = await runEpo(c.backend, c.tokenizer, {}, { resumeFrom: JSON.parse(JSON.stringify(cp)) as Checkpoint });
  assert.deepEqual(trajectory(resumed), trajectory(straight));
});

test('resume: cancelling during gradients or before the first iteration', async () => {
  const b = makeToy({ seed: 4 });
  const ctl = new AbortController();
  let topKCalls = 0;
  b.backend.beforeCall = (m) => { if (m === 'topK' && ++topKCalls === 3) ctl.abort(); };
  const r = await runEpo(b.backend, b.tokenizer, CFG, { signal: ctl.signal });
  assert.equal(r.cancelled, true);
  const a = makeToy({ seed: 4 });
  const straight = await runEpo(a.backend, a.tokenizer, CFG);
  const c = makeToy({ seed: 4 });
  assert.deepEqual(trajectory(await runEpo(c.backend, c.tokenizer, {}, { resumeFrom: r.checkpoint! })), trajectory(straight));

  const early = new AbortController();
  early.abort();
  const none = await runEpo(makeToy().backend, makeToy().tokenizer, CFG, { signal: early.signal });
  assert.equal(none.cancelled, true);
  assert.equal(none.checkpoint, null);
  assert.equal(none.history.size, 0);
  assert.deepEqual(none.population, []);
});

test('resume: a finished run can be extended, identically to a longer run', async () => {
  const a = makeToy({ seed: 5 });
  const long = await runEpo(a.backend, a.tokenizer, { ...CFG, iterations: 16 });
  const b = makeToy({ seed: 5 });
  const short = await runEpo(b.backend, b.tokenizer, { ...CFG, iterations: 9 });
  const extended = await runEpo(b.backend, b.tokenizer, { iterations: 16, batchSize: 5 }, { resumeFrom: short.checkpoint! });
  assert.deepEqual(trajectory(extended), trajectory(long));
  await assert.rejects(runEpo(b.backend, b.tokenizer, { seed: 6 }, { resumeFrom: short.checkpoint! }),
    /cannot resume with a different trajectory config \(seed: 5 → 6\)/);
});

test('checkpoints: every checkpointEvery iterations, at the end, and written atomically to checkpointPath', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'epo-ckpt-'));
  try {
    const path = join(dir, 'c.json');
    const seen: number[] = [];
    const { backend, tokenizer } = makeToy({ seed: 6 });
    const r = await runEpo(backend, tokenizer, { ...CFG, iterations: 12, checkpointEvery: 5 }, {
      checkpointPath: path, onCheckpoint: (cp) => { seen.push(cp.nextIteration); },
    });
    assert.deepEqual(seen, [5, 10, 12]);
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), JSON.parse(JSON.stringify(r.checkpoint)));
    assert.deepEqual(readdirSync(dir), ['c.json']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('checkpoints: damaged files give errors that name the problem', async () => {
  const { backend, tokenizer } = makeToy({ seed: 7 });
  const r = await runEpo(backend, tokenizer, { ...CFG, iterations: 3 });
  const good = JSON.stringify(r.checkpoint);
  assert.doesNotThrow(() => parseCheckpoint(good, 'x.json'));
  const mutate = (f: (c: Record<string, any>) => void) => { const c = JSON.parse(good); f(c); return JSON.stringify(c); };
  const cases: [string, RegExp][] = [
    [good.slice(0, good.length / 2), /x.json is not valid JSON \(damaged or truncated\?\)/],
    [mutate((c) => { c.format = 'other'; }), /x.json.format must be "reverie.epo-checkpoint", got "other"/],
    [mutate((c) => { c.version = 2; }), /x.json.version must be 1/],
    [mutate((c) => { c.history.ids = c.history.ids.slice(0, 40); }), /x.json.history.ids holds \d+ bytes, expected \d+/],
    [mutate((c) => { c.population.pop(); }), /x.json.population must be 8 slots \(config.population\), got "7 slots"/],
    [mutate((c) => { c.population[2].row = 1e6; }), /x.json.population\[2\].row must be an integer 0 … \d+/],
    [mutate((c) => { c.population[0].topK = 'AAAA'; }), /x.json.population\[0\].topK holds 3 bytes, expected 288/],
    [mutate((c) => { c.prng = [0, 0, 0, 0]; }), /x.json.prng: PRNG state must not be all zero/],
    [mutate((c) => { c.config.population = 0; }), /x.json.config: population must be an integer ≥ 1, got 0/],
    [mutate((c) => { c.stats.evaluations = 3; }), /x.json.stats.evaluations must be \d+ \(the history's rows\), got 3/],
    [mutate((c) => { delete c.rejected; }), /x.json.rejected must be an object, got nothing/],
  ];
  for (const [text, re] of cases) assert.throws(() => parseCheckpoint(text, 'x.json'), re);
  const dir = mkdtempSync(join(tmpdir(), 'epo-bad-'));
  try {
    writeFileSync(join(dir, 'bad.json'), '{"format": "reverie.epo-check');
    await assert.rejects(loadCheckpoint(join(dir, 'bad.json')), /bad.json is not valid JSON/);
    await assert.rejects(loadCheckpoint(join(dir, 'missing.json')), /cannot read checkpoint .*missing.json/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('resume: a run that makes two-token moves resumes to the same trajectory', async () => {
  const cfg = { seqLen: 12, iterations: 40, topK: 4, modelShare: 0, shiftShare: 0, childrenPerMember: 8, restartEvery: 15, retokenize: false, seed: 2 } as const;
  const { straight, first, resumed } = await stopAndResume({ seed: 6, n: 12 }, cfg, 24);
  assert.ok(straight.stats.wideMoves > 200, `two-token moves: ${straight.stats.wideMoves}`);
  assert.ok(first.stats.wideMoves > 0 && first.stats.wideMoves < straight.stats.wideMoves, 'stopped while making two-token moves');
  assert.deepEqual(trajectory(resumed), trajectory(straight));
});

test('resume: a run that makes shifts resumes to the same trajectory', async () => {
  const cfg = { seqLen: 10, iterations: 30, topK: 8, shiftShare: 0.5, childrenPerMember: 8, restartEvery: 10, retokenize: false, seed: 3 } as const;
  const { straight, first, resumed } = await stopAndResume({ seed: 7, n: 10 }, cfg, 17);
  assert.ok(first.stats.shiftMoves > 0 && first.stats.shiftMoves < straight.stats.shiftMoves, 'stopped while making shifts');
  assert.deepEqual(trajectory(resumed), trajectory(straight));
  assert.equal(resumed.stats.shiftMoves, straight.stats.shiftMoves);
});

test('resume: a run with capped slots resumes to the same trajectory', async () => {
  const cfg = { seqLen: 6, iterations: 30, topK: 8, cappedSlots: 3, xeCapMin: 3, xeCapMax: 4, childrenPerMember: 8, restartEvery: 10, retokenize: false, seed: 4 } as const;
  const { straight, resumed } = await stopAndResume({ seed: 2 }, cfg, 14);
  assert.deepEqual(trajectory(resumed), trajectory(straight));
});

test('resume: a checkpoint written before modelShare, shiftShare, islands, restartArchive and cappedSlots existed resumes the search it ran', async () => {
  const before = { modelShare: 0, shiftShare: 0, islands: 1, restartArchive: false, cappedSlots: 0 };
  const cfg = { seqLen: 6, iterations: 24, topK: 8, childrenPerMember: 8, restartEvery: 8, retokenize: false, seed: 5, ...before } as const;
  const { straight, resumed } = await stopAndResume({ seed: 3 }, cfg, 11, (old) => { for (const key of Object.keys(before)) delete old.config[key]; });
  assert.deepEqual(trajectory(resumed), trajectory(straight));
  assert.deepEqual({ modelShare: resumed.config.modelShare, shiftShare: resumed.config.shiftShare, islands: resumed.config.islands, restartArchive: resumed.config.restartArchive, cappedSlots: resumed.config.cappedSlots }, before);
});

test('resume: a run with islands resumes to the same trajectory', async () => {
  const cfg = { seqLen: 6, iterations: 30, topK: 8, islands: 2, shiftShare: 0.25, childrenPerMember: 8, restartEvery: 10, retokenize: false, seed: 4 } as const;
  const { straight, resumed } = await stopAndResume({ seed: 2 }, cfg, 14);
  assert.deepEqual(trajectory(resumed), trajectory(straight));
  assert.equal(resumed.stats.restarts, 2 * 2);
});

test('resume: a run with candidates from the model resumes to the same trajectory', async () => {
  const cfg = { ...CFG, topK: 10, modelShare: 0.4, iterations: 16 } as const;
  const { straight, first, resumed, toy: c } = await stopAndResume({ seed: 9 }, cfg, 9);
  assert.deepEqual(trajectory(resumed), trajectory(straight));
  assert.ok(c.backend.topKCalls.every((x) => x.fromModel === 4), 'the resumed run asks for the model\'s candidates too');
  await assert.rejects(runEpo(c.backend, c.tokenizer, { modelShare: 0.2 }, { resumeFrom: first.checkpoint! }), /modelShare: 0\.4 → 0\.2/);
});
