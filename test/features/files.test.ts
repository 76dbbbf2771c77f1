/**
 * Reading what feature files name: .npy files written by numpy itself (fixtures/npy/make_npy.py),
 * JSON and safetensors vectors, SAELens configs, and tokens given as text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseNpy, readVector, splitTensorRef } from '../../src/engine/features/vectors';
import { encodeNpy, encodeSafetensors } from '../../src/engine/features/write-tensors';
import { readSae, latentEncoder } from '../../src/engine/features/sae';
import { resolveTokenText, checkTokenId } from '../../src/engine/features/tokens';
import { stories260K, workspace } from './helpers';

const NPY = 'test/features/fixtures/npy';
const VALUES = Array.from({ length: 8 }, (_, i) => i * 0.5 - 1.25);
const npy = (name: string) => parseNpy(readFileSync(join(NPY, name)), name);

test('.npy files from numpy: float16/32/64, a single row, format 2.0', () => {
  for (const f of ['f4.npy', 'f8.npy', 'f2.npy', 'row.npy', 'v2.npy']) assert.deepEqual(Array.from(npy(f)), VALUES, f);
  assert.throws(() => npy('big-endian.npy'), /big-endian\.npy has dtype '>f4'; only little-endian float16, float32 or float64 \('<f2', '<f4', '<f8'\) are read/);
  assert.throws(() => npy('matrix.npy'), /matrix\.npy has shape \[2, 4\]; a vector must be one-dimensional/);
  assert.throws(() => npy('int.npy'), /has dtype '<i4'/);
  assert.throws(() => parseNpy(readFileSync(join(NPY, 'f4.npy')).subarray(0, 150), 'cut'), /cut: shape \(8,\) needs 32 bytes of data, the file has 22/);
  assert.throws(() => parseNpy(new TextEncoder().encode('[1, 2]'), 'text'), /text is not a \.npy file/);
});

test('our .npy writer round-trips through the reader, and matches numpy byte for byte', () => {
  assert.deepEqual(Buffer.from(encodeNpy(VALUES)), readFileSync(join(NPY, 'f4.npy')));
  assert.deepEqual(Buffer.from(encodeNpy(VALUES, [8], 'float64')), readFileSync(join(NPY, 'f8.npy')));
});

test('JSON and safetensors vectors, and unsupported files', async () => {
  const root = workspace({
    'v.json': '[0.5, -1, 2]',
    'row.json': '[[1, 2]]',
    'bad.json': '[1, "x"]',
    'w.safetensors': encodeSafetensors({ a: { shape: [3], data: Float32Array.of(1, 2, 3) }, b: { shape: [1, 2], data: Float32Array.of(4, 5) }, m: { shape: [2, 2], data: new Float32Array(4) } }),
    'one.safetensors': encodeSafetensors({ only: { shape: [2], data: Float32Array.of(7, 8) } }),
    'v.txt': '1 2 3',
  });
  const read = (ref: string) => {
    const { file, tensor } = splitTensorRef(ref);
    return readVector(join(root, file), tensor, ref).then((v) => Array.from(v));
  };
  assert.deepEqual(await read('v.json'), [0.5, -1, 2]);
  assert.deepEqual(await read('row.json'), [1, 2]);
  await assert.rejects(read('bad.json'), /vector 'bad\.json': entry 1 is "x", not a finite number/);
  assert.deepEqual(await read('w.safetensors#a'), [1, 2, 3]);
  assert.deepEqual(await read('w.safetensors#b'), [4, 5]);
  assert.deepEqual(await read('one.safetensors'), [7, 8]);
  await assert.rejects(read('w.safetensors'), /holds 3 tensors \(a, b, m\); name one as file\.safetensors#tensor/);
  await assert.rejects(read('w.safetensors#zz'), /has no tensor 'zz' \(it has a, b, m\)/);
  await assert.rejects(read('w.safetensors#m'), /#m has shape \[2, 2\]; a vector must be one-dimensional/);
  await assert.rejects(read('v.txt'), /unsupported file type '\.txt'; use \.npy, \.json or file\.safetensors#tensor/);
  await assert.rejects(read('missing.npy'), /vector 'missing\.npy': cannot read .*missing\.npy \(ENOENT\)/);
});

function saeFiles(cfg: object, dIn = 4, dSae = 3, extra: Record<string, { shape: number[]; data: Float32Array }> = {}) {
  return {
    'cfg.json': JSON.stringify(cfg),
    'sae_weights.safetensors': encodeSafetensors({
      W_enc: { shape: [dIn, dSae], data: Float32Array.from({ length: dIn * dSae }, (_, i) => i) },
      b_enc: { shape: [dSae], data: Float32Array.of(...Array.from({ length: dSae }, (_, i) => -i)) },
      W_dec: { shape: [dSae, dIn], data: new Float32Array(dSae * dIn) },
      b_dec: { shape: [dIn], data: Float32Array.from({ length: dIn }, (_, i) => i / 10) },
      ...extra,
    }),
  };
}

test('SAELens configs: hook names old and new, b_dec handling, refused variants', async () => {
  const dir = (files: Record<string, string | Uint8Array>) => workspace(files);
  const sae = await readSae(dir(saeFiles({ hook_name: 'blocks.1.hook_resid_post' })), 'a');
  const enc = latentEncoder(sae, 1, false, 'a');
  assert.deepEqual(enc, { hook: 'blocks.1.hook_resid_post', wEnc: [1, 4, 7, 10], bEnc: -1, bDec: [0, 0.1, 0.2, 0.3].map((v) => Math.fround(v)), activation: 'relu', threshold: undefined });
  assert.equal(latentEncoder(sae, 1, true, 'a').activation, 'none');
  assert.throws(() => latentEncoder(sae, 3, false, './a'), /latent 3 does not exist: SAE '\.\/a' has 3 latents \(0–2\)/);

  const legacy = await readSae(dir(saeFiles({ hook_point: 'blocks.0.mlp.hook_post', apply_b_dec_to_input: false })), 'b');
  assert.equal(legacy.hookName, 'blocks.0.mlp.hook_post');
  assert.equal(latentEncoder(legacy, 0, false, 'b').bDec, null);
  const v6 = await readSae(dir(saeFiles({ metadata: { hook_name: 'blocks.2.hook_resid_pre' }, architecture: 'standard' })), 'c');
  assert.equal(v6.hookName, 'blocks.2.hook_resid_pre');
  const jump = await readSae(dir(saeFiles({ hook_name: 'x', architecture: 'jumprelu' }, 4, 3, { threshold: { shape: [3], data: Float32Array.of(0.1, 0.2, 0.3) } })), 'd');
  assert.equal(latentEncoder(jump, 2, false, 'd').threshold, Math.fround(0.3));

  await assert.rejects(readSae(dir(saeFiles({})), 'e'), /SAE 'e': cfg\.json names no hook/);
  await assert.rejects(readSae(dir(saeFiles({ hook_name: 'x', architecture: 'topk' })), 'f'), /cfg\.json of a TopK SAE must give k, the latents kept per token, as an integer ≥ 1 \(got undefined\)/);
  await assert.rejects(readSae(dir(saeFiles({ hook_name: 'x', architecture: 'gated' })), 'f2'), /'gated' SAEs are not supported/);
  await assert.rejects(readSae(dir(saeFiles({ hook_name: 'x', normalize_activations: 'expected_average_only_in' })), 'g'), /normalize_activations 'expected_average_only_in' needs its norm_scaling_factor in cfg.json/);
  await assert.rejects(readSae(dir(saeFiles({ hook_name: 'x', d_in: 5 })), 'h'), /cfg\.json says d_in = 5 but W_enc is \[4, 3\]/);
  await assert.rejects(readSae(dir(saeFiles({ hook_name: 'x', architecture: 'jumprelu' })), 'i'), /has no 'threshold'/);
  await assert.rejects(readSae(dir({ 'cfg.json': '{"hook_name": "x"}' }), 'j'), /SAE 'j': no sae_weights\.safetensors in/);
  const wrong = saeFiles({ hook_name: 'x' });
  wrong['sae_weights.safetensors'] = encodeSafetensors({
    W_enc: { shape: [4, 3], data: new Float32Array(12) }, b_enc: { shape: [4], data: new Float32Array(4) },
    W_dec: { shape: [3, 4], data: new Float32Array(12) }, b_dec: { shape: [4], data: new Float32Array(4) },
  });
  await assert.rejects(readSae(dir(wrong), 'k'), /b_enc is \[4\], expected \[3\] for W_enc \[4, 3\]/);
});

test('tokens by text: one token, the dummy-prefix space, byte tokens, and clear errors', async () => {
  const { tokenizer } = await stories260K();
  assert.equal(resolveTokenText(tokenizer, ' happy', 'stories260K'), 393);
  assert.equal(tokenizer.tokenText(393), ' happy');
  // '.' is both a byte-fallback token (<0x2E>) and a piece; the piece is what text encodes to.
  const dot = resolveTokenText(tokenizer, '.', 'stories260K');
  assert.deepEqual(tokenizer.encode('Hi.').slice(-1), [dot]);
  assert.throws(() => resolveTokenText(tokenizer, ' doghouse', 'stories260K'), { message: "' doghouse' is 5 tokens for stories260K: ' do' 'g' 'h' 'ou' 'se' — give a single token" });
  assert.throws(() => resolveTokenText(tokenizer, 'happy', 'stories260K'), { message: "'happy' is not a token of stories260K as written; it encodes as ' happy' (id 393) — write ' happy'" });
  assert.throws(() => resolveTokenText(tokenizer, "it's\n", 'm'), /'it\\'s\\n' is \d+ tokens for m: /);
  assert.equal(checkTokenId(tokenizer, 511, 512, 'm'), 511);
  assert.throws(() => checkTokenId(tokenizer, 512, 512, 'm'), { message: "token id 512 is outside m's vocabulary (0–511)" });
});
