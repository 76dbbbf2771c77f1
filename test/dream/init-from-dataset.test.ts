/**
 * `--init-from-dataset`: a dream's population starts from the best windows of a corpus scan that
 * pass the run's prompt checks, best first and distinct; too few is an error naming the corpus.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel } from '../../src/engine/models/load';
import { dream, neuronFeature } from '../../src/engine/dream/dream';
import { datasetStart, initialPromptsFromWindows } from '../../src/engine/dream/init-from-dataset';
import { scanCorpus } from '../../src/engine/scan';
import { EpoConfigError } from '../../src/engine/epo/config';

test('initialPromptsFromWindows: best first, of the run\'s length, distinct, passing the checks; too few is an error', async () => {
  const windows = [{ ids: [1, 2, 3] }, { ids: [1, 2] }, { ids: [1, 2, 3] }, { ids: [9, 9, 9] }, { ids: [4, 5, 6] }, { ids: [7, 8, 9] }];
  const take = initialPromptsFromWindows(windows, 'corpus.txt');
  const noNines = (ids: Int32Array) => !ids.includes(9);
  assert.deepEqual((await take(2, 3, noNines)).map((p) => [...p]), [[1, 2, 3], [4, 5, 6]]);
  await assert.rejects(take(3, 3, noNines), (e: Error) => e instanceof EpoConfigError &&
    /--init-from-dataset corpus\.txt: only 2 of the 6 best windows of 3 tokens pass the run's prompt checks .*the population needs 3/.test(e.message));
});

test('a dream started from a corpus has its best windows as the initial population', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'reverie-init-'));
  try {
    const corpus = join(dir, 'stories.txt');
    writeFileSync(corpus, [
      'Once upon a time, there was a little girl named Lily. She loved to play outside in the sun.',
      'One day, Tom went to the park with his mom. He saw a big red ball and wanted to play with it.',
      'The cat was very happy. It jumped on the bed and went to sleep. The end.',
    ].join('\n\n'));
    const model = await loadModel('stories260K');
    const feature = neuronFeature(model, '2.17');
    const config = { iterations: 2, population: 4, childrenPerMember: 4, seqLen: 6, seed: 1 };
    const start = await datasetStart(model, feature, config, corpus, { threads: 1 });
    const scan = await scanCorpus({ model, feature, corpus: [corpus], n: 6, top: 4, session: { threads: 1 } });
    assert.ok(start.best && Math.abs(start.best.feature - scan.examples[0].feature) < 1e-6, 'the best window is reported');
    const { result } = await dream({ model, feature, config, session: { threads: 1 }, initialPrompts: start.initialPrompts });
    const h = result.history;
    const initial = Array.from({ length: h.countThrough(-1) }, (_, r) => h.ids(r));
    // The scan's top windows all pass the checks here (plain story text survives the round trip).
    assert.deepEqual(initial, scan.examples.map((e) => e.ids));
    initial.forEach((_, r) => assert.ok(Math.abs(h.feature(r) - scan.examples[r].feature) < 1e-4, `window ${r} scores as in the scan`));
    assert.equal(result.iterationsDone, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
