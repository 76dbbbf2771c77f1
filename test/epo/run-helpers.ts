/** Shared by the EPO loop's tests (run.test.ts, moves.test.ts): a small toy config, a recorded run, and the hygiene check. */
import assert from 'node:assert/strict';
import { runEpo } from '../../src/engine/epo/run';
import type { EpoIterationEvent, EpoResult } from '../../src/engine/epo/types';
import type { EvalHistory } from '../../src/engine/epo/history';
import { makeToy, ToyBackend } from './toy-backend';
import { promptKey } from '../../src/engine/epo/cache';
import { shifted } from '../../src/engine/epo/candidates';

export const SMALL = { seqLen: 6, iterations: 40, topK: 16, childrenPerMember: 16, restartEvery: 10, retokenize: false, islands: 1 } as const;

export async function recordRun(backend: ToyBackend, tokenizer: ReturnType<typeof makeToy>['tokenizer'], config: object) {
  const events: EpoIterationEvent[] = [];
  const callsBefore: number[] = [];
  const result = await runEpo(backend, tokenizer, config, {
    onIteration: (e) => { events.push(e); callsBefore.push(backend.topKCalls.length); },
  });
  return { events, callsBefore, result };
}

export const loss = (h: EvalHistory, row: number, lambda: number) => -h.feature(row) + lambda * h.xe(row);

/** Whether `child` is `parent` with one token deleted and another inserted elsewhere (a shift). */
function isShift(parent: number[], child: number[]): boolean {
  const n = parent.length;
  for (let d = 0; d < n; d++) {
    for (let i = 0; i < n; i++) if (i !== d && promptKey(shifted(Int32Array.from(parent), d, i, child[i])) === promptKey(child)) return true;
  }
  return false;
}

export function assertHygiene(result: EpoResult, backend: ToyBackend) {
  const h = result.history;
  const keys = new Set<string>();
  let twoTokenMoves = 0, shifts = 0, pureShifts = 0;
  for (let r = 0; r < h.size; r++) {
    const ids = h.ids(r);
    keys.add(promptKey(ids));
    ids.forEach((id) => assert.equal(backend.allowed[id], 1, `row ${r} has disallowed id ${id}`));
    const p = h.parent(r);
    if (p >= 0) {
      const diff = ids.filter((id, i) => id !== h.ids(p)[i]).length;
      const shift = isShift(h.ids(p), ids);
      if (shift) shifts++;
      // Two positions only where the parent's one-token neighbourhood ran out (counted as wideMoves),
      // more only for a shift (counted as shiftMoves; a shift by one place may also change one or two).
      assert.ok(diff === 1 || diff === 2 || shift, `row ${r} differs from its parent in ${diff} positions and is no shift`);
      if (diff > 2) pureShifts++;
      if (diff === 2) twoTokenMoves++;
    }
  }
  assert.ok(pureShifts <= result.stats.shiftMoves && result.stats.shiftMoves <= shifts, `shifts: ${pureShifts} ≤ ${result.stats.shiftMoves} counted ≤ ${shifts}`);
  if (result.config.shiftShare === 0) {
    assert.equal(result.stats.shiftMoves, 0);
    assert.equal(twoTokenMoves, result.stats.wideMoves, 'children that changed two tokens are the counted wide moves');
  }
  assert.equal(keys.size, h.size, 'no prompt appears twice in the history');
  assert.equal(backend.duplicateScored(), false, 'the backend never scored a prompt twice');
  assert.equal(backend.scored.length, h.size);
}
