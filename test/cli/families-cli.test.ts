/**
 * Every Llama-like family end to end in the CLI: a feature file that reads family-specific
 * TransformerLens hooks (rotated queries, q/k norms, Gemma's post norms) dreams on its tiny
 * checkpoint, and `reverie score` prints its tokens.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCli } from './cli-run';
import { inParallel } from '../../src/engine/util/parallel';

const dir = mkdtempSync(join(tmpdir(), 'reverie-families-'));
const MODELS: [name: string, hook: string][] = [
  ['llama3-tiny', 'blocks.1.attn.hook_rot_q'],
  ['mistral-tiny', 'blocks.1.attn.hook_rot_k'],
  ['qwen2-tiny', 'blocks.0.attn.hook_q'],
  ['qwen3-tiny', 'blocks.1.attn.q_norm.hook_normalized'],
  ['gemma2-tiny', 'blocks.2.ln1_post.hook_normalized'],
  ['gemma3-tiny', 'blocks.3.attn.k_norm.hook_normalized'],
  ['gemma3-mm-tiny', 'blocks.2.ln2_post.hook_normalized'],
];

test('a feature file dreams, and score runs, on every family\'s tiny checkpoint', async () => {
  const results = await inParallel(MODELS.map(([name, hook]) => async () => {
    const model = resolve('test/fixtures/models', name);
    const file = join(dir, `${name}.ts`);
    writeFileSync(file, `import { defineFeature } from 'reverie';
export const f = defineFeature({ model: ${JSON.stringify(model)}, objective: (m) => m.hook(${JSON.stringify(hook)}).at('last')${hook.includes('attn.') ? '.index(0)' : ''}.sum(), seqLen: 6 });
`);
    const dream = await runCli(['dream', `${file}#f`, '--iterations', '2', '--population', '4', '--threads', '1', '--json']);
    const score = await runCli(['score', '--model', model, '-t', 'Once upon a time', '--threads', '1']);
    return { name, dream, score };
  }), 2);
  for (const { name, dream, score } of results) {
    assert.equal(dream.code, 0, `${name}: ${dream.stderr}`);
    const result = JSON.parse(dream.stdout.trim().split('\n').at(-1)!);
    assert.equal(result.iterationsDone, 2, name);
    assert.ok(result.frontier.length > 0 && result.frontier.every((p: { feature: number }) => Number.isFinite(p.feature)), name);
    assert.equal(score.code, 0, `${name}: ${score.stderr}`);
    assert.match(score.stdout, /16 tokens · self cross-entropy \d+\.\d+ nats/, name);
  }
});
