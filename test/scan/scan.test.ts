import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel, LoadedModel } from '../../src/engine/models/load';
import { neuronFeature, PreparedFeature } from '../../src/engine/dream/dream';
import { buildScoreGraph } from '../../src/engine/dream/graphs';
import { EngineSession } from '../../src/engine/runtime/ort';
import { scanCorpus, datasetBaseline, ScanOptions, ScanResult, ScanStateMismatchError } from '../../src/engine/scan';

const STORY_A = 'Once upon a time, there was a little girl named Lily. She liked to play outside with her dog.\nOne day, the dog ran away.';
const STORY_B = 'Tom had a big red ball. He threw it high in the sky and laughed.';
const STORY_C = 'The sun was hot. "Let\'s go to the park!" said Mom. They ate ice cream under a tree.';
// Story A twice (identical windows), a document shorter than the window, blank lines made of spaces.
const TEXT = [STORY_A, STORY_B, 'Hi.', STORY_A, STORY_C].join('\n\n  \n');
const N = 8, TOP = 12;

const dir = mkdtempSync(join(tmpdir(), 'reverie-scan-'));
const corpus = join(dir, 'stories.txt');
let model: LoadedModel;
let feature: PreparedFeature;
let reference: { ids: number[]; feature: number; xe: number; doc: number }[];
let uninterrupted: ScanResult;

/** The windows scored one by one with the dream's score graph: the independent reference. */
async function referenceTop(): Promise<typeof reference> {
  const tok = model.tokenizer;
  const session = await EngineSession.create(buildScoreGraph({
    model: { name: model.name, arch: model.arch, weights: model.weights }, feature: feature.fn, n: N, bosId: tok.bosId,
  }));
  const docs = TEXT.split(/\n\s*\n/).map((d) => d.trim()).filter(Boolean);
  const all: typeof reference = [];
  for (const [d, text] of docs.entries()) {
    const ids = tok.encode(text);
    for (let s = 0; s + N <= ids.length; s++) {
      const w = ids.slice(s, s + N);
      const out = await session.run({ ids: { dtype: 'int64', dims: [1, N + 1], data: BigInt64Array.from([tok.bosId!, ...w].map(BigInt)) } });
      all.push({ ids: w, feature: (out.feature.data as Float32Array)[0], xe: (out.xe.data as Float32Array)[0], doc: d });
    }
  }
  await session.release();
  const first = new Map<string, (typeof all)[number]>();
  for (const e of all) if (!first.has(e.ids.join())) first.set(e.ids.join(), e);
  // Stable sort: equal features keep corpus order.
  return [...first.values()].sort((a, b) => b.feature - a.feature).slice(0, TOP);
}

/**
 * ONNX Runtime's kernels may block a batch of 1 and a batch of 64 differently, so values agree to
 * float32 rounding (a few 1e-7 here), not bit for bit; ids and order must agree exactly.
 */
function assertSameExamples(actual: { ids: number[]; feature: number; xe: number }[], expected: { ids: number[]; feature: number; xe: number }[], what: string): void {
  assert.deepEqual(actual.map((e) => e.ids), expected.map((e) => e.ids), `${what}: windows`);
  actual.forEach((e, i) => {
    for (const k of ['feature', 'xe'] as const) {
      assert.ok(Math.abs(e[k] - expected[i][k]) <= 1e-5 * Math.max(1, Math.abs(expected[i][k])), `${what}: ${k} of example ${i}: ${e[k]} vs ${expected[i][k]}`);
    }
  });
}

const options = (extra: Partial<ScanOptions> = {}): ScanOptions => ({ model, feature, corpus: [corpus], n: N, top: TOP, batchSize: 5, ...extra });
const strip = (r: ScanResult) => r.examples.map((e) => ({ ids: e.ids, feature: e.feature, xe: e.xe, line: e.line, window: e.window }));

before(async () => {
  writeFileSync(corpus, `${TEXT}\n`);
  model = await loadModel('stories260K');
  feature = neuronFeature(model, '2.17');
  reference = await referenceTop();
  uninterrupted = await scanCorpus(options());
});

test('a scan keeps exactly the top windows that scoring each window alone gives', () => {
  assert.equal(uninterrupted.examples.length, TOP);
  assertSameExamples(uninterrupted.examples, reference, 'scan vs one-by-one');
  for (const e of uninterrupted.examples) assert.equal(e.text, model.tokenizer.decode(e.ids));
});

test('counts: documents, tokens and windows of the corpus', () => {
  const tok = model.tokenizer;
  const docs = TEXT.split(/\n\s*\n/).map((d) => d.trim());
  const lengths = docs.map((d) => tok.encode(d).length);
  const c = uninterrupted.counts;
  assert.equal(c.documents, 5);
  assert.equal(c.tokens, lengths.reduce((s, v) => s + v, 0));
  assert.equal(c.windows, lengths.reduce((s, v) => s + Math.max(0, v - N + 1), 0));
  assert.equal(c.scored + c.duplicates, c.windows);
  assert.ok(uninterrupted.tokensPerSecond > 0);
});

test('identical windows are kept once, at their first occurrence, and not scored twice', () => {
  const keys = uninterrupted.examples.map((e) => e.ids.join());
  assert.equal(new Set(keys).size, keys.length);
  const repeat = model.tokenizer.encode(STORY_A).length - N + 1;
  assert.equal(uninterrupted.counts.duplicates, repeat, 'every window of the second copy of story A is a duplicate');
  const secondCopyLine = TEXT.split('\n').findIndex((l, i) => i > 0 && l.startsWith('Once upon')) + 1;
  assert.ok(uninterrupted.examples.every((e) => e.line !== secondCopyLine), 'no example comes from the repeated story');
});

test('tiny read chunks and other batch sizes give the same result', async () => {
  for (const extra of [{ chunkBytes: 3 }, { batchSize: 1 }, { batchSize: 64, chunkBytes: 17 }, { dedupeMemory: 1 }]) {
    const r = await scanCorpus(options(extra));
    assertSameExamples(r.examples, uninterrupted.examples, JSON.stringify(extra));
    assert.deepEqual(r.examples.map((e) => [e.line, e.window]), uninterrupted.examples.map((e) => [e.line, e.window]));
    assert.deepEqual({ ...r.counts, scored: 0, duplicates: 0 }, { ...uninterrupted.counts, scored: 0, duplicates: 0 });
  }
});

test('an interrupted scan resumed from its state ends with the uninterrupted result', async () => {
  for (const stopAfter of [1, 4, 9]) {
    const statePath = join(dir, `state-${stopAfter}.json`);
    const controller = new AbortController();
    let batches = 0;
    const first = await scanCorpus(options({
      statePath, checkpointEvery: 3, signal: controller.signal, chunkBytes: 11,
      onProgress: () => { if (++batches === stopAfter) controller.abort(); },
    }));
    assert.equal(first.cancelled, true, `stopped after ${stopAfter} batches`);
    assert.ok(first.counts.windows < uninterrupted.counts.windows);
    assert.ok(existsSync(statePath));
    const resumed = await scanCorpus(options({ statePath, resume: true }));
    assert.equal(resumed.cancelled, false);
    assert.equal(resumed.resumed, true);
    assertSameExamples(resumed.examples, uninterrupted.examples, `resumed after ${stopAfter} batches`);
    for (const k of ['documents', 'tokens', 'windows'] as const) assert.equal(resumed.counts[k], uninterrupted.counts[k], k);
    // A finished state is the result: resuming again scans nothing.
    const again = await scanCorpus(options({ statePath, resume: true, onReady: () => assert.fail('a finished scan must not start again') }));
    assert.deepEqual(strip(again), strip(resumed));
  }
});

test('a state of another scan is refused, naming what differs', async () => {
  const statePath = join(dir, 'state-other.json');
  await scanCorpus(options({ statePath }));
  await assert.rejects(scanCorpus(options({ statePath, resume: true, feature: neuronFeature(model, '1.5') })), (e: Error) => e instanceof ScanStateMismatchError && /feature is another one/.test(e.message));
  await assert.rejects(scanCorpus(options({ statePath, resume: true, n: N + 1 })), /window was 8, now 9/);
});

test('the panel baseline scans once, then answers from its cache until the corpus changes', async () => {
  const cacheDir = join(dir, 'cache');
  const own = join(dir, 'own.txt');
  writeFileSync(own, `${TEXT}\n`);
  let scans = 0;
  const base = { model, feature, corpus: [own], n: N, top: TOP, cacheDir, onReady: () => void scans++ };
  const first = await datasetBaseline(base);
  assert.equal(scans, 1);
  assert.equal(first.points.length, TOP);
  assert.ok(first.points.every((p) => p.source === 'own.txt'));
  assertSameExamples(first.points, uninterrupted.examples, 'baseline');
  const second = await datasetBaseline(base);
  assert.equal(scans, 1, 'the finished scan is reused');
  assert.deepEqual(second.points, first.points);
  writeFileSync(own, `${STORY_B}\n`);
  const third = await datasetBaseline(base);
  assert.equal(scans, 2, 'a changed corpus is scanned again');
  assert.equal(third.result.counts.documents, 1);
});
