/**
 * xoshiro128** (Blackman & Vigna): a small, fast PRNG whose whole state is four uint32 words, so a
 * run can be checkpointed and resumed mid-stream. EPO uses nothing else for randomness.
 */
export type PrngState = [number, number, number, number];

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** splitmix32 step: spreads a seed over the state (its first output is a bijection of x). */
function splitmix32(x: number): [next: number, out: number] {
  const next = (x + 0x9e3779b9) >>> 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [next, (z ^ (z >>> 16)) >>> 0];
}

export class Prng {
  private s: Uint32Array;

  private constructor(state: PrngState) {
    this.s = Uint32Array.from(state);
  }

  /** Seeds from any non-negative safe integer (the low and high 32 bits seed separate words). */
  static fromSeed(seed: number): Prng {
    if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`PRNG seed must be an integer 0 … 2^53-1, got ${seed}`);
    const lo = seed >>> 0, hi = Math.floor(seed / 2 ** 32) >>> 0;
    let a = lo, b = (hi ^ 0x5bd1e995) >>> 0;
    const words: number[] = [];
    for (let i = 0; i < 2; i++) { const [n, o] = splitmix32(a); a = n; words.push(o); }
    for (let i = 0; i < 2; i++) { const [n, o] = splitmix32(b); b = n; words.push(o); }
    if (!words.some((w) => w !== 0)) words[0] = 1; // the all-zero state is a fixed point
    return new Prng(words as PrngState);
  }

  static fromState(state: readonly number[]): Prng {
    if (state.length !== 4 || state.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffffffff)) {
      throw new Error(`PRNG state must be four uint32 words, got ${JSON.stringify(state)}`);
    }
    if (state.every((w) => w === 0)) throw new Error('PRNG state must not be all zero');
    return new Prng(state as PrngState);
  }

  state(): PrngState {
    return [this.s[0], this.s[1], this.s[2], this.s[3]];
  }

  /** Next uint32. */
  nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform integer in [0, n), unbiased (rejects the top sliver of the uint32 range). */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 2 ** 32) throw new Error(`Prng.int needs an integer range 1 … 2^32, got ${n}`);
    const limit = 2 ** 32 - (2 ** 32 % n);
    let u = this.nextU32();
    while (u >= limit) u = this.nextU32();
    return u % n;
  }

  /** Uniform float in [0, 1) with 53 random bits. */
  float(): number {
    const a = this.nextU32() >>> 5, b = this.nextU32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** Uniform float in [lo, hi]. */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.float();
  }
}
