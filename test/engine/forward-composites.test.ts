/**
 * Forward values of composites against direct JavaScript computations written from the
 * definitions (not from the engine's code), plus structural facts: the causal mask is causal and
 * rotary makes q·k depend only on the relative position.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Graph, SymTensor, softmax, logSoftmax, rmsNorm, layerNorm, gelu, geluTanh, silu, causalAttention, rotary, matmul, mT,
} from '../../src/engine/graph';
import { mulberry, randn, runGraph } from '../helpers/fd';

const rand = mulberry(31337);

/** Runs `f` on float64 inputs and returns the output's values and dims. */
async function forward(inputs: { shape: number[]; values: number[] }[], f: (xs: SymTensor[]) => SymTensor) {
  const g = new Graph();
  const xs = inputs.map((inp, i) => g.input(`x${i}`, 'float64', inp.shape));
  g.output('y', f(xs));
  const feeds = Object.fromEntries(inputs.map((inp, i) => [`x${i}`, { dtype: 'float64' as const, dims: inp.shape, data: Float64Array.from(inp.values) }]));
  const out = (await runGraph(g, feeds)).y;
  return { dims: out.dims, values: Array.from(out.data as Float64Array) };
}

function assertClose(actual: number[], expected: number[], tol: number, label: string) {
  assert.equal(actual.length, expected.length, `${label}: length`);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol * Math.max(1, Math.abs(expected[i])), `${label}[${i}]: ${actual[i]} vs expected ${expected[i]}`);
  }
}

/** Applies `f` to each contiguous row of length n. */
const rows = (v: number[], n: number, f: (row: number[]) => number[]) => {
  const out: number[] = [];
  for (let i = 0; i < v.length; i += n) out.push(...f(v.slice(i, i + n)));
  return out;
};

/** erf by its Maclaurin series; accurate to ~1e-13 for |x| < 3, the range used here. */
function erfSeries(x: number): number {
  let term = x, sum = x;
  for (let n = 1; n < 80; n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

test('softmax and logSoftmax over the last axis match the definition', async () => {
  const v = randn(rand, 12, 3);
  const jsSoftmax = (row: number[]) => {
    const e = row.map(Math.exp);
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((x) => x / s);
  };
  assertClose((await forward([{ shape: [3, 4], values: v }], ([x]) => softmax(x))).values, rows(v, 4, jsSoftmax), 1e-14, 'softmax');
  assertClose((await forward([{ shape: [3, 4], values: v }], ([x]) => logSoftmax(x))).values,
    rows(v, 4, (r) => jsSoftmax(r).map(Math.log)), 1e-13, 'logSoftmax');
});

test('rmsNorm and layerNorm match the definition', async () => {
  const v = randn(rand, 10, 2);
  const w = randn(rand, 5);
  const b = randn(rand, 5);
  const eps = 1e-5;
  const rms = (row: number[]) => {
    const s = Math.sqrt(row.reduce((a, x) => a + x * x, 0) / row.length + eps);
    return row.map((x, i) => (x / s) * w[i]);
  };
  const ln = (row: number[]) => {
    const mean = row.reduce((a, x) => a + x, 0) / row.length;
    const variance = row.reduce((a, x) => a + (x - mean) ** 2, 0) / row.length;
    return row.map((x, i) => ((x - mean) / Math.sqrt(variance + eps)) * w[i] + b[i]);
  };
  const inputs = [{ shape: [2, 5], values: v }, { shape: [5], values: w }, { shape: [5], values: b }];
  assertClose((await forward(inputs, ([x, w]) => rmsNorm(x, w, eps))).values, rows(v, 5, rms), 1e-13, 'rmsNorm');
  assertClose((await forward(inputs, ([x, w, b]) => layerNorm(x, w, b, eps))).values, rows(v, 5, ln), 1e-13, 'layerNorm');
});

test('gelu, geluTanh and silu match their formulas', async () => {
  const v = randn(rand, 16, 1.5).map((x) => Math.max(-2.9, Math.min(2.9, x)));
  const inp = [{ shape: [16], values: v }];
  // The exact gelu goes through ORT's float32 Erf (no double kernel), hence 1e-6.
  assertClose((await forward(inp, ([x]) => gelu(x))).values, v.map((x) => 0.5 * x * (1 + erfSeries(x / Math.SQRT2))), 1e-6, 'gelu');
  const c = Math.sqrt(2 / Math.PI);
  assertClose((await forward(inp, ([x]) => geluTanh(x))).values, v.map((x) => 0.5 * x * (1 + Math.tanh(c * (x + 0.044715 * x ** 3)))), 1e-13, 'geluTanh');
  assertClose((await forward(inp, ([x]) => silu(x))).values, v.map((x) => x / (1 + Math.exp(-x))), 1e-13, 'silu');
});

test('matmul follows numpy for 1-D operands (shapes and values)', async () => {
  const a = randn(rand, 3), m = randn(rand, 6), b = randn(rand, 2);
  const vm = await forward([{ shape: [3], values: a }, { shape: [3, 2], values: m }], ([x, y]) => matmul(x, y));
  assert.deepEqual(vm.dims, [2]);
  assertClose(vm.values, [0, 1].map((j) => a[0] * m[j] + a[1] * m[2 + j] + a[2] * m[4 + j]), 1e-14, 'vector × matrix');
  const mv = await forward([{ shape: [3, 2], values: m }, { shape: [2], values: b }], ([x, y]) => matmul(x, y));
  assert.deepEqual(mv.dims, [3]);
  assertClose(mv.values, [0, 1, 2].map((i) => m[2 * i] * b[0] + m[2 * i + 1] * b[1]), 1e-14, 'matrix × vector');
  const dot = await forward([{ shape: [3], values: a }, { shape: [3], values: a }], ([x, y]) => matmul(x, y));
  assert.deepEqual(dot.dims, []);
  assertClose(dot.values, [a.reduce((s, x) => s + x * x, 0)], 1e-14, 'dot');
});

/** Reference attention: query head h reads key/value head floor(h / (H / KV)); position i sees j ≤ i. */
function jsAttention(q: number[], k: number[], v: number[], B: number, H: number, KV: number, n: number, d: number) {
  const z = new Array(B * n * H * d).fill(0); // [B, n, H, d]
  for (let b = 0; b < B; b++) for (let h = 0; h < H; h++) {
    const kh = Math.floor(h / (H / KV));
    for (let i = 0; i < n; i++) {
      const qi = (((b * H + h) * n) + i) * d;
      const scores: number[] = [];
      for (let j = 0; j <= i; j++) {
        const kj = (((b * KV + kh) * n) + j) * d;
        let s = 0;
        for (let c = 0; c < d; c++) s += q[qi + c] * k[kj + c];
        scores.push(s / Math.sqrt(d));
      }
      const m = Math.max(...scores);
      const e = scores.map((s) => Math.exp(s - m));
      const total = e.reduce((a, x) => a + x, 0);
      for (let j = 0; j <= i; j++) {
        const vj = (((b * KV + kh) * n) + j) * d;
        for (let c = 0; c < d; c++) z[(((b * n + i) * H) + h) * d + c] += (e[j] / total) * v[vj + c];
      }
    }
  }
  return z;
}

test('causalAttention with grouped-query heads matches a direct computation', async () => {
  const [B, H, KV, n, d] = [2, 4, 2, 5, 3];
  const q = randn(rand, B * H * n * d), k = randn(rand, B * KV * n * d), v = randn(rand, B * KV * n * d);
  const out = await forward([{ shape: [B, H, n, d], values: q }, { shape: [B, KV, n, d], values: k }, { shape: [B, KV, n, d], values: v }],
    ([q, k, v]) => causalAttention(q, k, v).z);
  assert.deepEqual(out.dims, [B, n, H, d]);
  assertClose(out.values, jsAttention(q, k, v, B, H, KV, n, d), 1e-13, 'z');
});

test('the causal mask is causal: changing a later token leaves earlier outputs unchanged', async () => {
  const [H, KV, n, d] = [4, 2, 6, 4];
  const q = randn(rand, H * n * d), k = randn(rand, KV * n * d), v = randn(rand, KV * n * d);
  const attn = (k: number[], v: number[]) => forward(
    [{ shape: [1, H, n, d], values: q }, { shape: [1, KV, n, d], values: k }, { shape: [1, KV, n, d], values: v }],
    ([q, k, v]) => causalAttention(q, k, v).z);
  const base = (await attn(k, v)).values;
  const later = 4; // perturb the key and value of token 4 in every kv head
  const k2 = k.map((x, i) => (Math.floor(i / d) % n === later ? x + 3 : x));
  const v2 = v.map((x, i) => (Math.floor(i / d) % n === later ? x - 2 : x));
  const changed = (await attn(k2, v2)).values;
  const perToken = H * d; // z is [1, n, H, d]
  assert.deepEqual(changed.slice(0, later * perToken), base.slice(0, later * perToken), 'tokens before 4 must not see token 4');
  for (let t = later; t < n; t++) {
    const diff = Math.max(...changed.slice(t * perToken, (t + 1) * perToken).map((x, i) => Math.abs(x - base[t * perToken + i])));
    assert.ok(diff > 1e-3, `token ${t} should see token ${later} (max change ${diff})`);
  }
});

/** Rotary by its definition: pairs (i, j) rotate as the complex number x_i + i·x_j by angle pos·θ^(-2p/r). */
function jsRotary(x: number[], H: number, n: number, d: number, r: number, theta: number, pairing: 'adjacent' | 'half', offset: number) {
  const out = [...x];
  for (let h = 0; h < H; h++) for (let pos = 0; pos < n; pos++) for (let p = 0; p < r / 2; p++) {
    const [i, j] = pairing === 'adjacent' ? [2 * p, 2 * p + 1] : [p, p + r / 2];
    const angle = (pos + offset) * theta ** (-(2 * p) / r);
    const base = (h * n + pos) * d;
    const re = x[base + i], im = x[base + j];
    out[base + i] = re * Math.cos(angle) - im * Math.sin(angle);
    out[base + j] = re * Math.sin(angle) + im * Math.cos(angle);
  }
  return out;
}

test('rotary matches the rotation definition for both pairings, with partial rotary dim and offset', async () => {
  const [H, n, d] = [2, 5, 6];
  const x = randn(rand, H * n * d);
  for (const pairing of ['adjacent', 'half'] as const) {
    for (const [r, offset] of [[6, 0], [4, 7]]) {
      const out = await forward([{ shape: [1, H, n, d], values: x }], ([t]) => rotary(t, { rotaryDim: r, theta: 10000, pairing, offset }));
      assertClose(out.values, jsRotary(x, H, n, d, r, 10000, pairing, offset), 1e-13, `rotary ${pairing} r=${r} offset=${offset}`);
    }
  }
});

test('after rotary, q·k depends only on the relative position', async () => {
  const d = 8;
  const q = randn(rand, d), k = randn(rand, d);
  // Place q and k at every position; entry (i, j) of the score matrix then uses offset i - j.
  const n = 6;
  const tile = (v: number[]) => Array.from({ length: n }, () => v).flat();
  const scores = await forward([{ shape: [1, 1, n, d], values: tile(q) }, { shape: [1, 1, n, d], values: tile(k) }], ([qs, ks]) => {
    const opts = { rotaryDim: d, theta: 100, pairing: 'half' as const };
    return matmul(rotary(qs, opts), mT(rotary(ks, opts)));
  });
  const s = scores.values;
  for (let i = 1; i < n; i++) for (let j = 1; j < n; j++) {
    assert.ok(Math.abs(s[i * n + j] - s[(i - 1) * n + (j - 1)]) < 1e-12, `score(${i},${j}) must equal score(${i - 1},${j - 1})`);
  }
  assert.ok(Math.abs(s[0 * n + 1] - s[1 * n + 0]) > 1e-6, 'scores must vary with the relative position');
});
