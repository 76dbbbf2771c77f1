/**
 * dream() on a backend the caller owns (the extension's panel keeps one for its next run and for
 * attributions): the run uses it through the caller's wrapper, leaves it open, gives what a dream
 * on its own backend gives, and refuses one built for another prompt length.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadModel } from '../../src/engine/models/load';
import { dream, dreamBackend, neuronFeature } from '../../src/engine/dream/dream';
import type { EpoBackend } from '../../src/engine/epo';

const config = { iterations: 3, population: 4, childrenPerMember: 8, seqLen: 6, seed: 3 };

test('a caller-owned backend is used through the wrapper, left open, and gives the same run', async () => {
  const model = await loadModel('stories260K');
  const feature = neuronFeature(model, '2.17');
  const own = await dream({ model, feature, config, session: { threads: 1 } });
  const backend = dreamBackend(model, feature.fn, config.seqLen, { threads: 1 });
  let scored = 0;
  const wrap = (b: EpoBackend): EpoBackend => ({ ...b, vocabRows: b.vocabRows, allowed: b.allowed, score: async (p) => { scored += p.length; return b.score(p); }, topK: (p, l, k, m) => b.topK(p, l, k, m), saliency: (p) => b.saliency(p) });
  try {
    const shared = await dream({ model, feature, config, backend, wrapBackend: wrap });
    assert.equal(scored, shared.result.stats.evaluations, 'every evaluation went through the wrapper');
    assert.deepEqual(shared.result.frontier.map((p) => [p.feature, p.xe]), own.result.frontier.map((p) => [p.feature, p.xe]));
    const again = await backend.score([Int32Array.of(5, 6, 7, 8, 9, 10)]);
    assert.equal(again.feature.length, 1, 'the backend is still open after the run');
    await assert.rejects(dream({ model, feature, config: { ...config, seqLen: 8 }, backend }), /scores prompts of 6 tokens; the run's seqLen is 8/);
  } finally {
    await backend.dispose();
  }
});
