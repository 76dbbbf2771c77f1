import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HfTokenizer } from '../../src/engine/tokenizers/hf-tokenizer';

const TINY = '/work/shared/models/tinystories-656k';
const GPT2 = '/work/shared/tokenizers/gpt2';
const NEOX = '/work/shared/tokenizers/gpt-neox-20b';

const SAMPLES = [
  'Once upon a time, there was a little girl named Lily. She wanted to play outside.',
  'Hello world',
  '  two leading spaces, tabs\tand\nnew lines\n\n',
  "It's 3.14 o'clock -- quotes \"here\" (and there)!",
];

test('tinystories-656k: SentencePiece-style BPE whose merges cross word boundaries', async () => {
  const tok = await HfTokenizer.load(TINY);
  assert.equal(tok.vocabSize, 2048);
  assert.equal(tok.bosId, 1);
  assert.equal(tok.eosId, 2);
  assert.equal(tok.addsBos, true);
  assert.deepEqual([...tok.specialIds].sort((a, b) => a - b), [0, 1, 2]);
  assert.equal(tok.tokenText(1), '<|start_story|>');

  const ids = tok.encode('Once upon a time, she wanted to play.');
  assert.ok(!ids.includes(1), 'encode returns ids without BOS');
  const pieces = ids.map((id) => tok.tokenText(id));
  assert.ok(pieces.includes('wanted to '), `pieces: ${JSON.stringify(pieces)}`);
  assert.equal(pieces.join(''), ' Once upon a time, she wanted to play.', 'pieces show ▁ as spaces and concatenate to the text');
  // Round trips for text the 2,048-token vocabulary covers (it has no tab or parentheses).
  for (const s of [SAMPLES[0], SAMPLES[1], "It's 3.14 o'clock -- \"here\"!\n\nThe end."]) assert.equal(tok.decode(tok.encode(s)), s);
  // No byte fallback in this vocabulary: an unknown character becomes <unk>.
  assert.ok(tok.encode('snow ☃ man').includes(0));
});

/** tokenText against the library's own byte-level decoder, for every token that is whole characters. */
function checkAllPieces(tok: HfTokenizer): number {
  let checked = 0;
  for (let id = 0; id < tok.vocabSize; id++) {
    const decoded = tok.decode([id]);
    if (decoded.includes('\uFFFD')) continue; // part of a multi-byte character
    assert.equal(tok.tokenText(id), decoded, `token ${id}`);
    checked++;
  }
  return checked;
}

test('GPT-2: byte-level BPE with the published ids', async () => {
  const tok = await HfTokenizer.load(GPT2);
  assert.deepEqual(tok.encode('Hello world'), [15496, 995]);
  assert.equal(tok.vocabSize, 50257);
  assert.equal(tok.eosId, 50256);
  assert.equal(tok.tokenText(50256), '<|endoftext|>');
  assert.ok(tok.specialIds.has(50256));
  assert.equal(tok.addsBos, false);
  assert.equal(tok.tokenText(995), ' world'); // Ġworld
  assert.equal(tok.tokenText(198), '\n'); // Ċ
  assert.equal(tok.tokenText(tok.encode('é')[0]), 'é');
  // A token holding half of a multi-byte character shows its raw bytes.
  const snowman = tok.encode('☃');
  assert.ok(snowman.length > 1);
  assert.match(snowman.map((id) => tok.tokenText(id)).join(''), /<0xE2>/);
  for (const s of [...SAMPLES, 'emoji 🦄 and ☃ and café']) assert.equal(tok.decode(tok.encode(s)), s);
  // The clean-up GPT-2's config asks for would turn " ," into ","; decode must not.
  assert.equal(tok.decode(tok.encode('a , b .')), 'a , b .');
  assert.throws(() => tok.tokenText(50257), /token id 50257 is not in the tokenizer's vocabulary/);
  assert.ok(checkAllPieces(tok) > 49_000);
});

test('GPT-NeoX-20B: added tokens and special ids', async () => {
  const tok = await HfTokenizer.load(NEOX);
  assert.equal(tok.tokenText(0), '<|endoftext|>');
  assert.equal(tok.tokenText(1), '<|padding|>');
  assert.equal(tok.bosId, 0);
  assert.equal(tok.eosId, 0);
  assert.equal(tok.addsBos, false);
  assert.ok(tok.specialIds.has(0) && tok.specialIds.has(1));
  assert.ok(!tok.specialIds.has(50276), 'the whitespace added tokens are not special');
  assert.equal(tok.vocabSize, 50278); // 50,254 base ids + 24 added ones above them (ids 0 and 1 are both)
  assert.deepEqual(tok.encode('Hello world'), [12092, 1533]);
  assert.equal(tok.tokenText(50276), '  ');
  for (const s of SAMPLES) assert.equal(tok.decode(tok.encode(s)), s);
  assert.equal(tok.decode([]), '');
  await assert.rejects(HfTokenizer.load('/work/shared/tokenizers'), /\/work\/shared\/tokenizers\/tokenizer\.json does not exist: Hugging Face models need a tokenizer\.json/);
  assert.equal(tok.tokenText(41497), '\uFEFF'); // a byte-order mark is a token here, and must show as one
  assert.ok(checkAllPieces(tok) > 49_000);
});
