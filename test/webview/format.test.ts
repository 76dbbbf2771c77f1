import test from 'node:test';
import assert from 'node:assert/strict';
import {
  formatCount, formatDuration, formatLambda, formatMs, formatPercent, formatRate, formatValue, formatXe, oneLine, visibleToken,
} from '../../webview/format';
import { describeMove, findShift, idsKey, sameIds, tokenMarks } from '../../webview/token-diff';
import { parseColor, withAlpha } from '../../webview/color';
import { grownRange, niceStep, paddedRange } from '../../webview/ranges';
import { dropIntensity, largestDrop } from '../../webview/attribution-scale';
import { Lru } from '../../webview/lru';
import { attribution } from './fixtures';

test('numbers are formatted for reading, with a true minus sign', () => {
  assert.equal(formatValue(7.5312), '7.53');
  assert.equal(formatValue(-0.04213), '−0.042');
  assert.equal(formatValue(123.45), '123.5');
  assert.equal(formatValue(0), '0.00');
  assert.equal(formatValue(2.5e-5), '2.50e-5');
  assert.equal(formatValue(NaN), '—');
  assert.equal(formatValue(null), '—');
  assert.equal(formatXe(3.14159), '3.14');
  assert.deepEqual([0.1, 0.193069, 0.7197, 5.179, 10].map(formatLambda), ['0.1', '0.193', '0.72', '5.18', '10']);
  assert.equal(formatMs(3.21), '3.2 ms');
  assert.equal(formatMs(612.4), '612 ms');
  assert.equal(formatMs(1534), '1.53 s');
  assert.equal(formatCount(80123), '80,123');
  assert.equal(formatRate(2.345), '2.3 it/s');
  assert.equal(formatRate(14.6), '15 it/s');
  assert.equal(formatRate(0.25), '4.0 s/it');
  assert.equal(formatRate(0), '—');
  assert.equal(formatDuration(45.4), '45 s');
  assert.equal(formatDuration(185), '3 m 05 s');
  assert.equal(formatDuration(3720), '1 h 02 m');
  assert.equal(formatPercent(-0.257), '−26%');
});

test('tokens show their whitespace', () => {
  assert.deepEqual(visibleToken(' the'), [{ text: '·', ws: true }, { text: 'the', ws: false }]);
  assert.deepEqual(visibleToken('\n\n'), [{ text: '↵↵', ws: true }]);
  assert.deepEqual(visibleToken('a\tb\u0001'), [{ text: 'a', ws: false }, { text: '⇥', ws: true }, { text: 'b', ws: false }, { text: '␁', ws: true }]);
  assert.deepEqual(visibleToken(''), [{ text: '∅', ws: true }]);
  assert.equal(oneLine('a\nb\tc'), 'a↵b⇥c');
});

test('token marks compare with the slot’s previous prompt', () => {
  assert.deepEqual(tokenMarks([1, 2, 3], [1, 9, 3]), ['same', 'changed', 'same']);
  assert.deepEqual(tokenMarks(undefined, [1, 2]), ['same', 'same']);
  assert.deepEqual(tokenMarks([1], [1, 2]), ['same', 'changed']);
  // A shift: 2 deleted, 9 inserted at index 3, 3 and 4 moved left.
  assert.deepEqual(tokenMarks([1, 2, 3, 4, 5, 6], [1, 3, 4, 9, 5, 6]), ['same', 'moved', 'moved', 'inserted', 'same', 'same']);
  // The other way: 9 inserted at index 1, 2 and 3 moved right, 4 deleted.
  assert.deepEqual(tokenMarks([1, 2, 3, 4, 5, 6], [1, 9, 2, 3, 5, 6]), ['same', 'inserted', 'moved', 'moved', 'same', 'same']);
  // A shift over the whole prompt (delete the first token, append one).
  assert.deepEqual(tokenMarks([1, 2, 3, 4], [2, 3, 4, 7]), ['moved', 'moved', 'moved', 'inserted']);
  // Two replacements stay replacements; three that are no shift stay changes.
  assert.deepEqual(tokenMarks([1, 2, 3, 4], [1, 3, 7, 4]), ['same', 'changed', 'changed', 'same']);
  assert.deepEqual(tokenMarks([1, 2, 3, 4], [7, 8, 9, 4]), ['changed', 'changed', 'changed', 'same']);
  assert.deepEqual(findShift([1, 2, 3, 4, 5], [1, 3, 4, 5, 9]), { del: 1, ins: 4 });
  // What the Tokens view says about a move (positions 1-based).
  assert.equal(describeMove(tokenMarks([1, 2, 3, 4, 5, 6], [1, 3, 4, 9, 5, 6])), 'a shift: one token deleted, token 4 inserted, tokens 2–3 moved one place');
  assert.equal(describeMove(tokenMarks([1, 2, 3, 4], [2, 3, 4, 7])), 'a shift: one token deleted, token 4 inserted, tokens 1–3 moved one place');
  assert.equal(describeMove(tokenMarks([1, 2, 3], [1, 9, 3])), 'token 2 replaced');
  assert.equal(describeMove(tokenMarks([1, 2, 3, 4], [1, 3, 7, 4])), 'tokens 2, 3 replaced');
  assert.equal(describeMove(tokenMarks([1, 2], [1, 2])), 'no token changed');
  assert.equal(sameIds([1, 2], [1, 2]), true);
  assert.equal(sameIds([1, 2], [1, 3]), false);
  assert.equal(sameIds(undefined, [1]), false);
  assert.notEqual(idsKey([1, 23]), idsKey([12, 3]));
});

test('theme colours get an opacity for canvas drawing', () => {
  assert.deepEqual(parseColor('#0078D4'), { r: 0, g: 120, b: 212, a: 1 });
  assert.deepEqual(parseColor('#FFFFFF17'), { r: 255, g: 255, b: 255, a: 0x17 / 255 });
  assert.deepEqual(parseColor('#abc'), { r: 0xaa, g: 0xbb, b: 0xcc, a: 1 });
  assert.deepEqual(parseColor('rgba(10, 20, 30, 0.5)'), { r: 10, g: 20, b: 30, a: 0.5 });
  assert.deepEqual(parseColor('rgb(10 20 30 / 50%)'), { r: 10, g: 20, b: 30, a: 0.5 });
  assert.equal(parseColor('tomato'), null);
  assert.equal(withAlpha('#3794FF', 0.25), 'rgba(55, 148, 255, 0.25)');
  assert.equal(withAlpha('#3794FF80', 0.5), 'rgba(55, 148, 255, 0.251)');
  assert.equal(withAlpha('tomato', 0.5), 'tomato');
});

test('axis ranges grow in nice steps and only when needed', () => {
  assert.equal(niceStep(8), 2);
  assert.equal(niceStep(0.3), 0.05);
  const r = paddedRange(2.1, 9.7);
  assert.ok(r.min <= 2.1 - 0.5 && r.max >= 9.7 + 0.5, JSON.stringify(r));
  assert.equal(r.min % 1, 0);
  assert.equal(grownRange(r, 3, 9), r);
  const g = grownRange(r, 2.1, 14);
  assert.ok(g.max >= 14 && g.min <= 2.1, JSON.stringify(g));
  // Growing many times in small steps must not push the other end outwards.
  let grown = paddedRange(-0.3, 0.4);
  for (let top = 0.5; top < 12; top += 0.25) grown = grownRange(grown, -0.3, top);
  assert.ok(grown.min >= -2, `the lower end drifted to ${grown.min}`);
  assert.deepEqual(paddedRange(5, 5), paddedRange(4.5, 5.5));
});

test('attribution colour intensity', () => {
  assert.equal(dropIntensity(0.5, true, 99), 0.5);
  assert.equal(dropIntensity(1.7, true, 0), 1);
  assert.equal(dropIntensity(-0.2, true, 0), 0);
  assert.equal(dropIntensity(2, false, 4), 0.5);
  assert.equal(dropIntensity(2, false, 0), 0);
  assert.equal(largestDrop(attribution([1, 2])), 0.9);
});

test('lru evicts the least recently used', () => {
  const c = new Lru<number, string>(2);
  c.set(1, 'a'); c.set(2, 'b');
  assert.equal(c.get(1), 'a');
  c.set(3, 'c');
  assert.equal(c.has(2), false);
  assert.equal(c.has(1), true);
  assert.throws(() => new Lru(0), /capacity must be ≥ 1, got 0/);
});
