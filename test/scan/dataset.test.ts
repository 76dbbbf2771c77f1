import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel, LoadedModel } from '../../src/engine/models/load';
import { EvalHistory } from '../../src/engine/epo/history';
import { resolveConfig } from '../../src/engine/epo/config';
import { buildFrontierFile, readFrontierFile, DatasetPoint } from '../../src/engine/frontier-file';
import { writeDatasetToFrontierFile, corpusLabel } from '../../src/engine/scan';

const dir = mkdtempSync(join(tmpdir(), 'reverie-dataset-'));
const FEATURE = { name: 'neuron 2.17', description: 'MLP neuron', kind: 'neuron' as const, sourceHash: 'f'.repeat(64), source: 'neuron "2.17"', spec: '2.17' };
let model: LoadedModel;

const point = (id: number, feature: number, source: string): DatasetPoint => ({ ids: [id, id + 1, id + 2], text: `t${id}`, feature, xe: 3, source });

before(async () => {
  model = await loadModel('stories260K');
});

test('a scan creates a frontier file with only the dataset series, which reads back', async () => {
  const path = join(dir, 'new.frontier.json');
  const out = await writeDatasetToFrontierFile({ path, feature: FEATURE, model, points: [point(10, 1.5, 'a.txt'), point(20, 1.2, 'a.txt')] });
  assert.deepEqual(out, { path, created: true, replaced: 0, total: 2 });
  const f = await readFrontierFile(path);
  assert.deepEqual(f.runs, []);
  assert.deepEqual(f.frontier, []);
  assert.deepEqual(f.dataset?.map((d) => [d.ids, d.feature, d.source]), [[[10, 11, 12], 1.5, 'a.txt'], [[20, 21, 22], 1.2, 'a.txt']]);
  assert.equal(f.model.id, 'stories260K');
  assert.deepEqual(f.model.files.map((x) => x.sha256), model.files.map((x) => x.sha256));
});

test('adding to a file of dreams keeps its runs and frontier; a rescan of a source replaces that source only', async () => {
  const path = join(dir, 'dreams.frontier.json');
  const h = new EvalHistory(3);
  h.append([5, 6, 7], 2.5, 4, -1, -1);
  h.append([8, 9, 10], 1.0, 2, 0, 0);
  const dreams = buildFrontierFile({
    feature: FEATURE, model: { id: model.id, files: model.files }, describe: (ids) => ({ text: ids.join(' '), tokens: ids.map(String) }),
    runs: [{ id: 'run-1', config: resolveConfig({ seqLen: 3 }), iterationsDone: 1, cancelled: false, history: h }],
  });
  writeFileSync(path, JSON.stringify(dreams));
  await writeDatasetToFrontierFile({ path, feature: FEATURE, model, points: [point(1, 0.5, 'a.txt'), point(2, 0.4, 'a.txt')] });
  await writeDatasetToFrontierFile({ path, feature: FEATURE, model, points: [point(3, 0.9, 'b.txt')] });
  const again = await writeDatasetToFrontierFile({ path, feature: FEATURE, model, points: [point(4, 0.7, 'a.txt')] });
  assert.equal(again.replaced, 2);
  assert.equal(again.total, 2);
  const f = await readFrontierFile(path);
  assert.deepEqual(f.runs.map((r) => r.id), ['run-1']);
  assert.deepEqual(f.frontier.map((p) => p.ids), dreams.frontier.map((p) => p.ids));
  assert.deepEqual(f.dataset?.map((d) => [d.ids[0], d.source]).sort(), [[3, 'b.txt'], [4, 'a.txt']]);
});

test('a file of another feature or model, or a damaged one, is reported and left untouched', async () => {
  const path = join(dir, 'other.frontier.json');
  await writeDatasetToFrontierFile({ path, feature: { ...FEATURE, sourceHash: 'e'.repeat(64) }, model, points: [point(1, 1, 'a.txt')] });
  const before = readFileSync(path, 'utf8');
  await assert.rejects(writeDatasetToFrontierFile({ path, feature: FEATURE, model, points: [point(2, 1, 'a.txt')] }), /was not changed: .*another definition/);
  const otherModel = { ...model, files: [{ name: 'x.bin', sha256: '0'.repeat(64), bytes: 1 }] };
  await assert.rejects(writeDatasetToFrontierFile({ path, feature: FEATURE, model: otherModel, points: [point(2, 1, 'a.txt')] }), /was not changed: .*model/);
  assert.equal(readFileSync(path, 'utf8'), before);
  const damaged = join(dir, 'damaged.frontier.json');
  writeFileSync(damaged, '{"format": "reverie.frontier", "version": 1');
  await assert.rejects(writeDatasetToFrontierFile({ path: damaged, feature: FEATURE, model, points: [point(2, 1, 'a.txt')] }), /not valid JSON/);
  assert.equal(readFileSync(damaged, 'utf8'), '{"format": "reverie.frontier", "version": 1');
});

test('corpus labels are the names of the files and folders', () => {
  assert.equal(corpusLabel(['examples/corpus/stories260k-samples.txt', '/data/pile/']), 'stories260k-samples.txt, pile');
});
