/**
 * Selection (epo.md steps 4 and 5). Candidates are the M members in slot order followed by the
 * children. Losses are -f + λ·XE in float64; a NaN loss (a backend that produced NaN) never wins.
 */

function loss(feature: number, xe: number, lambda: number): number {
  const l = -feature + lambda * xe;
  return Number.isNaN(l) ? Infinity : l;
}

/**
 * A capped slot's order (the ε-constraint method of multi-objective search, Haimes et al. 1971): a
 * candidate with XE ≤ cap beats one above it; among those under the cap the larger f wins, among
 * those above it the smaller XE. Compared as (tier, loss): tier 0 under the cap with loss −f, tier 1
 * above it with loss XE, tier 2 for NaN (never wins).
 */
function cappedKey(feature: number, xe: number, cap: number): [number, number] {
  if (Number.isNaN(feature) || Number.isNaN(xe)) return [2, 0];
  return xe <= cap ? [0, -feature] : [1, xe];
}

/**
 * Slot j takes the argmin of -f + λ_j·XE over all candidates, with replacement (several slots may
 * take the same candidate); a slot with a cap (caps[j] finite) takes the best f with XE ≤ cap
 * instead (cappedKey). Ties go to the incumbent (candidate j); among other tied candidates the
 * first wins. Returns the chosen candidate index per slot.
 */
export function selectSlots(lambdas: readonly number[], feature: ArrayLike<number>, xe: ArrayLike<number>, caps?: readonly number[]): Int32Array {
  const m = lambdas.length;
  if (feature.length < m || xe.length !== feature.length) {
    throw new Error(`selection needs the ${m} members first among the candidates, got ${feature.length} features and ${xe.length} XE values`);
  }
  const chosen = new Int32Array(m);
  for (let j = 0; j < m; j++) {
    const lambda = lambdas[j], cap = caps?.[j] ?? Infinity;
    if (Number.isFinite(cap)) {
      let best = j, [bestTier, bestLoss] = cappedKey(feature[j], xe[j], cap);
      for (let c = 0; c < feature.length; c++) {
        const [tier, l] = cappedKey(feature[c], xe[c], cap);
        if (tier < bestTier || (tier === bestTier && l < bestLoss)) { best = c; bestTier = tier; bestLoss = l; }
      }
      chosen[j] = best;
      continue;
    }
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
