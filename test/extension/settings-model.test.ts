/** Settings → engine options: only EPO fields the user set are passed (a feature's own seqLen must win), bad ones are reported. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CHECKPOINT_EVERY, frontierFolderPath, readSettings } from '../../src/extension/settings-model';

const reader = (values: Record<string, unknown>, explicit: string[]) => (key: string) => ({ value: values[key], explicit: explicit.includes(key) });

test('EPO settings the user did not set are left to the feature and the engine', () => {
  const { settings, problems } = readSettings(reader(
    { 'epo.seqLen': 12, 'epo.iterations': 40, 'epo.population': 8, executionProvider: 'cuda', threads: 2 },
    ['epo.iterations'],
  ));
  assert.deepEqual(settings.epo, { iterations: 40, checkpointEvery: DEFAULT_CHECKPOINT_EVERY });
  assert.deepEqual(problems, []);
  assert.equal(settings.provider, 'cuda');
  assert.equal(settings.threads, 2);
  assert.equal(settings.defaultModel, 'stories260K');
  assert.equal(settings.frontierFolder, 'dreams');
  assert.equal(settings.codeLensEnabled, true);
  assert.equal(settings.modelCacheDir, undefined);
});

test('invalid settings are named and fall back to defaults', () => {
  const { settings, problems } = readSettings(reader(
    { 'epo.population': 0, 'epo.lambdaMin': -1, 'epo.checkpointEvery': 0, executionProvider: 'tpu', threads: -3, modelCacheDir: '  /cache ', 'codeLens.enabled': false },
    ['epo.population', 'epo.lambdaMin', 'epo.checkpointEvery'],
  ));
  assert.deepEqual(settings.epo, { checkpointEvery: 0 });
  assert.deepEqual(problems, [
    'reverie.epo.population: population must be an integer ≥ 1, got 0 (using the default)',
    'reverie.epo.lambdaMin: lambdaMin must be a finite number ≥ 0, got -1 (using the default)',
  ]);
  assert.equal(settings.provider, 'cpu');
  assert.equal(settings.threads, 0);
  assert.equal(settings.modelCacheDir, '/cache');
  assert.equal(settings.codeLensEnabled, false);
});

test('the frontier folder is relative to the workspace folder unless absolute', () => {
  assert.equal(frontierFolderPath('/w', 'dreams'), '/w/dreams');
  assert.equal(frontierFolderPath('/w', '/elsewhere/frontiers'), '/elsewhere/frontiers');
});
