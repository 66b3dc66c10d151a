/** How far apart two spellings are; used for every "did you mean" suggestion. */

/**
 * Damerau-Levenshtein distance (optimal string alignment: insertions, deletions,
 * substitutions and transpositions of adjacent characters, each costing 1). With `limit`,
 * the work stops once every alignment costs more, and `limit + 1` is returned.
 */
export function editDistance(a: string, b: string, limit = Infinity): number {
  // Three rolling rows, allocated once per call: this runs for every zone name in check.
  let twoBack = new Int32Array(b.length + 1);
  let previous = new Int32Array(b.length + 1);
  let current = new Int32Array(b.length + 1);
  for (let j = 0; j <= b.length; j++) previous[j] = j;
  let previousRowBest = 0;
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    let rowBest = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, twoBack[j - 2] + 1);
      current[j] = best;
      if (best < rowBest) rowBest = best;
    }
    // A row's best is at least the smaller of the last row's best and, by a transposition,
    // the best two rows up plus one: once both exceed the limit, every later row does too.
    if (rowBest > limit && previousRowBest >= limit) return limit + 1;
    previousRowBest = rowBest;
    [twoBack, previous, current] = [previous, current, twoBack];
  }
  return Math.min(previous[b.length], limit + 1);
}
