import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runEpo } from '../../src/engine/epo/run';
import { FastBackend, NumberTokenizer } from './fast-backend';

test('perf: EPO bookkeeping at the default scale costs well under 1 ms per candidate', async (t) => {
  const V = 4000, n = 12;
  const backend = new FastBackend(V, n);
  const tokenizer = new NumberTokenizer(V);
  const t0 = performance.now();
  const r = await runEpo(backend, tokenizer, { iterations: 300, checkpointEvery: 100 }, { onCheckpoint: () => undefined });
  const total = performance.now() - t0;
  const perCandidate = (total - backend.backendMs) / r.stats.evaluations;
  t.diagnostic(`${r.stats.evaluations} candidates in ${total.toFixed(0)} ms (backend ${backend.backendMs.toFixed(0)} ms): ` +
    `${(perCandidate * 1000).toFixed(1)} µs of EPO bookkeeping per candidate; frontier ${r.frontier.length}; ` +
    `proposal ${r.timings.proposalMs.toFixed(0)} ms, selection ${r.timings.selectionMs.toFixed(0)} ms`);
  assert.equal(r.iterationsDone, 300);
  assert.ok(r.stats.evaluations >= 300 * 256 * 0.99);
  assert.ok(perCandidate < 0.2, `${perCandidate} ms per candidate`);
});
