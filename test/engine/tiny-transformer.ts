/**
 * A small pre-norm transformer block stack with random weights, built from the engine's ops, for
 * tests that need a realistic composite: causal grouped-query attention with rotary, an MLP,
 * RMSNorm or LayerNorm, residuals. Input and output are residual streams [batch, n, dModel].
 */
import {
  Graph, SymTensor, Dim, add, linear, splitHeads, rotary, causalAttention, reshape, rmsNorm, layerNorm, silu, geluTanh,
} from '../../src/engine/graph';
import { mulberry, randn } from '../helpers/fd';

export interface TinyConfig {
  layers: number;
  dModel: number;
  heads: number;
  kvHeads: number;
  mlp: number;
  n: number;
  norm: 'rms' | 'layer';
  rotary: { rotaryDim: number; pairing: 'adjacent' | 'half' };
  seed: number;
}

export const TINY: TinyConfig = {
  layers: 2, dModel: 16, heads: 4, kvHeads: 2, mlp: 24, n: 5, norm: 'rms', rotary: { rotaryDim: 4, pairing: 'half' }, seed: 1,
};

/** Builds the stack on `x` ([batch, n, dModel], float64) with weights drawn from cfg.seed. */
export function tinyTransformer(x: SymTensor, cfg: TinyConfig): SymTensor {
  const g: Graph = x.graph;
  const rand = mulberry(cfg.seed);
  const w = (shape: number[], scale: number) => g.constant(Float64Array.from(randn(rand, shape.reduce((a, b) => a * b, 1), scale)), shape);
  const headDim = cfg.dModel / cfg.heads;
  const norm = (h: SymTensor) => cfg.norm === 'rms'
    ? rmsNorm(h, w([cfg.dModel], 0.2), 1e-5)
    : layerNorm(h, w([cfg.dModel], 0.2), w([cfg.dModel], 0.1), 1e-5);
  const act = cfg.norm === 'rms' ? silu : geluTanh;
  const [batch, n] = x.shape as [Dim, number];
  const s = 1 / Math.sqrt(cfg.dModel);
  let resid = x;
  for (let l = 0; l < cfg.layers; l++) {
    const h = norm(resid);
    const rope = { ...cfg.rotary, theta: 10000 };
    const q = rotary(splitHeads(linear(h, w([cfg.heads * headDim, cfg.dModel], s)), cfg.heads), rope);
    const k = rotary(splitHeads(linear(h, w([cfg.kvHeads * headDim, cfg.dModel], s)), cfg.kvHeads), rope);
    const v = splitHeads(linear(h, w([cfg.kvHeads * headDim, cfg.dModel], s)), cfg.kvHeads);
    const { z } = causalAttention(q, k, v);
    const attnOut = linear(reshape(z, [batch, n, cfg.heads * headDim]), w([cfg.dModel, cfg.heads * headDim], s), w([cfg.dModel], 0.1));
    resid = add(resid, attnOut);
    const up = act(linear(norm(resid), w([cfg.mlp, cfg.dModel], s), w([cfg.mlp], 0.1)));
    resid = add(resid, linear(up, w([cfg.dModel, cfg.mlp], 1 / Math.sqrt(cfg.mlp))));
  }
  return norm(resid);
}
