/** `reverie demo-engine` end to end (small sizes): parses options, runs in the worker, prints a summary. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { registerDemoEngine } from '../../src/cli/commands/demo-engine';

test('demo-engine builds, runs forward + backward in the worker and reports timer ticks', async () => {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => { lines.push(args.join(' ')); };
  try {
    const program = new Command().exitOverride();
    registerDemoEngine(program);
    await program.parseAsync(['demo-engine', '--layers', '2', '--d-model', '32', '--heads', '4', '--kv-heads', '2',
      '--seq', '6', '--batch', '2', '--vocab', '50', '--runs', '2', '--threads', '1'], { from: 'user' });
  } finally {
    console.log = log;
  }
  const text = lines.join('\n');
  assert.match(text, /built 2-layer transformer \(d=32, 4 heads \/ 2 kv, vocab 50\)/);
  assert.match(text, /logits \[2, 6, 50\]/);
  const loss = Number(/loss \(mean NLL of random targets\) ([\d.]+)/.exec(text)?.[1]);
  // Random weights: the loss is near ln(vocab) = 3.9, not 0 and not huge.
  assert.ok(loss > 2.5 && loss < 7, `loss ${loss}`);
  const gradNorm = Number(/d loss \/ d embeddings\| = ([\d.e+-]+)/.exec(text)?.[1]);
  assert.ok(Number.isFinite(gradNorm) && gradNorm > 0, `grad norm ${gradNorm}`);
  assert.equal((text.match(/main-thread 10 ms timer fired \d+ times/g) ?? []).length, 2);
});

test('demo-engine rejects inconsistent head counts with a clear message', async () => {
  const program = new Command().exitOverride();
  registerDemoEngine(program);
  await assert.rejects(program.parseAsync(['demo-engine', '--d-model', '30', '--heads', '4', '--runs', '1'], { from: 'user' }),
    /d-model 30, heads 4/);
});
