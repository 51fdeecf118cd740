/**
 * Probability of improvement P(X > Y) (Agarwal et al., 2021; rliable's `probability_of_improvement`): the
 * chance that a run of X scores above a run of Y on the same task, ties counting one half (the Mann-Whitney U
 * statistic over n_x * n_y), averaged over tasks. 0.5 means neither tends to beat the other. Its interval
 * resamples X's runs and Y's runs independently within each task, as rliable does.
 */
import { bootstrapReplicates, bootstrapSettings, percentileInterval, resampleInto, type BootstrapOptions, type BootstrapSettings } from "./bootstrap.js";
import { verdictOf, type Verdict } from "./difference.js";
import { alignTasks, runCounts, toStrata, type MethodScores } from "./scores.js";

/** P(X > Y) with its interval. */
export interface ImprovementEstimate extends BootstrapSettings {
  readonly x: string;
  readonly y: string;
  readonly estimate: number;
  /** NaN when a task of either method has a single run. */
  readonly lo: number;
  readonly hi: number;
  /** Seeds: runs per task (the smallest over tasks and both methods). */
  readonly n: number;
  readonly tasks: number;
  /** "wins" when the interval lies above 0.5, "loses" below 0.5, otherwise "no difference shown". */
  readonly verdict: Verdict;
}

/**
 * For one task: the mean over all pairs (x_i, y_j) of 1 if x_i > y_j, 1/2 if equal, 0 otherwise.
 * O(n_x * n_y): runs are seeds, a handful each.
 */
export function pairwiseImprovement(xs: ArrayLike<number>, ys: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) {
    for (let j = 0; j < ys.length; j++) {
      const d = xs[i]! - ys[j]!;
      s += d > 0 ? 1 : d === 0 ? 0.5 : 0;
    }
  }
  return s / (xs.length * ys.length);
}

/**
 * P(X > Y) over the same tasks with its stratified-bootstrap interval.
 *
 * @example
 * probabilityOfImprovement({ method: "X", scores: [1, 2, 3] }, { method: "Y", scores: [2, 2, 2] }).estimate // 0.5
 */
export function probabilityOfImprovement(x: MethodScores, y: MethodScores, options: BootstrapOptions = {}): ImprovementEstimate {
  const settings = bootstrapSettings(options);
  const xs = toStrata(x.scores, x.method);
  const ys = alignTasks(xs, toStrata(y.scores, y.method), false);
  const tasks = xs.runs.length;
  const overTasks = (xr: readonly ArrayLike<number>[], yr: readonly ArrayLike<number>[]): number => {
    let s = 0;
    for (let t = 0; t < tasks; t++) s += pairwiseImprovement(xr[t]!, yr[t]!);
    return s / tasks;
  };
  const n = Math.min(runCounts(xs).minRuns, runCounts(ys).minRuns);
  const base = { ...settings, x: x.method, y: y.method, estimate: overTasks(xs.runs, ys.runs), n, tasks };
  if (n < 2) return { ...base, lo: NaN, hi: NaN, verdict: "no difference shown" };

  const xb = xs.runs.map((r) => new Float64Array(r.length));
  const yb = ys.runs.map((r) => new Float64Array(r.length));
  const [replicates] = bootstrapReplicates(1, settings, "improvement", (rng, out) => {
    for (let t = 0; t < tasks; t++) {
      resampleInto(rng, xs.runs[t]!, xb[t]!);
      resampleInto(rng, ys.runs[t]!, yb[t]!);
    }
    out[0] = overTasks(xb, yb);
  });
  const { lo, hi } = percentileInterval(replicates!, settings.confidence);
  return { ...base, lo, hi, verdict: verdictOf(lo, hi, 0.5) };
}
