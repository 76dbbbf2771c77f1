/** EPO's moves beyond the paper's one-token replacement, and its island and archive options. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shifted } from '../../src/engine/epo/candidates';
import { makeToy } from './toy-backend';
import { assertHygiene, loss, recordRun, SMALL } from './run-helpers';

test('run: shiftShare makes that share of the children shifts (one token deleted, one inserted elsewhere)', async () => {
  const { backend, tokenizer } = makeToy({ seed: 5, n: 10 });
  const config = { ...SMALL, seqLen: 10, shiftShare: 0.25, iterations: 20 };
  const { result } = await recordRun(backend, tokenizer, config);
  assertHygiene(result, backend);
  const asked = 8 * Math.round(0.25 * config.childrenPerMember) * config.iterations;
  // At least the share asked for; more where a member's one-token children ran out (shifts fill in first).
  assert.ok(result.stats.shiftMoves >= 0.9 * asked, `${result.stats.shiftMoves} shifts of ${asked} asked`);
  const again = await recordRun(makeToy({ seed: 5, n: 10 }).backend, tokenizer, config);
  assert.deepEqual(again.result.history.serialize(), result.history.serialize(), 'deterministic');
});

test('run: with restartArchive a restart picks from every prompt evaluated so far', async () => {
  const { backend, tokenizer } = makeToy({ seed: 3 });
  const { events, result } = await recordRun(backend, tokenizer, { ...SMALL, restartArchive: true, restartEvery: 5, iterations: 21 });
  const h = result.history;
  const restarts = events.filter((e) => e.restart);
  assert.equal(restarts.length, 4);
  for (const e of restarts) {
    const { lambda, row } = e.restart!;
    let best = -1;
    for (let r = 0; r < h.countThrough(e.iteration); r++) if (best < 0 || loss(h, r, lambda) < loss(h, best, lambda)) best = r;
    assert.equal(row, best, `iteration ${e.iteration}: the archive's best for λ_r ${lambda}`);
    assert.ok(e.population.every((m) => m.row === row), 'every slot restarts from it');
  }
});

test('run: islands select and restart each among their own members, children and known prompts', async () => {
  const { backend, tokenizer } = makeToy({ seed: 9 });
  const { events, result } = await recordRun(backend, tokenizer, { ...SMALL, islands: 2, iterations: 25 });
  const h = result.history;
  const island = (slot: number) => slot % 2;
  let distinctAtRestart = 0;
  events.forEach((e, it) => {
    if (it === 0) return;
    const before = events[it - 1].population;
    for (const m of e.population) {
      const mine = new Set(before.filter((b) => island(b.slot) === island(m.slot)).map((b) => b.row));
      const ok = mine.has(m.row) || (h.iteration(m.row) === it && mine.has(h.parent(m.row))) || e.knownCandidates.includes(m.row);
      assert.ok(ok, `iteration ${it}, slot ${m.slot}: row ${m.row} did not come from its island`);
    }
    if (e.restart) {
      const rowsOf = (i: number) => new Set(e.population.filter((m) => island(m.slot) === i).map((m) => m.row));
      assert.equal(rowsOf(0).size, 1);
      assert.equal(rowsOf(1).size, 1);
      if ([...rowsOf(0)][0] !== [...rowsOf(1)][0]) distinctAtRestart++;
    }
  });
  assert.equal(result.stats.restarts, 2 * 2, 'each island restarts on its own');
  assert.ok(distinctAtRestart >= 1, 'the islands restart from different prompts');
});

test('shifted: deletes one position and inserts a token so that it lands at the other', () => {
  const ids = Int32Array.from([1, 2, 3, 4, 5]);
  assert.deepEqual([...shifted(ids, 1, 3, 9)], [1, 3, 4, 9, 5]);
  assert.deepEqual([...shifted(ids, 3, 1, 9)], [1, 9, 2, 3, 5]);
  assert.deepEqual([...shifted(ids, 0, 4, 9)], [2, 3, 4, 5, 9]);
  assert.deepEqual([...shifted(ids, 4, 0, 9)], [9, 1, 2, 3, 4]);
});

test('run: capped slots take the best feature under their XE cap, are not restarted, and resume to the same trajectory', async () => {
  const { backend, tokenizer } = makeToy({ seed: 4 });
  const config = { ...SMALL, cappedSlots: 3, xeCapMin: 3, xeCapMax: 4, restartEvery: 5, iterations: 21 };
  const { events, result } = await recordRun(backend, tokenizer, config);
  assertHygiene(result, backend);
  const h = result.history;
  const caps = [Infinity, Infinity, Infinity, Infinity, Infinity, 4, 3.5, 3];
  let underCap = 0;
  events.forEach((e, it) => {
    if (it === 0) return;
    const before = events[it - 1].population;
    // A capped slot's candidates: this iteration's members, their children and the known prompts they drew.
    const candidates = [...before.map((m) => m.row), ...e.knownCandidates];
    for (let r = 0; r < h.size; r++) if (h.iteration(r) === it) candidates.push(r);
    for (const m of e.population) {
      const cap = caps[m.slot];
      if (!Number.isFinite(cap)) continue;
      const under = candidates.filter((r) => h.xe(r) <= cap);
      if (under.length) {
        underCap++;
        assert.ok(h.xe(m.row) <= cap, `iteration ${it}, slot ${m.slot}: XE ${h.xe(m.row)} over its cap ${cap}`);
        assert.equal(h.feature(m.row), Math.max(...under.map((r) => h.feature(r))), `iteration ${it}, slot ${m.slot}: not the best under the cap`);
      } else {
        assert.equal(h.xe(m.row), Math.min(...candidates.map((r) => h.xe(r))), `iteration ${it}, slot ${m.slot}: not the most fluent`);
      }
    }
    if (e.restart) {
      assert.ok(e.population.slice(0, 5).every((m) => m.row === e.restart!.row), 'the uncapped slots restart');
    }
  });
  assert.ok(underCap > 10, `the caps were reached ${underCap} times`);
  assert.ok(events.some((e) => e.restart && e.population.slice(5).some((m) => m.row !== e.restart!.row)), 'a capped slot kept its own prompt through a restart');
  const again = await recordRun(makeToy({ seed: 4 }).backend, tokenizer, config);
  assert.deepEqual(again.result.history.serialize(), h.serialize(), 'deterministic');
});
