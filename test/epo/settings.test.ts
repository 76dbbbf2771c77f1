/**
 * Every copy of an EPO setting agrees with its one declaration (src/engine/epo/settings.ts and
 * DEFAULT_EPO_CONFIG): package.json's reverie.epo.* (type, default, minimum), the extension's list of
 * settings, reverie.d.ts's EpoOverrides (each key documented with its default), the CLI's options
 * and resolveConfig's ranges.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { DEFAULT_EPO_CONFIG, EpoConfigError, resolveConfig, SAVED_RUN_CHECKPOINT_EVERY } from '../../src/engine/epo/config';
import { EPO_SETTINGS } from '../../src/engine/epo/settings';
import { EPO_SETTING_KEYS } from '../../src/extension/settings-model';
import { EPO_OVERRIDE_KEYS } from '../../src/engine/features/options';
import { addEpoOptions } from '../../src/cli/epo-options';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const props = pkg.contributes.configuration.properties as Record<string, { type: string; default: unknown; minimum?: number; description: string }>;
const defaultOf = (key: string) => (key === 'checkpointEvery' ? SAVED_RUN_CHECKPOINT_EVERY : (DEFAULT_EPO_CONFIG as unknown as Record<string, unknown>)[key]);

test('package.json declares each extension EPO setting with the declared type, default and minimum', () => {
  const declared = Object.keys(props).filter((k) => k.startsWith('reverie.epo.')).map((k) => k.slice('reverie.epo.'.length));
  assert.deepEqual([...declared].sort(), [...EPO_SETTING_KEYS].sort(), 'package.json and settings-model list the same settings');
  for (const key of EPO_SETTING_KEYS) {
    const s = EPO_SETTINGS.find((x) => x.key === key);
    assert.ok(s, `${key} is declared in epo/settings.ts`);
    const p = props[`reverie.epo.${key}`];
    assert.equal(p.type, s.kind === 'int' ? 'integer' : s.kind, `${key}: type`);
    assert.deepEqual(p.default, defaultOf(key), `${key}: default`);
    if (s.min !== undefined) assert.equal(p.minimum, s.min, `${key}: minimum`);
  }
});

test('reverie.d.ts documents every feature-file EPO override with the declared default', () => {
  const dts = readFileSync('src/reverie-api/reverie.d.ts', 'utf8');
  const block = /export interface EpoOverrides \{([\s\S]*?)\n\}/.exec(dts)![1];
  const documented = [...block.matchAll(/\/\*\*([^*]*(?:\*(?!\/)[^*]*)*)\*\/\s*(\w+)\?:/g)].map((m) => ({ doc: m[1], key: m[2] }));
  assert.deepEqual(documented.map((d) => d.key), [...EPO_OVERRIDE_KEYS]);
  for (const { doc, key } of documented) {
    const dflt = defaultOf(key);
    if (typeof dflt === 'number' || typeof dflt === 'boolean') {
      const said = /default (\S+?)[;)]/.exec(doc)?.[1];
      assert.ok(said !== undefined, `${key}: its doc comment gives no default`);
      assert.equal(Number(said === 'true' ? 1 : said === 'false' ? 0 : said), Number(dflt), `${key}: reverie.d.ts says default ${said}, the declaration ${dflt}`);
    }
  }
});

test('the CLI has an option for each numeric setting, with the declared default in its help', () => {
  const cmd = addEpoOptions(new Command('dream'));
  for (const s of EPO_SETTINGS.filter((x) => x.cli)) {
    const opt = cmd.options.find((o) => o.flags === s.cli);
    assert.ok(opt, `${s.cli} is an option`);
    assert.match(opt.description, new RegExp(`\\(default ${String(defaultOf(s.key)).replace('.', '\\.')}`), `${s.cli}: ${opt.description}`);
  }
});

test('resolveConfig accepts each numeric setting at its minimum and refuses it just below', () => {
  for (const s of EPO_SETTINGS.filter((x) => x.min !== undefined)) {
    const base = s.key === 'lambdaMin' || s.key === 'lambdaMax' ? { population: 1, lambdaMin: 0, lambdaMax: 0 }
      : s.key.startsWith('restartLambda') ? { restartLambdaMin: 0, restartLambdaMax: 0 }
        : s.key.startsWith('xeCap') ? { xeCapMin: 0, xeCapMax: 0 } : {};
    assert.doesNotThrow(() => resolveConfig({ ...base, [s.key]: s.min }), `${s.key} = ${s.min}`);
    assert.throws(() => resolveConfig({ ...base, [s.key]: s.min! - (s.kind === 'int' ? 1 : 1e-9) }), EpoConfigError, `${s.key} below ${s.min}`);
  }
});
