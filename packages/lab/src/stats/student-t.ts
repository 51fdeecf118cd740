/**
 * Student-t 95% confidence intervals over seeds (used by `bench learn`). The samples are per-seed means (one number
 * per seed), so n is small (3-10) and the normal 1.96 would understate the interval by up to 2.2x at n = 3:
 * the half-width uses Student's t with n - 1 degrees of freedom.
 */

/** Two-sided 95% quantiles t_{0.975, df} for df = 1..30 (standard tables, 3 decimals). */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086,
  2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];
const Z975 = 1.959964;

/** t_{0.975, df}: the table up to 30, above it the Cornish-Fisher expansion around the normal (error < 1e-3). */
export function tQuantile975(df: number): number {
  if (!Number.isInteger(df) || df < 1) return NaN;
  if (df <= T975.length) return T975[df - 1]!;
  const z = Z975;
  return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df * df);
}

export interface Interval {
  readonly n: number;
  readonly mean: number;
  /** Sample standard deviation (n - 1 in the denominator); NaN for n < 2. */
  readonly std: number;
  /** Half-width of the 95% interval: mean ± halfWidth. NaN for n < 2 (one seed says nothing about seeds). */
  readonly halfWidth: number;
  readonly min: number;
  readonly max: number;
}

/** Mean and 95% t-interval of `xs` (NaN entries are a caller bug and propagate, never silently dropped). */
export function ci95(xs: readonly number[]): Interval {
  const n = xs.length;
  if (n === 0) return { n, mean: NaN, std: NaN, halfWidth: NaN, min: NaN, max: NaN };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : NaN;
  return { n, mean, std, halfWidth: n > 1 ? (tQuantile975(n - 1) * std) / Math.sqrt(n) : NaN, min: Math.min(...xs), max: Math.max(...xs) };
}
