/**
 * Selection (epo.md steps 4 and 5). Candidates are the M members in slot order followed by the
 * children. Losses are -f + λ·XE in float64; a NaN loss (a backend that produced NaN) never wins.
 */

function loss(feature: number, xe: number, lambda: number): number {
  const l = -feature + lambda * xe;
  return Number.isNaN(l) ? Infinity : l;
}

/**
 * Slot j takes the argmin of -f + λ_j·XE over all candidates, with replacement (several slots may
 * take the same candidate). Ties go to the incumbent (candidate j); among other tied candidates the
 * first wins. Returns the chosen candidate index per slot.
 */
export function selectSlots(lambdas: readonly number[], feature: ArrayLike<number>, xe: ArrayLike<number>): Int32Array {
  const m = lambdas.length;
  if (feature.length < m || xe.length !== feature.length) {
    throw new Error(`selection needs the ${m} members first among the candidates, got ${feature.length} features and ${xe.length} XE values`);
  }
  const chosen = new Int32Array(m);
  for (let j = 0; j < m; j++) {
    const lambda = lambdas[j];
    let best = j, bestLoss = loss(feature[j], xe[j], lambda);
    for (let c = 0; c < feature.length; c++) {
      const l = loss(feature[c], xe[c], lambda);
      if (l < bestLoss) { best = c; bestLoss = l; }
    }
    chosen[j] = best;
  }
  return chosen;
}

/** Restart: the candidate minimising -f + λ_r·XE (first on ties), for every slot. */
export function restartPick(lambda: number, feature: ArrayLike<number>, xe: ArrayLike<number>): number {
  let best = 0, bestLoss = Infinity;
  for (let c = 0; c < feature.length; c++) {
    const l = loss(feature[c], xe[c], lambda);
    if (l < bestLoss) { best = c; bestLoss = l; }
  }
  return best;
}
