import test from 'node:test';
import assert from 'node:assert/strict';
import {
  isHostMessage, isWebviewMessage, validateHostMessage, validateWebviewMessage, type WebviewMessage,
} from '../../src/protocol/panel';
import { everyHostMessage, iterationMessage, row } from './fixtures';

test('every well-formed host message of each type validates', () => {
  for (const m of everyHostMessage()) assert.equal(validateHostMessage(m), null, m.type);
  // Round-tripped through JSON, as VS Code carries them.
  for (const m of everyHostMessage()) assert.ok(isHostMessage(JSON.parse(JSON.stringify(m))), m.type);
});

test('malformed host messages are rejected with the field path and the bad value', () => {
  const it = iterationMessage(3, [row(0, [1, 2, 3], 1, 5, 0)], [[1, 5, 0], [2, 4, 1]]);
  const cases: [unknown, RegExp][] = [
    [null, /message: expected a host message object, got null/],
    [{ type: 'nope' }, /message\.type: expected one of init, iteration/],
    [{ ...it, points: { ...it.points, xe: [5] } }, /iteration\.points: feature has 2 entries but xe has 1/],
    [{ ...it, points: { ...it.points, feature: [1, null] } }, /iteration\.points\.feature\[1\]: expected a finite number, got null/],
    [{ ...it, points: { ...it.points, iteration: [3, -2] } }, /iteration\.points\.iteration\[1\]: expected an integer ≥ -1, got -2/],
    [{ ...it, population: [{ ...it.population[0], tokens: ['a'] }] }, /iteration\.population\[0\]: 3 ids but 1 tokens/],
    [{ ...it, population: [{ ...it.population[0], ids: [1, 2.5, 3] }] }, /population\[0\]\.ids\[1\]: expected an integer ≥ 0, got 2\.5/],
    [{ ...it, stats: { ...it.stats, bestAtXe4: 'high' } }, /stats\.bestAtXe4: expected a finite number, got "high"/],
    [{ ...it, timings: undefined }, /iteration\.timings: missing/],
    [{ type: 'runState', state: 'exploded' }, /runState\.state: expected one of running, paused, stopped, done, error/],
    [{ type: 'dataset', feature: [1], xe: [1], text: [] }, /dataset: feature has 1 entries but text has 0/],
    [{ type: 'dataset', feature: [1], xe: [1], text: ['a'], ids: [] }, /dataset: feature has 1 entries but ids has 0/],
    [{ type: 'dataset', feature: [1], xe: [1], text: ['ab'], ids: [[1, 2]], tokens: [['ab']] }, /dataset\[0\]: 2 ids but 1 tokens/],
  ];
  for (const [msg, re] of cases) {
    const problem = validateHostMessage(msg);
    assert.ok(problem && re.test(problem), `expected ${re}, got ${problem}`);
    assert.equal(isHostMessage(msg), false);
  }
});

test('webview messages: valid ones pass, bad ones name the problem', () => {
  const good: WebviewMessage[] = [
    { type: 'ready', protocol: 1 },
    { type: 'requestPoint', historyIndex: 12 },
    { type: 'inspect', ids: [1, 2, 3] },
    { type: 'control', action: 'pause' },
    { type: 'control', action: 'runAgain', seed: 7 },
    { type: 'saveFrontier' },
    { type: 'copy', text: 'hello' },
    { type: 'error', message: 'boom', stack: 'at x' },
  ];
  for (const m of good) assert.equal(validateWebviewMessage(m), null, JSON.stringify(m));
  const bad: [unknown, RegExp][] = [
    [{ type: 'control', action: 'explode' }, /control\.action: expected one of pause, resume, stop, runAgain/],
    [{ type: 'control', action: 'stop', seed: 3 }, /control\.seed: only 'runAgain' takes a seed, not 'stop'/],
    [{ type: 'control', action: 'runAgain', seed: -1 }, /control\.seed: expected an integer ≥ 0, got -1/],
    [{ type: 'requestPoint', historyIndex: '3' }, /requestPoint\.historyIndex: expected an integer ≥ 0, got "3"/],
    [{ type: 'inspect', ids: [] }, /inspect\.ids: expected at least one token id/],
    [{ type: 'inspect', ids: new Array(5000).fill(1) }, /inspect\.ids: expected at most 4096 entries, got 5000/],
    [{ type: 'copy' }, /copy\.text: missing/],
    [{ type: 'init' }, /message\.type: expected one of ready, requestPoint/],
    ['ready', /expected a webview message object, got "ready"/],
  ];
  for (const [msg, re] of bad) {
    const problem = validateWebviewMessage(msg);
    assert.ok(problem && re.test(problem), `expected ${re}, got ${problem}`);
    assert.equal(isWebviewMessage(msg), false);
  }
});

test('a type field inherited from the prototype is not a message type', () => {
  assert.match(validateWebviewMessage({ type: 'toString' }) ?? '', /message\.type/);
  assert.match(validateHostMessage({ type: 'constructor' }) ?? '', /message\.type/);
});
