/** A 2-layer transformer stack: gradient w.r.t. the input embeddings against finite differences. */
import { test } from 'node:test';
import { expectGradient, mulberry, randomInput } from '../helpers/fd';
import { TINY, tinyTransformer } from './tiny-transformer';

const rand = mulberry(8);

test('2 layers, RMSNorm, SiLU MLP, GQA 4/2 heads, half-pairing rotary on 4 of 6 head dims', async () => {
  const cfg = { ...TINY, dModel: 24, norm: 'rms' as const, rotary: { rotaryDim: 4, pairing: 'half' as const } };
  await expectGradient('stack rms', 'float64', [randomInput(rand, 'emb', [1, cfg.n, cfg.dModel])], ([x]) => tinyTransformer(x, cfg));
});

test('2 layers, LayerNorm, tanh-GELU MLP, GQA 4/2 heads, adjacent-pairing rotary on 6 of 8 head dims, batch 2', async () => {
  const cfg = { ...TINY, dModel: 32, norm: 'layer' as const, rotary: { rotaryDim: 6, pairing: 'adjacent' as const }, seed: 2 };
  await expectGradient('stack layer', 'float64', [randomInput(rand, 'emb', [2, 4, cfg.dModel])], ([x]) => tinyTransformer(x, { ...cfg, n: 4 }));
});
