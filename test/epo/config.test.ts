import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_EPO_CONFIG, isRestartIteration, presetConfig, resolveConfig, slotCaps, slotLambdas, trajectoryDifferences } from '../../src/engine/epo/config';

test('config: defaults are the paper\'s but for the candidates and the shifts (docs/epo-improvements.md); the paper preset has the paper\'s', () => {
  const c = resolveConfig();
  assert.equal(c.iterations, 300);
  assert.equal(c.population, 8);
  assert.equal(c.childrenPerMember, 32);
  assert.equal(c.topK, 64);
  assert.equal(c.modelShare, 0.5);
  assert.equal(c.islands, 1);
  assert.equal(c.shiftShare, 0.25);
  const paper = resolveConfig(presetConfig('paper'));
  assert.deepEqual({ ...c, topK: 512, modelShare: 0, shiftShare: 0 }, paper);
  assert.throws(() => presetConfig('fast'), /unknown preset "fast" \(known: paper\)/);
  assert.equal(c.seqLen, 12);
  assert.equal(c.restartEvery, 30);
  assert.equal(c.restartLambdaMin, 0.667);
  assert.equal(c.restartLambdaMax, 6);
  assert.equal(c.batchSize, 128);
  assert.equal(c.retokenize, true);
  assert.equal(c.bannedText.length, 0);
  assert.equal(c.initialPrompt, undefined);
  c.bannedText.push('x');
  assert.deepEqual(DEFAULT_EPO_CONFIG.bannedText, [], 'defaults are not shared mutable state');
});

test('config: slot λs are log-spaced 0.1 … 10 (epo.md values)', () => {
  const l = slotLambdas(resolveConfig());
  const expected = [0.1, 0.193, 0.373, 0.720, 1.39, 2.68, 5.18, 10];
  assert.equal(l[0], 0.1);
  assert.equal(l[7], 10);
  l.forEach((v, j) => assert.ok(Math.abs(v - expected[j]) / expected[j] < 0.005, `λ_${j} = ${v}`));
  assert.deepEqual(slotLambdas(resolveConfig({ population: 1, lambdaMin: 0 })), [0]);
});

test('config: validation messages name the field and the value', () => {
  const cases: [object, RegExp][] = [
    [{ population: 0 }, /population must be an integer ≥ 1, got 0/],
    [{ population: 2.5 }, /population must be an integer ≥ 1, got 2.5/],
    [{ iterations: -1 }, /iterations must be an integer ≥ 0, got -1/],
    [{ seqLen: 1 }, /seqLen must be an integer ≥ 2, got 1/],
    [{ topK: '5' }, /topK must be an integer ≥ 1, got "5"/],
    [{ lambdaMin: 5, lambdaMax: 1 }, /lambdaMin \(5\) must be ≤ lambdaMax \(1\)/],
    [{ lambdaMin: 0 }, /lambdaMin must be > 0 when population > 1/],
    [{ lambdaMax: NaN }, /lambdaMax must be a finite number ≥ 0, got NaN/],
    [{ restartLambdaMin: 7 }, /restartLambdaMin \(7\) must be ≤ restartLambdaMax \(6\)/],
    [{ bannedText: ['ok', ''] }, /bannedText must be an array of non-empty strings/],
    [{ retokenize: 'yes' }, /retokenize must be true or false, got "yes"/],
    [{ seqLen: 3, initialPrompt: [1, 2] }, /initialPrompt must be an array of 3 token ids \(seqLen\), got 2 ids/],
    [{ seqLen: 2, initialPrompt: [1, -2] }, /initialPrompt\[1\] must be an integer ≥ 0, got -2/],
    [{ popSize: 3 }, /unknown EPO config option "popSize"/],
    [{ seed: -1 }, /seed must be an integer ≥ 0, got -1/],
    [{ islands: 0 }, /islands must be an integer ≥ 1, got 0/],
    [{ islands: 9 }, /islands \(9\) must be ≤ population \(8\): every island needs a slot/],
    [{ population: 1, lambdaMin: 0, islands: 2 }, /islands \(2\) must be ≤ population \(1\)/],
    [{ shiftShare: 1.5 }, /shiftShare must be a share from 0 to 1 of each member's children, got 1.5/],
    [{ restartArchive: 1 }, /restartArchive must be true or false, got 1/],
    [{ cappedSlots: 9 }, /cappedSlots \(9\) must be ≤ population \(8\)/],
    [{ xeCapMin: 4, xeCapMax: 3 }, /xeCapMin \(4\) must be ≤ xeCapMax \(3\)/],
    [{ xeCapMax: -1 }, /xeCapMax must be a finite number ≥ 0, got -1/],
  ];
  for (const [partial, re] of cases) assert.throws(() => resolveConfig(partial as never), re, JSON.stringify(partial));
});

test('config: the capped slots are the most fluent, their caps spread from xeCapMin up to xeCapMax', () => {
  assert.deepEqual(slotCaps({ population: 5, cappedSlots: 3, xeCapMin: 2, xeCapMax: 3 }), [Infinity, Infinity, 3, 2.5, 2]);
  assert.deepEqual(slotCaps({ population: 2, cappedSlots: 1, xeCapMin: 2, xeCapMax: 3 }), [Infinity, 2]);
  assert.deepEqual(slotCaps({ population: 2, cappedSlots: 0, xeCapMin: 2, xeCapMax: 3 }), [Infinity, Infinity]);
});

test('config: undefined fields take defaults; restarts at multiples of T_restart, never at 0', () => {
  assert.equal(resolveConfig({ population: undefined }).population, 8);
  const c = resolveConfig({ restartEvery: 30 });
  assert.deepEqual([0, 29, 30, 59, 60].map((i) => isRestartIteration(c, i)), [false, false, true, false, true]);
  assert.equal(isRestartIteration(resolveConfig({ restartEvery: 0 }), 30), false);
});

test('config: trajectory differences name the field', () => {
  const a = resolveConfig(), b = resolveConfig({ seed: 3, iterations: 5 });
  assert.deepEqual(trajectoryDifferences(a, b), ['seed: 0 → 3']);
});
