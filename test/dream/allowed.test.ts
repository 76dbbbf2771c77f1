import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SentencePieceTokenizer } from '../../src/engine/tokenizers/sentencepiece';
import { allowedTokens } from '../../src/engine/dream/backend';

test('allowed tokens exclude specials, control-character byte tokens and padded rows', async () => {
  const tok = await SentencePieceTokenizer.load('media/models/stories260K/tok512.bin');
  const allowed = allowedTokens(tok, 520); // 8 padded rows past the tokenizer
  for (const id of [0, 1, 2]) assert.equal(allowed[id], 0, `special ${id}`);
  assert.equal(allowed[3 + 0x03], 0, '<0x03> is a control character');
  assert.equal(allowed[3 + 0x0a], 1, 'newline stays');
  assert.equal(allowed[3 + 0x41], 1, "'A' as a byte token stays");
  assert.equal(allowed[3 + 0xc3], 1, 'a UTF-8 lead byte stays (it combines with its neighbours)');
  assert.equal(allowed[317], 1, "' Lily'");
  for (let v = 512; v < 520; v++) assert.equal(allowed[v], 0, `padded row ${v}`);
});
