import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSafetensorsFolder, readSafetensorsFile, readSafetensorsHeader, toFloat32 } from '../../src/engine/models/safetensors';

const TINY = '/work/shared/models/tinystories-656k';

interface RawTensor { dtype: string; shape: number[]; bytes: Uint8Array }

/** Writes a safetensors file the way the reference writer does (header padded to 8 bytes). */
function safetensorsBytes(tensors: Record<string, RawTensor>, metadata?: Record<string, string>, offsetsOverride?: Record<string, [number, number]>): Uint8Array {
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  let pos = 0;
  for (const [name, t] of Object.entries(tensors)) {
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: offsetsOverride?.[name] ?? [pos, pos + t.bytes.byteLength] };
    pos += t.bytes.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const out = new Uint8Array(8 + json.length + pos);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(new TextEncoder().encode(json), 8);
  let at = 8 + json.length;
  for (const t of Object.values(tensors)) { out.set(t.bytes, at); at += t.bytes.byteLength; }
  return out;
}

function f32(values: number[]): RawTensor {
  return { dtype: 'F32', shape: [values.length], bytes: new Uint8Array(new Float32Array(values).buffer) };
}

function withTmp(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reverie-st-'));
    try { await fn(dir); } finally { rmSync(dir, { recursive: true, force: true }); }
  };
}

/** IEEE 754 binary16 straight from its definition, to check the bit-twiddling table against. */
function halfByFormula(h: number): number {
  const sign = h & 0x8000 ? -1 : 1, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (mant / 1024);
  if (exp === 31) return mant ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + mant / 1024);
}

test('real checkpoint: tinystories-656k loads with its tied embedding alias', async () => {
  const t0 = performance.now();
  const { weights, metadata } = await loadSafetensorsFolder(TINY);
  const ms = performance.now() - t0;
  assert.equal(metadata['model.embed_tokens.weight'], 'lm_head.weight');
  assert.equal(weights.size, 21); // 20 stored + the alias
  const head = weights.get('lm_head.weight')!;
  assert.deepEqual(head.shape, [2048, 128]);
  assert.equal(weights.get('model.embed_tokens.weight'), head, 'the alias shares the stored tensor');
  let params = 0;
  for (const [name, w] of weights) if (name !== 'model.embed_tokens.weight') params += w.data.length;
  assert.equal(params, 656_000);
  // Reference values read with numpy (np.frombuffer(..., '<f4')).
  assert.deepEqual([...weights.get('model.norm.weight')!.data.slice(0, 4)], [0.640625, 0.69921875, 0.68359375, 0.6484375]);
  const sum = head.data.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum - 2512.834466814995) < 1e-6, `lm_head sum ${sum}`);
  assert.deepEqual(weights.get('model.layers.0.self_attn.k_proj.weight')!.shape, [64, 128]);
  assert.ok(ms < 2000, `load took ${ms} ms`);
});

test('F32 is a zero-copy view when aligned, a correct copy when not', () => {
  const values = [1.5, -2.25, 3e-40, Infinity];
  const aligned = new Uint8Array(new Float32Array(values).buffer);
  const view = toFloat32(aligned, 'F32', 't');
  assert.equal(view.buffer, aligned.buffer);
  assert.deepEqual([...view], [...new Float32Array(values)]);
  const backing = new Uint8Array(17);
  backing.set(aligned, 1);
  const misaligned = backing.subarray(1, 17);
  const copy = toFloat32(misaligned, 'F32', 't');
  assert.notEqual(copy.buffer, backing.buffer);
  assert.deepEqual([...copy], [...new Float32Array(values)]);
});

test('F16 widening matches the IEEE definition for all 65,536 bit patterns', () => {
  const bytes = new Uint8Array(65536 * 2);
  const dv = new DataView(bytes.buffer);
  for (let h = 0; h < 65536; h++) dv.setUint16(2 * h, h, true);
  const out = toFloat32(bytes, 'F16', 't');
  for (let h = 0; h < 65536; h++) {
    const want = halfByFormula(h);
    if (Number.isNaN(want)) assert.ok(Number.isNaN(out[h]), `0x${h.toString(16)} should be NaN`);
    else assert.ok(Object.is(out[h], want), `0x${h.toString(16)}: ${out[h]} != ${want}`);
  }
  // Known binary16 facts: max finite, smallest subnormal, smallest normal, -0, infinities.
  const known: [number, number][] = [[0x3c00, 1], [0xc000, -2], [0x7bff, 65504], [0x0001, 5.960464477539063e-8],
    [0x03ff, 6.097555160522461e-5], [0x0400, 6.103515625e-5], [0x3555, 0.333251953125], [0x8000, -0], [0x7c00, Infinity], [0xfc00, -Infinity]];
  for (const [h, v] of known) assert.ok(Object.is(out[h], v), `0x${h.toString(16)} → ${out[h]}, want ${v}`);
});

test('BF16 widening is exact: a bf16 copy of the real checkpoint loads to the same values', withTmp(async (dir) => {
  // TinyStories-656K was trained in bf16, so its fp32 weights survive truncation to bf16 unchanged.
  const { weights } = await readSafetensorsFile(join(TINY, 'model.safetensors'));
  const tensors: Record<string, RawTensor> = {};
  for (const [name, w] of weights) {
    const bits = new Uint32Array(w.data.buffer, w.data.byteOffset, w.data.length);
    const half = new Uint16Array(bits.length);
    for (let i = 0; i < bits.length; i++) {
      assert.equal(bits[i] & 0xffff, 0, `${name}[${i}] is not a bf16 value`);
      half[i] = bits[i] >>> 16;
    }
    tensors[name] = { dtype: 'BF16', shape: w.shape, bytes: new Uint8Array(half.buffer) };
  }
  writeFileSync(join(dir, 'model.safetensors'), safetensorsBytes(tensors));
  const bf = await readSafetensorsFile(join(dir, 'model.safetensors'));
  assert.equal(bf.weights.size, weights.size);
  for (const [name, w] of weights) assert.deepEqual(bf.weights.get(name)!.data, w.data, name);
  const special = toFloat32(new Uint8Array(new Uint16Array([0x3f80, 0xc040, 0x7f80, 0xff80, 0x7fc0, 0x0001, 0x8000]).buffer), 'BF16', 't');
  assert.deepEqual([...special.slice(0, 4)], [1, -3, Infinity, -Infinity]);
  assert.ok(Number.isNaN(special[4]));
  assert.equal(special[5], 2 ** -133); // bf16 subnormal
  assert.ok(Object.is(special[6], -0));
}));

test('sharded checkpoints load through model.safetensors.index.json', withTmp(async (dir) => {
  const { weights } = await readSafetensorsFile(join(TINY, 'model.safetensors'));
  const names = [...weights.keys()];
  const shardOf = (i: number) => (i < 8 ? 'model-00001-of-00002.safetensors' : 'model-00002-of-00002.safetensors');
  const shards: Record<string, Record<string, RawTensor>> = {};
  const weightMap: Record<string, string> = {};
  names.forEach((name, i) => {
    const w = weights.get(name)!;
    (shards[shardOf(i)] ??= {})[name] = { dtype: 'F32', shape: w.shape, bytes: new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength) };
    weightMap[name] = shardOf(i);
  });
  for (const [file, tensors] of Object.entries(shards)) {
    const meta: Record<string, string> = { format: 'pt', ...(tensors['lm_head.weight'] ? { 'model.embed_tokens.weight': 'lm_head.weight' } : {}) };
    writeFileSync(join(dir, file), safetensorsBytes(tensors, meta));
  }
  writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: 2624000 }, weight_map: weightMap }));
  const loaded = await loadSafetensorsFolder(dir);
  assert.equal(loaded.weights.size, 21);
  for (const [name, w] of weights) assert.deepEqual(loaded.weights.get(name)!.data, w.data, name);
  assert.equal(loaded.weights.get('model.embed_tokens.weight'), loaded.weights.get('lm_head.weight'));
  assert.equal(loaded.metadata.total_size, '2624000');

  // Only the tied alias asked for: the stored tensor is read under the alias name alone.
  const only = await loadSafetensorsFolder(dir, { include: (n) => n === 'model.embed_tokens.weight' });
  assert.deepEqual([...only.weights.keys()], ['model.embed_tokens.weight']);

  writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { ...weightMap, 'extra.weight': shardOf(0) } }));
  await assert.rejects(loadSafetensorsFolder(dir), /model-00001-of-00002\.safetensors: the index .* says this shard holds tensor 'extra\.weight'/);
  writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ weight_map: weightMap }));
  rmSync(join(dir, shardOf(20)));
  await assert.rejects(loadSafetensorsFolder(dir), /shard model-00002-of-00002\.safetensors .* is missing/);
}));

test('the header is validated before any tensor is read, with errors naming file and tensor', withTmp(async (dir) => {
  const ok = { a: f32([1, 2, 3]), b: f32([4, 5]) };
  const cases: [string, Uint8Array, RegExp][] = [
    ['short.safetensors', new Uint8Array(5), /short\.safetensors: 5 bytes is too short/],
    ['huge-header.safetensors', (() => { const b = safetensorsBytes(ok); new DataView(b.buffer).setBigUint64(0, 1n << 40n, true); return b; })(),
      /huge-header\.safetensors: header length 1099511627776 exceeds the file/],
    ['truncated.safetensors', safetensorsBytes(ok).subarray(0, -4), /truncated\.safetensors: tensor 'b': data_offsets \[12, 20\] fall outside the data section of 16 bytes/],
    ['overlap.safetensors', safetensorsBytes(ok, undefined, { b: [8, 16] }), /overlap\.safetensors: tensors 'a' \[0, 12\) and 'b' \[8, 16\) overlap/],
    ['shape.safetensors', safetensorsBytes({ a: { ...f32([1, 2, 3]), shape: [2, 2] } }), /shape\.safetensors: tensor 'a': F32 \[2,2\] needs 16 bytes but data_offsets span 12/],
    ['dtype.safetensors', safetensorsBytes({ a: { ...f32([1]), dtype: 'F42' } }), /dtype\.safetensors: tensor 'a': unknown dtype "F42"/],
    ['json.safetensors', (() => { const b = safetensorsBytes(ok); b[8] = 0x5b; return b; })(), /json\.safetensors: the safetensors header is not valid UTF-8 JSON/],
  ];
  for (const [file, bytes, message] of cases) {
    writeFileSync(join(dir, file), bytes);
    await assert.rejects(readSafetensorsFile(join(dir, file)), message, file);
  }
  // A valid file with an integer tensor: the header is fine, loading it as weights is not.
  writeFileSync(join(dir, 'int.safetensors'), safetensorsBytes({ a: f32([1]), 'attention.bias': { dtype: 'I64', shape: [1], bytes: new Uint8Array(8) } }));
  const header = await readSafetensorsHeader(join(dir, 'int.safetensors'));
  assert.equal(header.entries.get('attention.bias')!.dtype, 'I64');
  await assert.rejects(readSafetensorsFile(join(dir, 'int.safetensors')), /int\.safetensors: tensor 'attention\.bias' has dtype I64; only F32, F16, BF16/);
  const skipped = await readSafetensorsFile(join(dir, 'int.safetensors'), { include: (n) => !n.endsWith('.bias') });
  assert.deepEqual([...skipped.weights.keys()], ['a']);
  await assert.rejects(loadSafetensorsFolder(join(dir, 'nowhere')), /nowhere: no model\.safetensors or model\.safetensors\.index\.json/);
}));

test('a checkpoint too large for memory is refused before any tensor is read, saying how much it needs', async () => {
  // tinystories-656k: 0.66 M parameters = 2.6 MB as fp32; pretend the machine has 1 MB.
  await assert.rejects(loadSafetensorsFolder('/work/shared/models/tinystories-656k', { memoryLimit: 1 << 20 }),
    /model\.safetensors: its 0\.\d M parameters need 2\.\d MiB as fp32 weights \(a dream peaks at about \d\.\d MiB\), more than this machine's 1\.0 MiB of memory/);
  const { weights } = await loadSafetensorsFolder('/work/shared/models/tinystories-656k', { memoryLimit: 64 << 20 });
  assert.ok(weights.size > 0);
});
