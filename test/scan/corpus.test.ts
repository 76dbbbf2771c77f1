import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDocuments, listCorpus, CorpusDocument, ReadOptions } from '../../src/engine/scan/corpus';

const dir = mkdtempSync(join(tmpdir(), 'reverie-corpus-'));

async function all(path: string, opts: ReadOptions = {}, from?: { offset: number; line: number }): Promise<CorpusDocument[]> {
  const out: CorpusDocument[] = [];
  for await (const d of readDocuments(path, from, opts)) out.push(d);
  return out;
}

const TEXT = [
  'Once upon a time, there was a cat.\nThe cat was happy.',
  '  \t ',
  'Tom saw a dog — «très» 🐕 happy.\r\nThe end.\r',
  '',
  '',
  'Short.',
  ' \r',
  'Last story without a final newline',
].join('\n');

test('documents are split at blank lines, with their byte offsets and line numbers', async () => {
  const path = join(dir, 'a.txt');
  writeFileSync(path, TEXT);
  const docs = await all(path);
  assert.deepEqual(docs.map((d) => d.text), [
    'Once upon a time, there was a cat.\nThe cat was happy.',
    'Tom saw a dog — «très» 🐕 happy.\nThe end.',
    'Short.',
    'Last story without a final newline',
  ]);
  assert.deepEqual(docs.map((d) => d.line), [1, 4, 8, 10]);
  const bytes = Buffer.from(TEXT);
  for (const d of docs) {
    // Each offset is where the document's text starts in the file.
    assert.equal(bytes.subarray(d.offset, d.end).toString('utf8').replace(/\r\n/g, '\n'), d.text);
  }
});

test('chunk size never changes the documents (multi-byte characters cut across chunks included)', async () => {
  const path = join(dir, 'b.txt');
  writeFileSync(path, TEXT);
  const whole = await all(path);
  for (const chunkBytes of [1, 2, 3, 5, 7, 13, 64]) assert.deepEqual(await all(path, { chunkBytes }), whole, `chunk ${chunkBytes}`);
});

test('reading from a document start gives the rest of the documents unchanged', async () => {
  const path = join(dir, 'c.txt');
  writeFileSync(path, TEXT);
  const whole = await all(path);
  for (let i = 0; i < whole.length; i++) {
    assert.deepEqual(await all(path, { chunkBytes: 4 }, whole[i]), whole.slice(i), `from document ${i}`);
  }
});

test('overlong documents and lines are cut the same way whatever the chunk size', async () => {
  const path = join(dir, 'd.txt');
  const long = 'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu';
  writeFileSync(path, `one\ntwo\nthree\nfour\n\n${long}\nx\n\n${'é'.repeat(20)}\n`);
  const opts = { maxDocumentBytes: 16 };
  const docs = await all(path, opts);
  for (const d of docs) assert.ok(Buffer.byteLength(d.text) <= 16 * 2, `${JSON.stringify(d.text)} is bounded`);
  // The overlong line is cut after spaces, into pieces that rejoin to the line (its last piece goes on with the next line).
  const pieces = docs.filter((d) => d.line === 6).map((d) => d.text);
  assert.ok(pieces.length >= 4);
  assert.ok(pieces.slice(0, -1).every((p) => p.endsWith(' ')));
  assert.equal(pieces.join(''), `${long}\nx`);
  // A line without spaces is cut at character boundaries (no replacement characters).
  assert.equal(docs.filter((d) => d.line === 9).map((d) => d.text).join(''), 'é'.repeat(20));
  for (const chunkBytes of [1, 3, 8, 100]) assert.deepEqual(await all(path, { ...opts, chunkBytes }), docs, `chunk ${chunkBytes}`);
  for (let i = 0; i < docs.length; i++) assert.deepEqual(await all(path, { ...opts, chunkBytes: 5 }, docs[i]), docs.slice(i), `from ${i}`);
});

test('a corpus folder lists its .txt files recursively and in order; a named file of any extension counts', async () => {
  const root = join(dir, 'corpus');
  mkdirSync(join(root, 'sub'), { recursive: true });
  writeFileSync(join(root, 'b.txt'), 'b');
  writeFileSync(join(root, 'a.txt'), 'a');
  writeFileSync(join(root, 'README.md'), 'not text data');
  writeFileSync(join(root, 'sub', 'c.txt'), 'c');
  writeFileSync(join(dir, 'extra.text'), 'x');
  const files = await listCorpus([root, join(dir, 'extra.text')]);
  assert.deepEqual(files.map((f) => f.path.slice(dir.length + 1)), ['corpus/a.txt', 'corpus/b.txt', 'corpus/sub/c.txt', 'extra.text']);
  await assert.rejects(listCorpus([join(dir, 'missing')]), /corpus path not found: .*missing/);
  mkdirSync(join(dir, 'empty'));
  await assert.rejects(listCorpus([join(dir, 'empty')]), /no \.txt files in corpus folder/);
});
