/** `--dtype` end to end: fp16 dreams and scores on the bundled model; bf16 is refused with the reason, before any work. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from './cli-run';

test('--dtype fp16 dreams and scores; bf16 is refused naming why', async () => {
  const dream = await runCli(['dream', '--neuron', '2.17', '--iterations', '2', '--population', '4', '--threads', '1', '--dtype', 'fp16', '--json']);
  assert.equal(dream.code, 0, dream.stderr);
  const result = JSON.parse(dream.stdout.trim().split('\n').at(-1)!);
  assert.equal(result.iterationsDone, 2);
  assert.ok(result.frontier.every((p: { feature: number; xe: number }) => Number.isFinite(p.feature) && Number.isFinite(p.xe)));
  const score = await runCli(['score', '-t', 'Once upon a time', '--threads', '1', '--dtype', 'fp16']);
  assert.equal(score.code, 0, score.stderr);
  const refused = await runCli(['dream', '--neuron', '2.17', '--iterations', '2', '--dtype', 'bf16']);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /dtype bf16: ONNX Runtime's CPU and WebGPU providers have no bfloat16 kernels/);
  assert.doesNotMatch(refused.stderr, /\n\s+at /, 'no stack trace');
  const bad = await runCli(['score', '-t', 'x', '--dtype', 'fp8']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /--dtype.*fp8.*(auto|choices)/s);
});

test('--provider auto dreams without a warning, whatever it settles on', async () => {
  const r = await runCli(['dream', '--neuron', '2.17', '--iterations', '1', '--population', '2', '--threads', '1', '--provider', 'auto']);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /warning:/);
  assert.match(r.stderr, /running on (cpu|webgpu)\n/);
});
