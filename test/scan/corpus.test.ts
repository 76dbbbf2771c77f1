import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDocuments, listCorpus, CorpusDocument, ReadOptions, TEXT_SNIFF_BYTES } from '../../src/engine/scan/corpus';

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

test('a corpus file must be UTF-8 text: a binary named by mistake is refused by name', async () => {
  const bin = join(dir, 'weights.bin');
  writeFileSync(bin, Buffer.from([0x47, 0x47, 0x55, 0x46, 0x00, 0x01]));
  await assert.rejects(listCorpus([bin]), /weights\.bin is not a text file \(a NUL byte at offset 4\)/);
  const latin1 = join(dir, 'latin1.txt');
  writeFileSync(latin1, Buffer.from('caf\xe9 au lait', 'latin1'));
  await assert.rejects(listCorpus([latin1]), /latin1\.txt is not UTF-8 text/);
  // A multi-byte character cut by the end of the sniffed bytes is still text.
  const long = join(dir, 'long.txt');
  writeFileSync(long, 'a'.repeat(TEXT_SNIFF_BYTES - 1) + 'é and more');
  assert.equal((await listCorpus([long])).length, 1);
});

test('a corpus confined to a folder: only .txt files whose real path is inside it', async () => {
  const ws = join(dir, 'workspace');
  const outside = join(dir, 'secret.txt');
  mkdirSync(join(ws, 'corpus'), { recursive: true });
  writeFileSync(outside, 'the secret');
  writeFileSync(join(ws, 'corpus', 'a.txt'), 'a story');
  writeFileSync(join(ws, '..dots.txt'), 'a file whose name starts with two dots');
  writeFileSync(join(ws, 'notes.md'), 'not a corpus');
  const inside = await listCorpus([join(ws, 'corpus'), join(ws, '..dots.txt')], { within: ws });
  assert.deepEqual(inside.map((f) => f.path.slice(ws.length + 1)), ['corpus/a.txt', '..dots.txt']);
  // Named outright, through a relative escape, through a link, or through a linked folder: refused.
  await assert.rejects(listCorpus([outside], { within: ws }), /secret\.txt is outside the workspace folder/);
  await assert.rejects(listCorpus([join(ws, '..', 'secret.txt')], { within: ws }), /is outside the workspace folder/);
  symlinkSync(outside, join(ws, 'corpus', 'link.txt'));
  await assert.rejects(listCorpus([join(ws, 'corpus')], { within: ws }), /link\.txt \(it links to .*secret\.txt\) is outside the workspace folder/);
  const linkedDir = join(ws, 'linked');
  mkdirSync(join(dir, 'elsewhere'));
  writeFileSync(join(dir, 'elsewhere', 'b.txt'), 'b');
  symlinkSync(join(dir, 'elsewhere'), linkedDir);
  await assert.rejects(listCorpus([linkedDir], { within: ws }), /b\.txt .*is outside the workspace folder/);
  // /etc/passwd-like: a text file with another extension, even inside.
  await assert.rejects(listCorpus([join(ws, 'notes.md')], { within: ws }), /notes\.md is not a \.txt file/);
  // Without confinement (the user's own choice, the CLI) the same files are read.
  assert.equal((await listCorpus([outside, join(ws, 'notes.md')])).length, 2);
});
