/** Seeded random numbers for the EPO tests (the engine's own PRNG, so tests depend on nothing shared). */
import { Prng } from '../../src/engine/epo/prng';

export function uniform(seed: number): () => number {
  const p = Prng.fromSeed(seed);
  return () => p.float();
}

/** n normal samples × scale (Box–Muller). */
export function normals(rand: () => number, n: number, scale = 1): number[] {
  return Array.from({ length: n }, () => scale * Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand()));
}
