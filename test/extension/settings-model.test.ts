/** Settings → engine options: only EPO fields the user set are passed (a feature's own seqLen must win), bad ones are reported. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DEFAULT_CHECKPOINT_EVERY, frontierFolderPath, readSettings, RESTRICTED_SETTINGS, SettingLayers } from '../../src/extension/settings-model';
import { datasetOptions } from '../../src/extension/engine-options';

/** Values the user set (named in `explicit`) are in the user layer; the others are package.json defaults. */
const reader = (values: Record<string, unknown>, explicit: string[]) => (key: string): SettingLayers =>
  explicit.includes(key) ? { user: values[key] } : { default: values[key] };

test('EPO settings the user did not set are left to the feature and the engine', () => {
  const { settings, problems } = readSettings(reader(
    { 'epo.seqLen': 12, 'epo.iterations': 40, 'epo.population': 8, executionProvider: 'cuda', threads: 2, dtype: 'fp16' },
    ['epo.iterations'],
  ));
  assert.deepEqual(settings.epo, { iterations: 40, checkpointEvery: DEFAULT_CHECKPOINT_EVERY });
  assert.deepEqual(problems, []);
  assert.equal(settings.provider, 'cuda');
  assert.equal(settings.threads, 2);
  assert.equal(settings.dtype, 'fp16');
  assert.equal(settings.defaultModel, 'stories260K');
  assert.equal(settings.frontierFolder, 'dreams');
  assert.equal(settings.codeLensEnabled, true);
  assert.equal(settings.modelCacheDir, undefined);
});

test('invalid settings are named and fall back to defaults', () => {
  const { settings, problems } = readSettings(reader(
    { 'epo.population': 0, 'epo.lambdaMin': -1, 'epo.checkpointEvery': 0, executionProvider: 'tpu', threads: -3, dtype: 'fp8', modelCacheDir: '  /cache ', 'codeLens.enabled': false },
    ['epo.population', 'epo.lambdaMin', 'epo.checkpointEvery'],
  ));
  assert.deepEqual(settings.epo, { checkpointEvery: 0 });
  assert.deepEqual(problems, [
    'reverie.epo.population: population must be an integer ≥ 1, got 0 (using the default)',
    'reverie.epo.lambdaMin: lambdaMin must be a finite number ≥ 0, got -1 (using the default)',
  ]);
  assert.equal(settings.provider, 'cpu');
  assert.equal(settings.threads, 0);
  assert.equal(settings.dtype, 'auto');
  assert.equal(settings.modelCacheDir, '/cache');
  assert.equal(settings.codeLensEnabled, false);
});

test('the frontier folder is relative to the workspace folder unless absolute', () => {
  assert.equal(frontierFolderPath('/w', 'dreams'), '/w/dreams');
  assert.equal(frontierFolderPath('/w', '/elsewhere/frontiers'), '/elsewhere/frontiers');
});

test('package.json restricts exactly the settings the extension treats as restricted', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  const declared: string[] = pkg.capabilities.untrustedWorkspaces.restrictedConfigurations;
  assert.deepEqual([...declared].sort(), RESTRICTED_SETTINGS.map((k) => `reverie.${k}`).sort());
  // Every setting that names a path or a download is among them.
  const pathLike = Object.keys(pkg.contributes.configuration.properties as Record<string, unknown>)
    .filter((k) => /Dir$|Folder$|Corpus$|Model$|Download/.test(k));
  for (const k of pathLike) assert.ok(declared.includes(k), `${k} names a path but is not restricted`);
});

test('an untrusted workspace cannot set restricted settings; a trusted one can, and who set the corpus is kept', () => {
  const layers: Record<string, SettingLayers> = {
    datasetCorpus: { default: '', user: '/home/me/corpus', workspace: '/etc/passwd' },
    frontierFolder: { default: 'dreams', workspace: '../outside' },
    'epo.iterations': { workspace: 7 },
  };
  const read = (k: string) => layers[k] ?? {};
  const untrusted = readSettings(read, { trusted: false }).settings;
  assert.deepEqual(untrusted.datasetCorpus, { path: '/home/me/corpus', scope: 'user' });
  assert.equal(untrusted.frontierFolder, 'dreams');
  assert.equal(untrusted.epo.iterations, 7, 'EPO settings are not restricted');
  const trusted = readSettings(read, { trusted: true }).settings;
  assert.deepEqual(trusted.datasetCorpus, { path: '/etc/passwd', scope: 'workspace' });
  assert.equal(trusted.frontierFolder, '../outside');
  const folder = readSettings((k) => (k === 'datasetCorpus' ? { workspace: 'a.txt', folder: 'b.txt' } : {}), { trusted: true }).settings;
  assert.deepEqual(folder.datasetCorpus, { path: 'b.txt', scope: 'workspace' });
  assert.equal(readSettings((k) => (k === 'datasetCorpus' ? { default: '' } : {})).settings.datasetCorpus, undefined);
});

test('a corpus named by the workspace is confined to its folder; one named by the user is not', () => {
  const settings = (path: string, scope: 'user' | 'workspace') => readSettings(
    (k) => (k === 'datasetCorpus' ? (scope === 'user' ? { user: path } : { workspace: path }) : {}),
  ).settings;
  assert.deepEqual(datasetOptions(settings('corpus', 'workspace'), '/w', '/s'), { corpus: ['/w/corpus'], within: '/w', cacheDir: '/s/dataset-scans' });
  assert.deepEqual(datasetOptions(settings('/etc/passwd', 'workspace'), '/w', '/s'), { corpus: ['/etc/passwd'], within: '/w', cacheDir: '/s/dataset-scans' });
  assert.equal(datasetOptions(settings('corpus', 'workspace'), undefined, '/s'), undefined);
  assert.deepEqual(datasetOptions(settings('/data/pile', 'user'), '/w', '/s'), { corpus: ['/data/pile'], cacheDir: '/s/dataset-scans' });
  assert.deepEqual(datasetOptions(settings('corpus', 'user'), '/w', '/s'), { corpus: ['/w/corpus'], cacheDir: '/s/dataset-scans' });
});
