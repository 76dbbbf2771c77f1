import { test } from 'node:test';
import assert from 'node:assert/strict';
import { restartPick, selectSlots } from '../../src/engine/epo/select';

test('select: per-slot argmin of -f + λ·XE, with replacement', () => {
  // members 0,1 then children 2,3. Child 2: high f, high XE; child 3: low f, low XE.
  const f = [1, 1, 10, 2], xe = [5, 5, 8, 1];
  const chosen = selectSlots([0.1, 10], f, xe);
  assert.deepEqual(Array.from(chosen), [2, 3]);
  // both slots with the same λ take the same child: replacement
  assert.deepEqual(Array.from(selectSlots([0.1, 0.1], f, xe)), [2, 2]);
});

test('select: ties go to the incumbent, then to the first candidate', () => {
  // slot 1's incumbent (index 1) ties with child 2 and member 0: stays
  const f = [3, 3, 3], xe = [1, 1, 1];
  assert.deepEqual(Array.from(selectSlots([1, 1], f, xe)), [0, 1]);
  // slot 0's incumbent is worse; children 2 and 3 tie: the first wins
  assert.deepEqual(Array.from(selectSlots([1], [0, 5, 5], [1, 1, 1])), [1]);
  assert.deepEqual(Array.from(selectSlots([1, 1], [0, 0, 5, 5], [1, 1, 1, 1])), [2, 2]);
});

test('select: NaN never wins, even as incumbent', () => {
  assert.deepEqual(Array.from(selectSlots([1], [NaN, -100], [1, 1])), [1]);
  assert.equal(restartPick(1, [NaN, 0, 1], [0, 0, 0]), 2);
});

test('restart: argmin with the λ given, first on ties', () => {
  const f = [0, 4, 1], xe = [0, 4, 0.5];
  assert.equal(restartPick(0.5, f, xe), 1); // losses 0, -2, -0.75
  assert.equal(restartPick(2, f, xe), 0); // losses 0, 4, 0 → first
});

test('select: a capped slot takes the best f with XE ≤ its cap, else the smallest XE, never NaN', () => {
  // members 0, 1 then children: (f 9, XE 4) over the cap, (f 5, XE 2.9) and (f 3, XE 2) under it.
  const f = [1, 1, 9, 5, 3], xe = [6, 6, 4, 2.9, 2];
  // λ 10 alone would take (3, 2): −3 + 20 = 17 against −5 + 29 = 24. The cap 3 takes (5, 2.9).
  assert.deepEqual(Array.from(selectSlots([10, 10], f, xe, [Infinity, 3])), [4, 3]);
  // Nothing under a cap of 1.5: the smallest XE, to get there.
  assert.deepEqual(Array.from(selectSlots([10], f, xe, [1.5])), [4]);
  // Ties under the cap go to the incumbent; NaN never wins, even as incumbent.
  assert.deepEqual(Array.from(selectSlots([1, 1], [5, 5, 5], [2, 2, 2], [3, 3])), [0, 1]);
  assert.deepEqual(Array.from(selectSlots([1], [NaN, 0], [1, 9], [3])), [1]);
  assert.deepEqual(Array.from(selectSlots([1], [2, 7], [1, NaN], [3])), [0]);
});
