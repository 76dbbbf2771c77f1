import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runEpo } from '../../src/engine/epo/run';
import { makeToy, ToyBackend } from './toy-backend';
import { promptKey } from '../../src/engine/epo/cache';
import { assertHygiene, loss, recordRun, SMALL } from './run-helpers';


test('run: gradients only for new members, each with its own slot λ', async () => {
  const { backend, tokenizer } = makeToy({ seed: 2 });
  const { events, callsBefore, result } = await recordRun(backend, tokenizer, SMALL);
  assert.equal(events.length, 40);
  let prevCalls = 0, total = 0;
  events.forEach((e, it) => {
    const calls = backend.topKCalls.slice(prevCalls, callsBefore[it]);
    prevCalls = callsBefore[it];
    const prompts = calls.flatMap((c) => c.prompts), lambdas = calls.flatMap((c) => c.lambdas);
    const before = it === 0 ? null : events[it - 1].population;
    const expectedSlots = before ? before.filter((m) => m.isNew).map((m) => m.slot) : result.lambdas.map((_, j) => j);
    assert.equal(e.gradients, expectedSlots.length, `iteration ${it}`);
    assert.deepEqual(lambdas, expectedSlots.map((j) => result.lambdas[j]), `λs at iteration ${it}`);
    if (before) assert.deepEqual(prompts, expectedSlots.map((j) => before[j].ids));
    calls.forEach((c) => assert.equal(c.k, 16));
    total += prompts.length;
  });
  assert.equal(result.stats.gradients, total);
  assert.ok(total < 40 * 8, `reuse happened (${total} of ${40 * 8})`);
  assert.ok(events.some((e) => e.gradients === 0 || e.gradients < 8));
});

test('run: selection per slot with replacement and ties to the incumbent; restarts use the drawn λ', async () => {
  const { backend, tokenizer } = makeToy({ seed: 3 });
  const { events, result } = await recordRun(backend, tokenizer, SMALL);
  const h = result.history;
  assert.equal(h.countThrough(-1), 8, 'rows 0..7 are the initial members, in slot order');
  let prev = [0, 1, 2, 3, 4, 5, 6, 7];
  let movedToKnown = 0;
  const restartLambdas: number[] = [];
  for (const e of events) {
    const children: number[] = [];
    for (let r = 0; r < h.size; r++) if (h.iteration(r) === e.iteration) children.push(r);
    assert.equal(children.length, e.evaluations);
    assert.ok(e.knownCandidates.every((r) => h.iteration(r) < e.iteration), 'known candidates were evaluated earlier');
    const candidates = [...prev, ...children, ...e.knownCandidates];
    const rows = e.population.map((m) => m.row);
    if (rows.some((r, j) => r !== prev[j] && e.knownCandidates.includes(r))) movedToKnown++;
    if (e.iteration > 0 && e.iteration % 10 === 0) {
      assert.ok(e.restart, `restart expected at ${e.iteration}`);
      const lr = e.restart.lambda;
      assert.ok(lr >= 0.667 && lr <= 6);
      restartLambdas.push(lr);
      assert.ok(rows.every((r) => r === e.restart!.row), 'the restart prompt fills every slot');
      const best = Math.min(...candidates.map((c) => loss(h, c, lr)));
      assert.equal(loss(h, e.restart.row, lr), best, 'restart minimises -f + λ_r·XE with λ_r as drawn');
    } else {
      assert.equal(e.restart, null);
      e.population.forEach((m, j) => {
        const best = Math.min(...candidates.map((c) => loss(h, c, m.lambda)));
        assert.equal(loss(h, m.row, m.lambda), best, `slot ${j} at iteration ${e.iteration} is an argmin`);
        if (loss(h, prev[j], m.lambda) === best) assert.equal(m.row, prev[j], 'ties go to the incumbent');
        assert.equal(m.isNew, m.row !== prev[j]);
      });
    }
    prev = rows;
  }
  assert.equal(result.stats.restarts, 3);
  assert.equal(new Set(restartLambdas).size, 3, 'λ_r is drawn anew each restart');
  // A slot can move to a neighbour evaluated in an earlier iteration (drawn again, not re-scored).
  assert.ok(movedToKnown > 0, 'some slot moved to an already-evaluated neighbour');
  // replacement: some iteration has a prompt in more than one slot outside restarts
  assert.ok(events.some((e) => !e.restart && new Set(e.population.map((m) => m.row)).size < 8));
});

test('run: no duplicate evaluations, children differ from parents in one position, allowed ids only', async () => {
  const { backend, tokenizer } = makeToy({ seed: 4 });
  const { result } = await recordRun(backend, tokenizer, { ...SMALL, topK: 6 }); // small neighbourhoods: many cache hits
  assertHygiene(result, backend);
  assert.ok(result.stats.cacheHits > 100, `cache hits ${result.stats.cacheHits}`);
  assert.ok(result.stats.sameAsParent > 0);
  assert.equal(result.stats.evaluations, result.history.size);
});

test('run: a population whose one-token neighbourhood is exhausted keeps searching with two-token moves', async () => {
  // Top-k 4 over 12 positions: a prompt has at most 36 one-token children, so once the population
  // settles (or a restart copies one prompt into all 8 slots) their neighbourhoods run out. Without
  // two-token moves this run scores 1,471 of the 3,840 children it asks for, none at all in 26 of
  // its 60 iterations; with them, 3,637.
  const { backend, tokenizer } = makeToy({ seed: 6, n: 12 });
  const config = { ...SMALL, seqLen: 12, topK: 4, modelShare: 0, shiftShare: 0, childrenPerMember: 8, iterations: 60, restartEvery: 15 };
  const { events, result } = await recordRun(backend, tokenizer, config);
  assertHygiene(result, backend);
  const requested = 8 * config.childrenPerMember * config.iterations;
  assert.ok(result.stats.wideMoves > 1000, `two-token moves: ${result.stats.wideMoves}`);
  assert.ok(result.stats.evaluations - result.history.countThrough(-1) >= 0.9 * requested, `${result.stats.evaluations} children scored of ${requested} requested`);
  assert.deepEqual(events.filter((e) => e.evaluations === 0).map((e) => e.iteration), [], 'iterations that scored nothing');
});

test("run: modelShare takes that share of each position's candidates from the model's own next-token ranking", async () => {
  const { backend, tokenizer } = makeToy({ seed: 8 });
  const config = { ...SMALL, topK: 8, modelShare: 0.375, iterations: 20 };
  const { result } = await recordRun(backend, tokenizer, config);
  assertHygiene(result, backend);
  assert.ok(backend.topKCalls.length > 0 && backend.topKCalls.every((c) => c.k === 8 && c.fromModel === 3));
  // Some children took a token the gradient did not rank in its top 5 but the bigram ranks in its top 3.
  const V = backend.vocabRows;
  const h = result.history;
  let fromModel = 0;
  for (let r = h.countThrough(-1); r < h.size; r++) {
    const ids = h.ids(r), parent = h.ids(h.parent(r));
    const i = ids.findIndex((t, j) => t !== parent[j]);
    if (i < 1) continue;
    const byModel = [...Array(V).keys()].filter((v) => backend.allowed[v]).sort((a, c) => backend.B[parent[i - 1] * V + c] - backend.B[parent[i - 1] * V + a] || a - c);
    if (byModel.slice(0, 3).includes(ids[i])) fromModel++;
  }
  assert.ok(fromModel > 50, `${fromModel} children took one of the model's own 3 most likely tokens`);
  const again = await runEpo(makeToy({ seed: 8 }).backend, tokenizer, config);
  assert.deepEqual(again.history.serialize(), result.history.serialize(), 'same seed, same run');
  await assert.rejects(runEpo(backend, tokenizer, { ...config, modelShare: 1.5 }), /modelShare must be a share from 0 to 1 of each position's k candidates, got 1\.5/);
});

test('run: banned text is rejected case-insensitively and counted', async () => {
  const { backend, tokenizer } = makeToy({ seed: 5 });
  // make ' the' (id 8) attractive so the search keeps proposing it
  for (let i = 0; i < backend.n; i++) backend.w[i * backend.vocabRows + 8] += 3;
  const { result } = await recordRun(backend, tokenizer, { ...SMALL, bannedText: [' THE'] });
  for (let r = 0; r < result.history.size; r++) {
    assert.ok(!tokenizer.decode(result.history.ids(r)).toLowerCase().includes(' the'), `row ${r} contains banned text`);
  }
  assert.ok(result.stats.rejectedBanned > 10, `rejected ${result.stats.rejectedBanned}`);
  assertHygiene(result, backend);
});

test('run: retokenization check rejects prompts that do not round-trip (and is needed)', async () => {
  const roundTrips = (tok: ReturnType<typeof makeToy>['tokenizer'], ids: number[]) =>
    JSON.stringify(tok.encode(tok.decode(ids))) === JSON.stringify(ids);
  // make 'a' then 'b' attractive: the pair decodes to "ab", which encodes as one token
  const tilt = (b: ToyBackend) => { for (let i = 0; i < b.n; i++) { b.w[i * b.vocabRows + 2] += 2; b.w[i * b.vocabRows + 3] += 2; } };
  const on = makeToy({ seed: 6 });
  tilt(on.backend);
  const withCheck = (await recordRun(on.backend, on.tokenizer, { ...SMALL, retokenize: true })).result;
  for (let r = 0; r < withCheck.history.size; r++) assert.ok(roundTrips(on.tokenizer, withCheck.history.ids(r)), `row ${r}`);
  assert.ok(withCheck.stats.rejectedRetokenize > 0);
  const off = makeToy({ seed: 6 });
  tilt(off.backend);
  const without = (await recordRun(off.backend, off.tokenizer, { ...SMALL, retokenize: false })).result;
  let bad = 0;
  for (let r = 0; r < without.history.size; r++) if (!roundTrips(off.tokenizer, without.history.ids(r))) bad++;
  assert.ok(bad > 0, 'without the check some evaluated prompts do not round-trip');
  assert.equal(without.stats.rejectedRetokenize, 0);
});

test('run: same seed gives bit-identical runs; another seed differs', async () => {
  const a = makeToy({ seed: 7 }), b = makeToy({ seed: 7 }), c = makeToy({ seed: 7 });
  const ra = await runEpo(a.backend, a.tokenizer, { ...SMALL, retokenize: true, seed: 11 });
  const rb = await runEpo(b.backend, b.tokenizer, { ...SMALL, retokenize: true, seed: 11 });
  const rc = await runEpo(c.backend, c.tokenizer, { ...SMALL, retokenize: true, seed: 12 });
  assert.deepEqual(ra.history.serialize(), rb.history.serialize());
  assert.deepEqual(ra.population, rb.population);
  assert.deepEqual(ra.stats, rb.stats);
  assert.deepEqual(ra.checkpoint, { ...rb.checkpoint!, timings: ra.checkpoint!.timings });
  assert.notDeepEqual(ra.history.serialize().ids, rc.history.serialize().ids);
});

test('run: batch size does not change the trajectory of a batch-independent backend', async () => {
  const a = makeToy({ seed: 8 }), b = makeToy({ seed: 8 });
  const ra = await runEpo(a.backend, a.tokenizer, { ...SMALL, iterations: 15, batchSize: 128 });
  const rb = await runEpo(b.backend, b.tokenizer, { ...SMALL, iterations: 15, batchSize: 7 });
  assert.deepEqual(ra.history.serialize(), rb.history.serialize());
  assert.ok(b.backend.scoreCalls > a.backend.scoreCalls);
});

test('run: GCG (M = 1, λ = 0) finds the exact optimum of a separable feature', async () => {
  for (const seed of [1, 2, 3]) {
    const { backend, tokenizer } = makeToy({ seed, pairScale: 0 });
    const res = await runEpo(backend, tokenizer, { seqLen: 6, iterations: 30, topK: 16, population: 1, lambdaMin: 0, retokenize: false, seed });
    const best = -backend.optimum(0).loss;
    assert.ok(Math.abs(res.population[0].feature - best) < 1e-9, `seed ${seed}: ${res.population[0].feature} vs optimum ${best}`);
    assert.ok(res.history.feature(0) < best - 3, 'random init was far from it');
  }
});

test('run: EPO reaches the exact per-slot optimum of the low-λ slots and improves every slot', async () => {
  const { backend, tokenizer } = makeToy({ seed: 1, pairScale: 0 });
  const res = await runEpo(backend, tokenizer, { seqLen: 6, iterations: 60, topK: 16, retokenize: false, seed: 1 });
  const h = res.history;
  const initial = h.countThrough(-1);
  res.lambdas.forEach((l, j) => {
    let bestAll = Infinity, bestInit = Infinity;
    for (let r = 0; r < h.size; r++) {
      bestAll = Math.min(bestAll, loss(h, r, l));
      if (r < initial) bestInit = Math.min(bestInit, loss(h, r, l));
    }
    assert.ok(bestAll < bestInit - 1, `slot ${j}: ${bestAll} vs initial ${bestInit}`);
    if (l < 1) assert.ok(Math.abs(bestAll - backend.optimum(l).loss) < 1e-9, `slot ${j} (λ ${l}) reaches the Viterbi optimum`);
  });
  // the frontier holds the optimum of the smallest λ
  const opt = backend.optimum(res.lambdas[0]).ids;
  assert.ok(res.frontier.some((p) => JSON.stringify(p.ids) === JSON.stringify(opt)));
});

test('run: events report timings, counts and bests consistent with the history', async () => {
  const { backend, tokenizer } = makeToy({ seed: 9 });
  const { events, result } = await recordRun(backend, tokenizer, { ...SMALL, iterations: 12 });
  const h = result.history;
  for (const e of events) {
    const upto = h.countThrough(e.iteration);
    assert.equal(e.historySize, upto);
    let b4 = -Infinity, b6 = -Infinity;
    for (let r = 0; r < upto; r++) {
      if (h.xe(r) < 4) b4 = Math.max(b4, h.feature(r));
      if (h.xe(r) < 6) b6 = Math.max(b6, h.feature(r));
    }
    assert.equal(e.bestFeatureXeBelow4, Number.isFinite(b4) ? b4 : null);
    assert.equal(e.bestFeatureXeBelow6, Number.isFinite(b6) ? b6 : null);
    for (const k of ['gradientMs', 'proposalMs', 'scoringMs', 'selectionMs', 'totalMs'] as const) assert.ok(e.timings[k] >= 0);
    assert.equal(e.evaluations + e.counts.shortfall, 8 * 16);
    assert.deepEqual(e.frontier.map((p) => p.row), (await import('../../src/engine/epo/frontier')).frontierOf(h, { throughIteration: e.iteration }).map((p) => p.row));
    assert.ok(e.population.every((m) => m.text === tokenizer.decode(m.ids)));
  }
  assert.equal(result.iterationsDone, 12);
  assert.equal(result.cancelled, false);
});

test('run: initialPrompt fills every slot; bad initial prompts are clear errors', async () => {
  const { backend, tokenizer } = makeToy({ seed: 10 });
  const p = [8, 9, 10, 11, 8, 12];
  const res = await runEpo(backend, tokenizer, { ...SMALL, iterations: 1, initialPrompt: p, retokenize: true });
  assert.equal(res.history.countThrough(-1), 1);
  assert.deepEqual(res.history.ids(0), p);
  assert.equal(res.stats.gradients, 8, 'one top-k per slot λ even for a shared prompt');
  await assert.rejects(runEpo(backend, tokenizer, { ...SMALL, initialPrompt: [0, 9, 10, 11, 8, 12] }), /initialPrompt\[0\] = 0 is not a token EPO may use/);
  await assert.rejects(runEpo(backend, tokenizer, { ...SMALL, initialPrompt: [2, 3, 10, 11, 8, 12], retokenize: true }), /does not survive decode→encode/);
  await assert.rejects(runEpo(backend, tokenizer, { ...SMALL, initialPrompt: p, bannedText: ['CAT'] }), /contains banned text/);
});

test('run: a backend that proposes a disallowed id is reported', async () => {
  const { backend, tokenizer } = makeToy({ seed: 10 });
  const orig = backend.topK.bind(backend);
  backend.topK = async (p, l, k) => { const out = await orig(p, l, k); out[0][3] = 41; return out; };
  await assert.rejects(runEpo(backend, tokenizer, SMALL), /backend.topK result 0 proposes id 41 at position 0, which is not an allowed token/);
});

test('run: top-k is capped at the number of allowed tokens', async () => {
  const { backend, tokenizer } = makeToy({ seed: 10 });
  const res = await runEpo(backend, tokenizer, { ...SMALL, iterations: 2, topK: 512 });
  assert.equal(res.topKUsed, 38);
  assert.ok(backend.topKCalls.every((c) => c.k === 38));
});

test('initial prompts from a provider (e.g. sampled from the model) start the run; invalid ones are refused', async () => {
  const { backend, tokenizer } = makeToy({ seed: 8 });
  const m = 8, n = SMALL.seqLen;
  const given = Array.from({ length: m }, (_, j) => Int32Array.from({ length: n }, (_, i) => 3 + ((j * 7 + i * 3) % 20)));
  const result = await runEpo(backend, tokenizer, { ...SMALL, iterations: 2, population: m }, {
    initialPrompts: async (mm, nn, accept) => {
      assert.equal(mm, m);
      assert.equal(nn, n);
      assert.ok(given.every(accept));
      return given;
    },
  });
  const initial = Array.from({ length: result.history.size }, (_, r) => r).filter((r) => result.history.iteration(r) < 0);
  assert.deepEqual(initial.map((r) => promptKey(result.history.idsView(r))).sort(), given.map(promptKey).sort());
  const twice = [...given.slice(0, m - 1), given[0]];
  await assert.rejects(runEpo(makeToy({ seed: 8 }).backend, tokenizer, { ...SMALL, population: m }, { initialPrompts: async () => twice }),
    /initialPrompts must give 8 distinct prompts of 6 allowed tokens/);
});
