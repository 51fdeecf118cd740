/**
 * Test helper: the exact bootstrap distribution of a tiny sample, by enumerating all n^n resamples (equally
 * likely), and the band a Monte Carlo percentile from `reps` replicates must fall in.
 */

/** Every resample with replacement of `values` (n^n of them, in a fixed order). */
export function* allResamples(values: readonly number[]): Generator<number[]> {
  const n = values.length;
  const idx = new Array<number>(n).fill(0);
  for (;;) {
    yield idx.map((i) => values[i]!);
    let k = n - 1;
    while (k >= 0 && idx[k] === n - 1) idx[k--] = 0;
    if (k < 0) return;
    idx[k]!++;
  }
}

/** The exact p-quantile (inverse CDF: the smallest value whose CDF reaches p) of equally likely `outcomes`. */
export function exactQuantile(outcomes: readonly number[], p: number): number {
  const sorted = [...outcomes].sort((a, b) => a - b);
  const k = Math.max(0, Math.ceil(p * sorted.length - 1e-9) - 1);
  return sorted[Math.min(k, sorted.length - 1)]!;
}

/**
 * Where a Monte Carlo p-quantile of `reps` replicates lands, with probability above 1 - 1e-4: the count of
 * replicates at or below a value is Binomial(reps, F), whose proportion is within 4 standard deviations,
 * delta = 4 sqrt(p (1 - p) / reps), of F; so the estimate lies between the exact quantiles at p - delta and
 * p + delta.
 */
export function monteCarloBracket(outcomes: readonly number[], p: number, reps: number): { lo: number; hi: number; delta: number } {
  const delta = 4 * Math.sqrt((p * (1 - p)) / reps);
  return { lo: exactQuantile(outcomes, p - delta), hi: exactQuantile(outcomes, p + delta), delta };
}
