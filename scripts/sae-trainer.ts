/**
 * A standard ReLU sparse autoencoder in plain JS, with closed-form gradients and Adam:
 *   f = relu((x − b_dec)·W_enc + b_enc),   x̂ = f·W_dec + b_dec,
 *   loss = mean over the batch of ‖x̂ − y‖² + l1 · Σ_i f_i,   y = x,
 * with W_dec's rows kept at unit norm (so the L1 penalty cannot be dodged by shrinking f and
 * growing W_dec). Layouts follow SAELens: W_enc [d_in, d_sae], W_dec [d_sae, d_out].
 *
 * A transcoder is the same with another target y (the MLP's output for its input x, d_out wide)
 * and an encoder that does not subtract b_dec, which lies in the output space (SAELens's
 * transcoder: f = relu(x·W_enc + b_enc)).
 */

export interface SaeParams {
  dIn: number;
  dSae: number;
  /** Width of the reconstruction (d_in for an SAE). */
  dOut: number;
  /** A transcoder: the encoder does not subtract b_dec. */
  transcoder: boolean;
  W_enc: Float32Array;
  b_enc: Float32Array;
  W_dec: Float32Array;
  b_dec: Float32Array;
}

export type SaeGrads = Pick<SaeParams, 'W_enc' | 'b_enc' | 'W_dec' | 'b_dec'>;

const KEYS = ['W_enc', 'b_enc', 'W_dec', 'b_dec'] as const;

export { mulberry32 } from '../src/engine/util/random';

export function normalizeDecoderRows(p: SaeParams): void {
  for (let i = 0; i < p.dSae; i++) {
    let s = 0;
    for (let j = 0; j < p.dOut; j++) s += p.W_dec[i * p.dOut + j] ** 2;
    const inv = 1 / Math.sqrt(s || 1);
    for (let j = 0; j < p.dOut; j++) p.W_dec[i * p.dOut + j] *= inv;
  }
}

/**
 * Random unit decoder directions, b_dec = the target's mean. An SAE's encoder is its decoder
 * transposed; a transcoder's (input and output spaces differ) is random with unit columns.
 */
export function initSae(dIn: number, dSae: number, mean: Float32Array, rand: () => number, transcoder = false): SaeParams {
  const dOut = mean.length;
  const normal = () => Math.sqrt(-2 * Math.log(Math.max(rand(), 1e-12))) * Math.cos(2 * Math.PI * rand());
  const W_dec = Float32Array.from({ length: dSae * dOut }, normal);
  const p: SaeParams = { dIn, dSae, dOut, transcoder, W_enc: new Float32Array(dIn * dSae), b_enc: new Float32Array(dSae), W_dec, b_dec: Float32Array.from(mean) };
  normalizeDecoderRows(p);
  if (!transcoder) {
    if (dOut !== dIn) throw new Error(`an SAE reconstructs its input: d_out ${dOut} must equal d_in ${dIn}`);
    for (let i = 0; i < dSae; i++) for (let j = 0; j < dIn; j++) p.W_enc[j * dSae + i] = p.W_dec[i * dIn + j];
  } else {
    for (let j = 0; j < dIn * dSae; j++) p.W_enc[j] = normal() / Math.sqrt(dIn);
  }
  return p;
}

/** Latent activations (pre-relu when `pre`) of m rows of x [m, d_in]. */
export function encode(p: SaeParams, x: Float32Array, m: number, pre = false): Float32Array {
  const { dIn, dSae, W_enc, b_enc, b_dec } = p;
  const out = new Float32Array(m * dSae);
  const centred = new Float32Array(dIn);
  for (let r = 0; r < m; r++) {
    for (let j = 0; j < dIn; j++) centred[j] = x[r * dIn + j] - (p.transcoder ? 0 : b_dec[j]);
    const o = out.subarray(r * dSae, (r + 1) * dSae);
    o.set(b_enc);
    for (let j = 0; j < dIn; j++) {
      const c = centred[j];
      const w = W_enc.subarray(j * dSae, (j + 1) * dSae);
      for (let i = 0; i < dSae; i++) o[i] += c * w[i];
    }
    if (!pre) for (let i = 0; i < dSae; i++) if (o[i] < 0) o[i] = 0;
  }
  return out;
}

export function decode(p: SaeParams, f: Float32Array, m: number): Float32Array {
  const { dOut, dSae, W_dec, b_dec } = p;
  const out = new Float32Array(m * dOut);
  for (let r = 0; r < m; r++) {
    const o = out.subarray(r * dOut, (r + 1) * dOut);
    o.set(b_dec);
    for (let i = 0; i < dSae; i++) {
      const a = f[r * dSae + i];
      if (a === 0) continue;
      const w = W_dec.subarray(i * dOut, (i + 1) * dOut);
      for (let j = 0; j < dOut; j++) o[j] += a * w[j];
    }
  }
  return out;
}

/** The loss on m rows of x (target y: x itself for an SAE) and its gradient with respect to every parameter. */
export function lossAndGrad(p: SaeParams, x: Float32Array, m: number, l1: number, y: Float32Array = x): { loss: number; grads: SaeGrads } {
  const { dIn, dOut, dSae, W_enc, W_dec, b_dec } = p;
  const pre = encode(p, x, m, true);
  const f = pre.map((v) => (v > 0 ? v : 0));
  const xHat = decode(p, f, m);
  const g: SaeGrads = { W_enc: new Float32Array(dIn * dSae), b_enc: new Float32Array(dSae), W_dec: new Float32Array(dSae * dOut), b_dec: new Float32Array(dOut) };
  let loss = 0;
  const dxHat = new Float32Array(dOut);
  const dPre = new Float32Array(dSae);
  for (let r = 0; r < m; r++) {
    for (let j = 0; j < dOut; j++) {
      const e = xHat[r * dOut + j] - y[r * dOut + j];
      loss += e * e / m;
      dxHat[j] = (2 * e) / m;
      g.b_dec[j] += dxHat[j];
    }
    for (let i = 0; i < dSae; i++) {
      const a = f[r * dSae + i];
      loss += (l1 * a) / m;
      if (pre[r * dSae + i] <= 0) {
        dPre[i] = 0;
        continue;
      }
      const w = W_dec.subarray(i * dOut, (i + 1) * dOut);
      let df = l1 / m;
      for (let j = 0; j < dOut; j++) {
        df += dxHat[j] * w[j];
        g.W_dec[i * dOut + j] += a * dxHat[j];
      }
      dPre[i] = df;
      g.b_enc[i] += df;
    }
    for (let j = 0; j < dIn; j++) {
      const c = x[r * dIn + j] - (p.transcoder ? 0 : b_dec[j]);
      const gw = g.W_enc.subarray(j * dSae, (j + 1) * dSae);
      const w = W_enc.subarray(j * dSae, (j + 1) * dSae);
      let back = 0;
      for (let i = 0; i < dSae; i++) {
        if (dPre[i] === 0) continue;
        gw[i] += c * dPre[i];
        back += dPre[i] * w[i];
      }
      if (!p.transcoder) g.b_dec[j] -= back; // an SAE's b_dec is also subtracted from the input
    }
  }
  return { loss, grads: g };
}

export class Adam {
  private readonly m: SaeGrads;
  private readonly v: SaeGrads;
  private t = 0;
  constructor(p: SaeParams, private readonly lr: number, private readonly beta1 = 0.9, private readonly beta2 = 0.999, private readonly eps = 1e-8) {
    const zeros = () => Object.fromEntries(KEYS.map((k) => [k, new Float32Array(p[k].length)])) as unknown as SaeGrads;
    this.m = zeros();
    this.v = zeros();
  }

  step(p: SaeParams, g: SaeGrads): void {
    this.t++;
    const c1 = 1 - this.beta1 ** this.t, c2 = 1 - this.beta2 ** this.t;
    for (const k of KEYS) {
      const w = p[k], gk = g[k], m = this.m[k], v = this.v[k];
      for (let i = 0; i < w.length; i++) {
        m[i] = this.beta1 * m[i] + (1 - this.beta1) * gk[i];
        v[i] = this.beta2 * v[i] + (1 - this.beta2) * gk[i] * gk[i];
        w[i] -= (this.lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + this.eps);
      }
    }
    normalizeDecoderRows(p);
  }
}

export interface SaeQuality {
  /** 1 − Σ‖y − ŷ‖² / Σ‖y − mean(y)‖² (y = x for an SAE). */
  fve: number;
  /** Mean number of active latents per activation. */
  l0: number;
  /** Latents never active on these rows. */
  dead: number;
}

/** Quality of the reconstruction of y (x itself for an SAE) from m rows of x. */
export function quality(p: SaeParams, x: Float32Array, m: number, y: Float32Array = x): SaeQuality {
  const f = encode(p, x, m);
  const yHat = decode(p, f, m);
  const { dOut, dSae } = p;
  const mean = new Float64Array(dOut);
  for (let r = 0; r < m; r++) for (let j = 0; j < dOut; j++) mean[j] += y[r * dOut + j] / m;
  let err = 0, total = 0, active = 0;
  const ever = new Uint8Array(dSae);
  for (let r = 0; r < m; r++) {
    for (let j = 0; j < dOut; j++) {
      err += (y[r * dOut + j] - yHat[r * dOut + j]) ** 2;
      total += (y[r * dOut + j] - mean[j]) ** 2;
    }
    for (let i = 0; i < dSae; i++) if (f[r * dSae + i] > 0) { active++; ever[i] = 1; }
  }
  return { fve: 1 - err / total, l0: active / m, dead: dSae - ever.reduce((a, b) => a + b, 0) };
}
