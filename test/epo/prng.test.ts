import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../src/engine/epo/prng';

/** Straightforward BigInt xoshiro128** (independent of the uint32 tricks in prng.ts). */
function reference(state: number[], count: number): number[] {
  const M = (1n << 32n) - 1n;
  let [a, b, c, d] = state.map(BigInt);
  const rotl = (x: bigint, k: bigint) => ((x << k) | (x >> (32n - k))) & M;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    out.push(Number((rotl((b * 5n) & M, 7n) * 9n) & M));
    const t = (b << 9n) & M;
    c ^= a; d ^= b; b ^= c; a ^= d; c ^= t; d = rotl(d, 11n);
  }
  return out;
}

test('prng: xoshiro128** matches the published first outputs and a BigInt reference', () => {
  const p = Prng.fromState([1, 2, 3, 4]);
  const got = Array.from({ length: 1000 }, () => p.nextU32());
  assert.deepEqual(got.slice(0, 4), [11520, 0, 5927040, 70819200]);
  assert.deepEqual(got, reference([1, 2, 3, 4], 1000));
});

test('prng: state round-trips mid-stream; seeds differ', () => {
  const a = Prng.fromSeed(7);
  for (let i = 0; i < 10; i++) a.nextU32();
  const b = Prng.fromState(a.state());
  assert.deepEqual(Array.from({ length: 20 }, () => a.int(1000)), Array.from({ length: 20 }, () => b.int(1000)));
  assert.notDeepEqual(Prng.fromSeed(0).state(), Prng.fromSeed(1).state());
  assert.notDeepEqual(Prng.fromSeed(1).state(), Prng.fromSeed(2 ** 32 + 1).state());
});

test('prng: int is uniform enough and in range; float in [0,1)', () => {
  const p = Prng.fromSeed(3);
  const counts = new Array(7).fill(0);
  for (let i = 0; i < 70000; i++) counts[p.int(7)]++;
  for (const c of counts) assert.ok(Math.abs(c - 10000) < 400, `bucket ${c}`);
  for (let i = 0; i < 1000; i++) { const f = p.float(); assert.ok(f >= 0 && f < 1); }
  const u = p.uniform(0.667, 6);
  assert.ok(u >= 0.667 && u <= 6);
  assert.throws(() => Prng.fromState([0, 0, 0, 0]), /all zero/);
});
