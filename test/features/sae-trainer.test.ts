/** The example SAE's closed-form gradients (scripts/sae-trainer.ts) against central differences. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initSae, lossAndGrad, mulberry32, quality, SaeParams } from '../../scripts/sae-trainer';

for (const transcoder of [false, true]) test(`${transcoder ? 'transcoder' : 'SAE'} loss gradients match finite differences for every parameter`, () => {
  const rand = mulberry32(5);
  const dIn = 5, dSae = 7, m = 6, l1 = 0.3;
  // A transcoder reconstructs another target, of another width.
  const dOut = transcoder ? 4 : dIn;
  const x = Float32Array.from({ length: m * dIn }, () => rand() * 4 - 2);
  const y = transcoder ? Float32Array.from({ length: m * dOut }, () => rand() * 4 - 2) : x;
  const p: SaeParams = initSae(dIn, dSae, new Float32Array(dOut), rand, transcoder);
  // Give the encoder and biases generic values so that some latents are active and some not.
  p.W_enc.forEach((_, i) => (p.W_enc[i] = rand() * 2 - 1));
  p.b_enc.forEach((_, i) => (p.b_enc[i] = rand() - 0.5));
  p.b_dec.forEach((_, i) => (p.b_dec[i] = rand() - 0.5));
  const { grads } = lossAndGrad(p, x, m, l1, y);
  const eps = 1e-3;
  let checked = 0;
  for (const key of ['W_enc', 'b_enc', 'W_dec', 'b_dec'] as const) {
    for (let i = 0; i < p[key].length; i++) {
      const keep = p[key][i];
      p[key][i] = keep + eps;
      const up = lossAndGrad(p, x, m, l1, y).loss;
      p[key][i] = keep - eps;
      const down = lossAndGrad(p, x, m, l1, y).loss;
      p[key][i] = keep;
      const fd = (up - down) / (2 * eps);
      // Float32 parameters: differences carry ~1e-4 noise; a relu kink inside ±eps is rare at these values.
      assert.ok(Math.abs(fd - grads[key][i]) < 2e-3 + 2e-3 * Math.abs(fd), `${key}[${i}]: analytic ${grads[key][i]}, finite difference ${fd}`);
      checked++;
    }
  }
  assert.equal(checked, dIn * dSae + dSae * dOut + dSae + dOut);
});

test('quality: a perfect reconstruction explains all variance', () => {
  // Identity-like SAE on non-negative data: f = x, x̂ = x.
  const dIn = 3, m = 4;
  const p: SaeParams = { dIn, dSae: dIn, dOut: dIn, transcoder: false, W_enc: Float32Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1), b_enc: new Float32Array(3), W_dec: Float32Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1), b_dec: new Float32Array(3) };
  const x = Float32Array.of(1, 2, 0, 0, 1, 3, 2, 0, 1, 4, 1, 1);
  const q = quality(p, x, m);
  assert.ok(Math.abs(q.fve - 1) < 1e-9);
  assert.equal(q.l0, 9 / 4); // 2 + 2 + 2 + 3 non-zero entries
  assert.equal(q.dead, 0);
});
