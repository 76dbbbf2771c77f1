/**
 * The engine's choices (execution provider, precision) are declared once (runtime/ort.ts,
 * runtime/precision.ts): package.json's settings, the CLI's options and the settings reader agree.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { PROVIDER_CHOICES } from '../../src/engine/runtime/ort';
import { PRECISIONS } from '../../src/engine/runtime/precision';
import { addModelOptions } from '../../src/cli/model-options';
import { readSettings } from '../../src/extension/settings-model';

const props = JSON.parse(readFileSync('package.json', 'utf8')).contributes.configuration.properties as Record<string, { enum?: string[]; default: unknown }>;

test('package.json, the CLI and the settings reader offer the declared providers and precisions', () => {
  const cli = addModelOptions(new Command('x'));
  const choices = (flag: string) => cli.options.find((o) => o.long === flag)?.argChoices;
  for (const [setting, flag, declared] of [['reverie.executionProvider', '--provider', PROVIDER_CHOICES], ['reverie.dtype', '--dtype', PRECISIONS]] as const) {
    assert.deepEqual(props[setting].enum, [...declared], `${setting} enum`);
    assert.deepEqual(choices(flag), [...declared], `${flag} choices`);
    assert.ok(declared.includes(props[setting].default as never), `${setting} default`);
    assert.equal(cli.options.find((o) => o.long === flag)?.defaultValue, props[setting].default, `${flag} default is the setting's`);
    for (const value of declared) {
      const { settings, problems } = readSettings((key) => ({ user: key === setting.slice('reverie.'.length) ? value : undefined }));
      assert.deepEqual(problems, []);
      assert.equal(setting === 'reverie.dtype' ? settings.dtype : settings.provider, value, `${setting} = ${value} is read as given`);
    }
  }
});
