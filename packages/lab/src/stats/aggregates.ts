/**
 * Aggregates of runs: the mean, the interquartile mean (IQM) and the median, on plain arrays and on
 * tasks x runs. Definitions follow rliable (Agarwal et al., 2021) except where the README says otherwise.
 */
import { FarsightError } from "@farsight/core";

/** The aggregates a statistic can use. */
export type AggregateName = "mean" | "iqm" | "median";

/** How each aggregate is written in tables and legends. */
export const AGGREGATE_LABELS: Readonly<Record<AggregateName, string>> = { mean: "mean", iqm: "IQM", median: "median" };

/** Arithmetic mean; NaN for an empty array. */
export function mean(xs: ArrayLike<number>): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s / xs.length;
}

/**
 * Interquartile mean, as rliable's `scipy.stats.trim_mean(scores, 0.25)`: sort, cut floor(n / 4) values from
 * each end, average the rest. n = 1..3 cut nothing (the IQM is the mean), n = 4 and 5 cut one from each end,
 * n = 8 cuts two. NaN for an empty array.
 */
export function iqm(xs: ArrayLike<number>): number {
  return xs.length === 0 ? NaN : iqmOfSorted(Float64Array.from(xs).sort());
}

/** {@link iqm} of values sorted in increasing order (no copy: bootstrap loops sort a scratch buffer in place). */
export function iqmOfSorted(sorted: ArrayLike<number>): number {
  const n = sorted.length;
  const cut = Math.floor(n / 4);
  let s = 0;
  for (let i = cut; i < n - cut; i++) s += sorted[i]!;
  return s / (n - 2 * cut);
}

/** Median (the mean of the two middle values when n is even); NaN for an empty array. */
export function median(xs: ArrayLike<number>): number {
  return xs.length === 0 ? NaN : medianOfSorted(Float64Array.from(xs).sort());
}

/** {@link median} of values sorted in increasing order. */
export function medianOfSorted(sorted: ArrayLike<number>): number {
  const n = sorted.length;
  const mid = n >> 1;
  return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The aggregate of tasks x runs. `mean` is the mean over tasks of each task's mean over runs (rliable's
 * `aggregate_mean`; the plain mean of all runs when tasks have as many runs). `iqm` and `median` pool every
 * run of every task (rliable's `aggregate_iqm`; rliable's `aggregate_median` is instead the median over tasks
 * of task means, which says nothing about seeds for a single task).
 */
export function aggregateTasks(name: AggregateName, runs: readonly ArrayLike<number>[]): number {
  return taskAggregator(name, runs.map((r) => r.length))(runs);
}

/**
 * {@link aggregateTasks} for tasks of fixed sizes, reusing one buffer across calls: a bootstrap calls it
 * tens of thousands of times, and allocating a pooled copy each time dominated its cost.
 */
export function taskAggregator(name: AggregateName, runsPerTask: readonly number[]): (runs: readonly ArrayLike<number>[]) => number {
  if (name === "mean") {
    return (runs) => {
      let s = 0;
      for (const r of runs) s += mean(r);
      return s / runs.length;
    };
  }
  const scratch = new Float64Array(runsPerTask.reduce((a, b) => a + b, 0));
  const ofSorted = name === "iqm" ? iqmOfSorted : medianOfSorted;
  return (runs) => {
    let k = 0;
    for (const r of runs) for (let i = 0; i < r.length; i++) scratch[k++] = r[i]!;
    return ofSorted(scratch.sort());
  };
}

/** Checks a user-given aggregate name (they arrive from flags and JSON too). */
export function checkAggregate(name: unknown): AggregateName {
  if (name === "mean" || name === "iqm" || name === "median") return name;
  throw new FarsightError("lab/stats-bad-option", `aggregate must be "mean", "iqm" or "median", got ${JSON.stringify(name)}`, { aggregate: name });
}
