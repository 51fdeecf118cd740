/**
 * The difference of two methods' aggregates, aggregate(x) - aggregate(y), with its bootstrap interval and a
 * verdict. Paired: run i of x and run i of y share a seed (environment, users, initialisation), so a replicate
 * draws the seed indices once per task and uses them for both methods; seed effects cancel. For the mean this
 * is exactly the bootstrap of the per-seed differences. Unpaired: each method's runs are resampled
 * independently (different seeds, or runs that share nothing).
 */
import { AGGREGATE_LABELS, aggregateTasks, checkAggregate, taskAggregator, type AggregateName } from "./aggregates.js";
import { bootstrapReplicates, bootstrapSettings, percentileInterval, resampleInto, type BootstrapOptions, type BootstrapSettings } from "./bootstrap.js";
import { alignTasks, runCounts, toStrata, type MethodScores } from "./scores.js";

/** What an interval of a difference (or of P(improvement) - 0.5) shows. */
export type Verdict = "wins" | "loses" | "no difference shown";

/** Options of {@link difference}. `paired` has no default: the caller says whether the seeds are shared. */
export interface DifferenceOptions extends BootstrapOptions {
  /** true when run i of both methods used seed i (the same environment and users); false otherwise. */
  readonly paired: boolean;
  /** The aggregate compared (default "mean"). */
  readonly aggregate?: AggregateName;
}

/** aggregate(x) - aggregate(y) with its interval. */
export interface DifferenceEstimate extends BootstrapSettings {
  /** The method and the one it is compared with (its ablation or baseline). */
  readonly x: string;
  readonly y: string;
  readonly paired: boolean;
  /** What was aggregated: "mean", "IQM" or "median". */
  readonly statistic: string;
  readonly estimate: number;
  /** NaN when a task of either method has a single run. */
  readonly lo: number;
  readonly hi: number;
  /** Seeds: runs per task (the smallest over tasks and both methods). */
  readonly n: number;
  readonly tasks: number;
  /** "wins" when the interval lies above 0, "loses" below 0, otherwise (or without an interval) "no difference shown". */
  readonly verdict: Verdict;
}

/**
 * The difference aggregate(x) - aggregate(y) over the same tasks, with its bootstrap interval.
 *
 * @example
 * difference({ method: "LERL", scores: lerl }, { method: "flat PPO", scores: ppo }, { paired: true })
 */
export function difference(x: MethodScores, y: MethodScores, options: DifferenceOptions): DifferenceEstimate {
  const aggregate = checkAggregate(options.aggregate ?? "mean");
  const settings = bootstrapSettings(options);
  const paired = options.paired === true;
  const xs = toStrata(x.scores, x.method);
  const ys = alignTasks(xs, toStrata(y.scores, y.method), paired);
  const n = Math.min(runCounts(xs).minRuns, runCounts(ys).minRuns);
  const estimate = aggregateTasks(aggregate, xs.runs) - aggregateTasks(aggregate, ys.runs);
  const base = { ...settings, x: x.method, y: y.method, paired, statistic: AGGREGATE_LABELS[aggregate], estimate, n, tasks: xs.runs.length };
  if (n < 2) return { ...base, lo: NaN, hi: NaN, verdict: "no difference shown" };

  const xb = xs.runs.map((r) => new Float64Array(r.length));
  const yb = ys.runs.map((r) => new Float64Array(r.length));
  const xAggregate = taskAggregator(aggregate, xs.runs.map((r) => r.length));
  const yAggregate = taskAggregator(aggregate, ys.runs.map((r) => r.length));
  const stream = `difference/${paired ? "paired" : "unpaired"}/${aggregate}`;
  const [replicates] = bootstrapReplicates(1, settings, stream, (rng, out) => {
    for (let t = 0; t < xs.runs.length; t++) {
      if (paired) {
        const xr = xs.runs[t]!, yr = ys.runs[t]!, len = xr.length;
        for (let i = 0; i < len; i++) {
          const j = rng.int(len);
          xb[t]![i] = xr[j]!;
          yb[t]![i] = yr[j]!;
        }
      } else {
        resampleInto(rng, xs.runs[t]!, xb[t]!);
        resampleInto(rng, ys.runs[t]!, yb[t]!);
      }
    }
    out[0] = xAggregate(xb) - yAggregate(yb);
  });
  const { lo, hi } = percentileInterval(replicates!, settings.confidence);
  return { ...base, lo, hi, verdict: verdictOf(lo, hi, 0) };
}

/** The verdict of an interval [lo, hi] against the value `none` that means "no effect" (0 for a difference, 0.5 for P(X > Y)). */
export function verdictOf(lo: number, hi: number, none: number): Verdict {
  if (lo > none) return "wins";
  if (hi < none) return "loses";
  return "no difference shown";
}
