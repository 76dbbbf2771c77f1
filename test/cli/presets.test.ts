/** `--preset`: a named set of search settings under the options given; an unknown one is named. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli-run';
import { EPO_PRESETS } from '../../src/engine/epo/config';

test('--preset paper runs the paper\'s search settings, with explicit options over them', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'reverie-preset-')), 'run.json');
  const run = await runCli(['dream', '--neuron', '2.17', '--preset', 'paper', '--restart-every', '7', '--iterations', '1', '--threads', '1', '--out', out]);
  assert.equal(run.code, 0, run.stderr);
  const config = JSON.parse(readFileSync(out, 'utf8')).config;
  assert.deepEqual({ ...config, restartEvery: 30 }, { ...config, ...EPO_PRESETS.paper });
  assert.equal(config.restartEvery, 7);
  assert.deepEqual(
    { topK: config.topK, modelShare: config.modelShare, lambdaMax: config.lambdaMax, childrenPerMember: config.childrenPerMember },
    { topK: 512, modelShare: 0, lambdaMax: 10, childrenPerMember: 32 },
  );
});

test('an unknown preset is an error naming the known ones', async () => {
  const run = await runCli(['dream', '--neuron', '2.17', '--preset', 'fastest', '--iterations', '1']);
  assert.notEqual(run.code, 0);
  assert.match(run.stderr, /unknown preset "fastest" \(known: paper\)/);
  assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
});
