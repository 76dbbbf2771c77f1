/** EngineSession: provider fallback, optimisation level for float64 models, and feed checking. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Graph, add, cast, matmul, silu, toOnnx } from '../../src/engine/graph';
import { EngineSession, cudaProviderLibrary, ortReason } from '../../src/engine/runtime/ort';
import { usesFloat64 } from '../../src/engine/runtime/model-info';
import { WorkerSessionHost } from '../../src/engine/runtime/worker-host';

const cudaInstalled = existsSync(cudaProviderLibrary());

test('provider cuda without the CUDA provider installed falls back to CPU with one clear warning', { skip: cudaInstalled && 'the CUDA provider is installed here' }, () => {
  // In a child process, so that everything written to stderr (ORT's own logging included) is seen.
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures', 'cuda-fallback.ts')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { provider: string; warning?: string; y: number[] };
  assert.equal(out.provider, 'cpu');
  assert.deepEqual(out.y, [2, 4]);
  assert.ok(out.warning, 'a warning is expected');
  assert.match(out.warning, /cuda execution provider is not available/);
  assert.match(out.warning, /running on CPU/);
  assert.match(out.warning, /npm run gpu:install/);
  assert.equal(r.stderr.trim(), '', 'nothing else (no ORT load error) should be printed');
});

test('provider auto runs on WebGPU where an adapter exists, else on the CPU without a warning', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures', 'cuda-fallback.ts'), 'auto'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { provider: string; warning?: string; y: number[] };
  assert.ok(out.provider === 'cpu' || out.provider === 'webgpu', out.provider);
  assert.deepEqual(out.y, [2, 4]);
  assert.equal(out.warning, undefined, 'auto settling on the CPU is not a warning');
});

test('the worker reports the same fallback warning', { skip: cudaInstalled && 'the CUDA provider is installed here' }, async () => {
  const g = new Graph();
  const x = g.input('x', 'float32', [2]);
  g.output('y', add(x, 1));
  const host = new WorkerSessionHost();
  try {
    const s = await host.createSession(toOnnx(g), { provider: 'cuda', threads: 1 });
    assert.equal(s.provider, 'cpu');
    assert.match(s.warning ?? '', /npm run gpu:install/);
    const out = await s.run({ x: { dtype: 'float32', dims: [2], data: Float32Array.from([1, 2]) } });
    assert.deepEqual(Array.from(out.y.data as Float32Array), [2, 3]);
  } finally {
    await host.dispose();
  }
});

test('float64 models are detected (they load with basic optimisations), float32 ones are not', async () => {
  const g32 = new Graph();
  const a = g32.input('a', 'float32', [2, 2]);
  g32.output('y', matmul(a, a));
  assert.equal(usesFloat64(toOnnx(g32)), false);
  const viaCast = new Graph();
  viaCast.output('y', cast(cast(viaCast.input('a', 'float32', [2]), 'float64'), 'float32'));
  assert.equal(usesFloat64(toOnnx(viaCast)), true);
  const withConst = new Graph();
  withConst.output('y', withConst.constant(Float64Array.from([1]), [1]));
  assert.equal(usesFloat64(toOnnx(withConst)), true);
  // x·sigmoid(x) in double: ORT's QuickGelu fusion would make this model fail to load at level 'all'.
  const g64 = new Graph();
  g64.output('y', silu(g64.input('x', 'float64', [3])));
  const s = await EngineSession.create(toOnnx(g64), { threads: 1 });
  const y = (await s.run({ x: { dtype: 'float64', dims: [3], data: Float64Array.from([-1, 0, 2]) } })).y.data as Float64Array;
  assert.ok(Math.abs(y[2] - 2 / (1 + Math.exp(-2))) < 1e-15);
  await s.release();
});

test('wrong feeds are reported by input name, dtype and shape', async () => {
  const g = new Graph();
  const x = g.input('x', 'float32', ['B', 3]);
  const w = g.input('w', 'float32', ['B', 3]);
  g.output('y', add(x, w));
  const s = await EngineSession.create(toOnnx(g), { threads: 1 });
  const f = (dims: number[], dtype: 'float32' | 'float64' = 'float32') =>
    ({ dtype, dims, data: dtype === 'float32' ? new Float32Array(dims.reduce((a, b) => a * b, 1)) : new Float64Array(dims.reduce((a, b) => a * b, 1)) });
  try {
    await assert.rejects(s.run({ x: f([2, 3]) }), /missing input 'w'/);
    await assert.rejects(s.run({ x: f([2, 3], 'float64'), w: f([2, 3]) }), /input 'x' is float64\[2,3\], the graph expects float32\[B,3\]/);
    await assert.rejects(s.run({ x: f([2, 4]), w: f([2, 4]) }), /input 'x' is float32\[2,4\], the graph expects float32\[B,3\]/);
    await assert.rejects(s.run({ x: f([2, 3]), w: f([5, 3]) }), /dim 'B' is 2 in input 'x' but 5 in 'w'/);
    await assert.rejects(s.run({ x: f([2, 3]), w: f([2, 3]), z: f([1]) }), /unknown input 'z'/);
    await assert.rejects(s.run({ x: f([2, 3]), w: f([2, 3]) }, ['nope']), /unknown output 'nope'/);
    await assert.rejects(s.run({ x: { dtype: 'float32', dims: [2, 3], data: new Float32Array(5) }, w: f([2, 3]) }), /input 'x' has 5 values for shape \[2,3\]/);
    const ok = await s.run({ x: f([4, 3]), w: f([4, 3]) });
    assert.deepEqual(ok.y.dims, [4, 3]);
  } finally {
    await s.release();
  }
});

test('a provider failure is reported by its reason, not ONNX Runtime\'s source location', () => {
  const webgpu = new Error("/onnxruntime_src/onnxruntime/core/providers/webgpu/webgpu_context.cc:136 onnxruntime::webgpu::WebGpuContext::Initialize(const onnxruntime::webgpu::WebGpuContextConfig&)::<lambda()> adapter_result.status == wgpu::RequestAdapterStatus::Success was false. Failed to get a WebGPU adapter: No supported adapters\nstack");
  assert.equal(ortReason(webgpu), 'Failed to get a WebGPU adapter: No supported adapters');
  assert.equal(ortReason(new Error('/src/x.cc:12 plain message')), 'plain message');
  assert.equal(ortReason('no location'), 'no location');
});
