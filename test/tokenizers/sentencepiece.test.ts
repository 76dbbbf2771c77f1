import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { SentencePieceTokenizer } from '../../src/engine/tokenizers/sentencepiece';
import { stories260kFile } from '../models/llama2c-files';

const TOK = stories260kFile('tok512.bin');
const fixture: { generator: string; cases: { text: string; ids: number[] }[] } =
  JSON.parse(readFileSync('test/fixtures/stories260k-tokenizer.json', 'utf8'));

const PARAGRAPH =
  'Once upon a time, there was a little girl named Lily. She loved to play outside in the park.\n' +
  'One day, she saw 3 big dogs and 12 birds! "Wow," said Lily. "Can I play too?"\n\n' +
  'Her friend Zoé smiled 😀 — and they played until 5:30. The end… 🐶🎉\t(really)';

/** The bytes a token stands for: its piece, or the single byte of a <0xNN> token. */
function tokenBytes(tok: SentencePieceTokenizer, id: number): number[] {
  return id >= 3 && id < 259 ? [id - 3] : [...tok.pieceBytes(id)];
}

test('vocabulary: 512 pieces, BOS/EOS/specials, spaces stored as real spaces', async () => {
  const tok = await SentencePieceTokenizer.load(TOK, 512);
  assert.equal(tok.vocabSize, 512);
  assert.equal(tok.bosId, 1);
  assert.equal(tok.eosId, 2);
  assert.equal(tok.addsBos, true);
  assert.deepEqual([...tok.specialIds].sort(), [0, 1, 2]);
  assert.equal(tok.maxTokenLength, 7);
  assert.deepEqual([...tok.pieceBytes(317)], [...Buffer.from(' Lily')]);
  assert.deepEqual([...tok.pieceBytes(1)], [...Buffer.from('\n<s>\n')]);
  await assert.rejects(SentencePieceTokenizer.load(TOK, 32000), /tok512\.bin.*512 tokens.*32000/);
});

test('encodings verified by hand from the vocabulary', async () => {
  const tok = await SentencePieceTokenizer.load(TOK);
  assert.deepEqual(tok.encode(''), []); // no dummy prefix for empty text (llama2.c)
  // ' '+L+i+l+y: best pair 'il' (-31), then ' L' (-48), 'ily' (-51), ' Lily' (-58) = id 317.
  assert.deepEqual(tok.encode('Lily'), [317]);
  // Each word is a piece: ' Once' 403, ' upon' 407, ' a' 261, ' time' 378.
  assert.deepEqual(tok.encode('Once upon a time'), [403, 407, 261, 378]);
  // No '\n' piece: the newline falls back to byte 0x0A + 3 = 13 after the lone dummy space 410.
  assert.deepEqual(tok.encode('\n'), [410, 13]);
  // 'é' is piece 485 but ' é' is not; 😀 (F0 9F 98 80) is not a piece: four byte tokens.
  assert.deepEqual(tok.encode('é'), [410, 485]);
  assert.deepEqual(tok.encode('😀'), [410, 0xf0 + 3, 0x9f + 3, 0x98 + 3, 0x80 + 3]);
  // ' x' is no piece; 'oo' (-88) ties at two overlapping places and the leftmost merges first.
  assert.deepEqual(tok.encode('xooo'), [410, 444, 347, 414]);
  // NUL ends a C string in llama2.c; here it is an ordinary character and falls back to <0x00>.
  assert.deepEqual(tok.encode('a\0'), [261, 3]);
});

test('matches the independent Python reference encoder on every fixture string', async () => {
  const tok = await SentencePieceTokenizer.load(TOK);
  assert.ok(fixture.cases.length >= 20);
  for (const { text, ids } of fixture.cases) assert.deepEqual(tok.encode(text), ids, JSON.stringify(text));
});

test('encode invariants: ids in range, bytes reassemble the text, no mergeable pair left', async () => {
  const tok = await SentencePieceTokenizer.load(TOK);
  const texts = [PARAGRAPH, ...fixture.cases.map((c) => c.text)].filter((t) => t !== '');
  for (const text of texts) {
    const ids = tok.encode(text);
    assert.ok(ids.every((id) => Number.isInteger(id) && id >= 3 && id < 512), `ids in range for ${JSON.stringify(text)}`);
    assert.deepEqual(ids.flatMap((id) => tokenBytes(tok, id)), [...Buffer.from(' ' + text)]);
    // The merge loop only stops when no adjacent pair concatenates (as stored pieces) to a
    // vocabulary entry, whatever its score: so no such pair may remain.
    const stored = new Map<string, number>();
    for (let id = 0; id < tok.vocabSize; id++) stored.set(Buffer.from(tok.pieceBytes(id)).toString('latin1'), id);
    for (let i = 0; i + 1 < ids.length; i++) {
      const joined = Buffer.concat([tok.pieceBytes(ids[i]), tok.pieceBytes(ids[i + 1])]).toString('latin1');
      assert.ok(!stored.has(joined), `pair ${ids[i]},${ids[i + 1]} of ${JSON.stringify(text)} still merges into ${stored.get(joined)}`);
    }
  }
});

test('decode: round trip, byte tokens reassembled into characters, leading dummy space removed', async () => {
  const tok = await SentencePieceTokenizer.load(TOK);
  assert.equal(tok.decode(tok.encode(PARAGRAPH)), PARAGRAPH);
  for (const { text } of fixture.cases) assert.equal(tok.decode(tok.encode(text)), text, JSON.stringify(text));
  assert.equal(tok.decode([0xf0 + 3, 0x9f + 3, 0x98 + 3, 0x80 + 3]), '😀');
  assert.equal(tok.decode([1, 317, 317, 2]), 'Lily Lily'); // BOS/EOS print nothing
  assert.equal(tok.decode([317, 1, 317]), 'LilyLily'); // llama2.c also strips the space after BOS
  assert.equal(tok.decode([260]), 'he');
  assert.equal(tok.decode([]), '');
  assert.throws(() => tok.decode([512]), /512 is outside the vocabulary/);
});

test('tokenText shows pieces for display', async () => {
  const tok = await SentencePieceTokenizer.load(TOK);
  assert.equal(tok.tokenText(317), ' Lily');
  assert.equal(tok.tokenText(13), '\n');
  assert.equal(tok.tokenText(0x41 + 3), 'A');
  assert.equal(tok.tokenText(0xc3 + 3), '<0xC3>'); // half a character is no character
  assert.equal(tok.tokenText(485), 'é');
  assert.equal(tok.tokenText(1), '<s>');
  assert.equal(tok.tokenText(2), '</s>');
  assert.equal(tok.tokenText(0), '<unk>');
});

test('encoding is fast and not quadratic, even without spaces', async () => {
  const tok = await SentencePieceTokenizer.load(TOK);
  // 60k characters in one space-free segment: a rescan-after-every-merge loop needs ~1e9 steps.
  const run = 'theandingedhappy'.repeat(4000).slice(0, 60_000);
  const t0 = performance.now();
  const ids = tok.encode(run);
  const ms = performance.now() - t0;
  assert.equal(tok.decode(ids), run);
  assert.ok(ms < 3000, `60k-character segment took ${ms.toFixed(0)} ms`);
});
