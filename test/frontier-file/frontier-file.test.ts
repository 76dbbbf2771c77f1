/**
 * Frontier files: exact round trip of compressed histories, atomic saves, merging runs of the same
 * feature (the merged frontier checked against a brute-force frontier of both histories), refusal
 * to mix models or features, and damaged files reported by field and never overwritten.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EvalHistory } from '../../src/engine/epo/history';
import { resolveConfig } from '../../src/engine/epo/config';
import {
  buildFrontierFile, compressHistory, decompressHistory, FrontierFile, FrontierFileError, parseFrontierFile, saveFrontierFile, frontierFileName,
} from '../../src/engine/frontier-file';
import { mulberry } from '../helpers/fd';

const N = 5;

/** A synthetic run: `count` distinct prompts in iteration order, values from a seeded generator. */
function history(seed: number, count: number, idOffset = 0): EvalHistory {
  const rand = mulberry(seed);
  const h = new EvalHistory(N);
  for (let i = 0; i < count; i++) {
    const ids = Array.from({ length: N }, (_, j) => (j === 0 ? idOffset + i : Math.floor(rand() * 500)));
    const iteration = i < 4 ? -1 : Math.floor((i - 4) / 6);
    h.append(ids, rand() * 4 - 1, 2 + rand() * 8, iteration, i < 4 ? -1 : Math.floor(rand() * i));
  }
  return h;
}

const describe = (ids: number[]) => ({ text: ids.map((i) => `<${i}>`).join(''), tokens: ids.map((i) => `<${i}>`) });
const MODEL = { id: 'stories260K', files: [{ name: 'stories260K.bin', sha256: 'a'.repeat(64), bytes: 10 }], layers: 5, dModel: 64, vocab: 512 };
const FEATURE = { name: 'neuron 2.17', description: 'test neuron', kind: 'neuron' as const, sourceHash: 'f'.repeat(64), source: 'neuron "2.17"', spec: '2.17' };

function file(runs: { id: string; seed: number; h: EvalHistory; iterationsDone?: number }[], over: Partial<{ model: typeof MODEL; feature: typeof FEATURE }> = {}): FrontierFile {
  return buildFrontierFile({
    feature: over.feature ?? FEATURE, model: over.model ?? MODEL, describe,
    runs: runs.map((r) => ({ id: r.id, config: resolveConfig({ seed: r.seed, seqLen: N }), iterationsDone: r.iterationsDone ?? 10, cancelled: false, history: r.h })),
  });
}

/** Brute force: every (feature, xe) point not dominated by another, over all histories (distinct prompts). */
function bruteFrontier(hs: EvalHistory[]): Set<string> {
  const pts: { key: string; f: number; x: number }[] = [];
  const seen = new Set<string>();
  for (const h of hs) {
    for (let r = 0; r < h.size; r++) {
      const key = h.ids(r).join(',');
      if (seen.has(key)) continue;
      seen.add(key);
      pts.push({ key, f: h.feature(r), x: h.xe(r) });
    }
  }
  return new Set(pts.filter((p) => !pts.some((q) => q.f >= p.f && q.x <= p.x && (q.f > p.f || q.x < p.x))).map((p) => p.key));
}

const scratch = () => mkdtempSync(join(tmpdir(), 'reverie-frontier-'));

test('a compressed history inflates to exactly the same columns; damage is named', () => {
  const h = history(1, 200);
  const c = compressHistory(h);
  const back = decompressHistory(JSON.parse(JSON.stringify(c)), 'x');
  assert.equal(back.size, 200);
  assert.deepEqual(back.columns(), h.columns());
  const partial = decompressHistory(compressHistory(h, 50), 'x');
  assert.deepEqual(partial.columns().feature, h.columns().feature.subarray(0, 50));
  assert.ok(c.data.length < 200 * (N * 4 + 24) * 1.4, `compressed ${c.data.length} chars`);
  assert.throws(() => decompressHistory({ ...c, data: c.data.slice(0, 40) }, 'f.json: runs[0].history'), /f\.json: runs\[0\]\.history\.data does not inflate/);
  assert.throws(() => decompressHistory({ ...c, count: 201 }, 'h'), /h\.data holds \d+ bytes, expected \d+ for 201 prompts of 5 tokens/);
});

test('a first save writes <feature>.frontier.json atomically, and it parses back', async () => {
  const dir = scratch();
  const h = history(2, 64);
  const out = await saveFrontierFile(dir, file([{ id: 'r1', seed: 0, h }]));
  assert.equal(out.status, 'saved');
  if (out.status !== 'saved') return;
  assert.equal(out.path, join(dir, 'neuron-2.17.frontier.json'));
  assert.equal(out.merged, false);
  assert.deepEqual(readdirSync(dir), ['neuron-2.17.frontier.json'], 'no temporary file is left behind');
  const f = parseFrontierFile(readFileSync(out.path, 'utf8'), out.path);
  assert.equal(f.runs.length, 1);
  assert.deepEqual(decompressHistory(f.runs[0].history!, 'h').columns(), h.columns());
  assert.deepEqual(new Set(f.frontier.map((p) => p.ids.join(','))), bruteFrontier([h]));
  assert.ok(f.frontier.every((p) => p.text === describe(p.ids).text && p.run === 0 && h.feature(p.row) === p.feature));
  assert.equal(f.feature.sourceTextHash.length, 64);
});

test('a second save of the same feature merges the runs into one frontier', async () => {
  const dir = scratch();
  const a = history(3, 80), b = history(4, 80, 1000);
  await saveFrontierFile(dir, file([{ id: 'A', seed: 0, h: a }]));
  const out = await saveFrontierFile(dir, file([{ id: 'B', seed: 1, h: b }]));
  assert.ok(out.status === 'saved' && out.merged);
  const f = parseFrontierFile(readFileSync(join(dir, frontierFileName('neuron 2.17')), 'utf8'), 'f');
  assert.deepEqual(f.runs.map((r) => [r.id, r.seed]), [['A', 0], ['B', 1]]);
  assert.deepEqual(new Set(f.frontier.map((p) => p.ids.join(','))), bruteFrontier([a, b]));
  // Each point names the run it came from, and that run's history holds it at its row.
  const hs = [a, b];
  for (const p of f.frontier) assert.deepEqual(hs[p.run].ids(p.row), p.ids);
  assert.ok(new Set(f.frontier.map((p) => p.run)).size === 2, 'both runs contribute to this frontier');

  // The same run saved again, further along, replaces its entry instead of adding one.
  const a2 = history(3, 120);
  await saveFrontierFile(dir, file([{ id: 'A', seed: 0, h: a2, iterationsDone: 20 }]));
  const g = parseFrontierFile(readFileSync(join(dir, frontierFileName('neuron 2.17')), 'utf8'), 'g');
  assert.deepEqual(g.runs.map((r) => [r.id, r.iterationsDone, r.evaluations]), [['A', 20, 120], ['B', 10, 80]]);
  assert.deepEqual(new Set(g.frontier.map((p) => p.ids.join(','))), bruteFrontier([a2, b]));
});

test('another model or feature is refused with a clear reason, or saved beside it when asked', async () => {
  const dir = scratch();
  await saveFrontierFile(dir, file([{ id: 'A', seed: 0, h: history(5, 30) }]));
  const path = join(dir, 'neuron-2.17.frontier.json');
  const before = readFileSync(path);
  const other = { ...MODEL, id: 'stories15M', files: [{ name: 'stories15M.bin', sha256: 'b'.repeat(64), bytes: 99 }] };
  const out = await saveFrontierFile(dir, file([{ id: 'B', seed: 0, h: history(6, 30) }], { model: other }));
  assert.equal(out.status, 'conflict');
  if (out.status === 'conflict') {
    assert.equal(out.what, 'model');
    assert.match(out.reason, /was not changed: it holds dreams of model stories260K .*not of stories15M/);
  }
  assert.deepEqual(readFileSync(path), before, 'the existing file is untouched');

  const changed = await saveFrontierFile(dir, file([{ id: 'C', seed: 0, h: history(7, 30) }], { feature: { ...FEATURE, sourceHash: 'e'.repeat(64) } }));
  assert.ok(changed.status === 'conflict' && changed.what === 'feature' && /the feature changed since it was saved/.test(changed.reason));

  const beside = await saveFrontierFile(dir, file([{ id: 'B', seed: 0, h: history(6, 30) }], { model: other }), { onMismatch: 'newFile' });
  assert.ok(beside.status === 'saved' && beside.path === join(dir, 'neuron-2.17-2.frontier.json') && !beside.merged);
  assert.match(beside.status === 'saved' ? beside.warning ?? '' : '', /neuron-2\.17\.frontier\.json holds another model and was left untouched/);
  assert.deepEqual(readFileSync(path), before);
  // The next save of that other model finds its file and merges into it.
  const again = await saveFrontierFile(dir, file([{ id: 'D', seed: 1, h: history(8, 30, 700) }], { model: other }), { onMismatch: 'newFile' });
  assert.ok(again.status === 'saved' && again.path === join(dir, 'neuron-2.17-2.frontier.json') && again.merged && again.runs === 2);
});

test('a damaged file is named with its problem, left untouched, and the new data goes to a new name', async () => {
  const dir = scratch();
  await saveFrontierFile(dir, file([{ id: 'A', seed: 0, h: history(9, 30) }]));
  const path = join(dir, 'neuron-2.17.frontier.json');
  const good = JSON.parse(readFileSync(path, 'utf8'));

  const cases: [unknown, RegExp][] = [
    [{ ...good, runs: [{ ...good.runs[0], seed: 'zero' }] }, /: runs\[0\]\.seed must be an integer 0 … \d+, got "zero"/],
    [{ ...good, format: 'reverie.run' }, /: format must be "reverie\.frontier", got "reverie\.run"/],
    [{ ...good, frontier: [{ ...good.frontier[0], run: 3 }] }, /: frontier\[0\]\.run must be an integer 0 … 0, got 3/],
    [{ ...good, frontier: [{ ...good.frontier[0], ids: [1, 2] }] }, /: frontier\[0\]\.ids must be 5 token ids, got "2 ids"/],
    [{ ...good, runs: [{ ...good.runs[0], history: { ...good.runs[0].history, data: 'AAAA' } }] }, /: runs\[0\]\.history\.data does not inflate/],
    [{ ...good, runs: [{ ...good.runs[0], config: { ...good.runs[0].config, population: 0 } }] }, /: runs\[0\]\.config: population must be an integer ≥ 1, got 0/],
    [{ ...good, dataset: [{ ids: [1], text: 'x', feature: 1, xe: 'low', source: 'pile' }] }, /: dataset\[0\]\.xe must be a number, got "low"/],
  ];
  for (const [bad, re] of cases) {
    assert.throws(() => parseFrontierFile(JSON.stringify(bad), 'f.json'), (e: Error) => e instanceof FrontierFileError && re.test(e.message), String(re));
  }
  assert.throws(() => parseFrontierFile(readFileSync(path, 'utf8').slice(0, 100), 'cut.json'), /cut\.json is not valid JSON \(damaged or truncated\?\)/);

  const truncated = readFileSync(path, 'utf8').slice(0, 300);
  writeFileSync(path, truncated);
  const out = await saveFrontierFile(dir, file([{ id: 'B', seed: 1, h: history(10, 30) }]));
  assert.ok(out.status === 'saved');
  if (out.status !== 'saved') return;
  assert.equal(out.path, join(dir, 'neuron-2.17-2.frontier.json'));
  assert.match(out.warning ?? '', /neuron-2\.17\.frontier\.json is damaged and was left untouched \(.*not valid JSON/);
  assert.equal(readFileSync(path, 'utf8'), truncated, 'the damaged file is not overwritten');
  assert.equal(parseFrontierFile(readFileSync(out.path, 'utf8'), out.path).runs[0].id, 'B');
});

test('the dataset slot is kept, validated and united on merge', async () => {
  const dir = scratch();
  const withData = (items: { ids: number[]; feature: number }[]) => ({
    ...file([{ id: `r${items.length}`, seed: items.length, h: history(11 + items.length, 20, 100 * items.length) }]),
    dataset: items.map((d) => ({ ...d, text: describe(d.ids).text, xe: 3.5, source: 'tiny corpus' })),
  });
  await saveFrontierFile(dir, withData([{ ids: [1, 2, 3], feature: 2 }]));
  await saveFrontierFile(dir, withData([{ ids: [1, 2, 3], feature: 2 }, { ids: [4, 5], feature: 1.5 }]));
  const f = parseFrontierFile(readFileSync(join(dir, 'neuron-2.17.frontier.json'), 'utf8'), 'f');
  assert.deepEqual(f.dataset?.map((d) => d.ids), [[1, 2, 3], [4, 5]]);
  assert.equal(f.runs.length, 2);
});

test('frontier file names are safe slugs of the feature name', () => {
  assert.equal(frontierFileName('neuron 2.17'), 'neuron-2.17.frontier.json');
  assert.equal(frontierFileName('logit " happy"'), 'logit-happy.frontier.json');
  assert.equal(frontierFileName('../../etc/passwd'), 'etc-passwd.frontier.json');
  assert.equal(frontierFileName('storyNeuron', 3), 'storyNeuron-3.frontier.json');
  assert.equal(frontierFileName('✨'), 'feature.frontier.json');
});
