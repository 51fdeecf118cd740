/**
 * The stratified bootstrap of Agarwal et al. (2021), seeded: each replicate resamples the runs of every task
 * with replacement, independently across tasks, and recomputes the statistic; the interval is the percentile
 * interval of the replicates (rliable's default method). The same seed and data give the same interval.
 */
import { FarsightError, Rng } from "@farsight/core";
import { AGGREGATE_LABELS, aggregateTasks, checkAggregate, taskAggregator, type AggregateName } from "./aggregates.js";
import { runCounts, toStrata, type Scores } from "./scores.js";

/** Resamples per interval unless told otherwise. rliable uses 50,000; see the README for why 10,000 is enough. */
export const DEFAULT_REPS = 10_000;
/** Coverage of every interval unless told otherwise (rliable's default). */
export const DEFAULT_CONFIDENCE = 0.95;
/** Seed of the resampling stream unless told otherwise. */
export const DEFAULT_SEED = 0;

/** How an interval is resampled. */
export interface BootstrapOptions {
  /** Bootstrap replicates (default {@link DEFAULT_REPS}). */
  readonly reps?: number;
  /** Coverage of the percentile interval, in (0, 1) (default 0.95). */
  readonly confidence?: number;
  /** Seed of the resampling stream (default 0): the same seed and scores give the same interval. */
  readonly seed?: number;
}

/** The settings an interval was computed with, carried by every result so a table can say them. */
export interface BootstrapSettings {
  readonly reps: number;
  readonly confidence: number;
  readonly seed: number;
}

/** A point estimate with its percentile interval. */
export interface IntervalEstimate extends BootstrapSettings {
  /** What was aggregated: "mean", "IQM" or "median". */
  readonly statistic: string;
  /** The aggregate of the scores as given (not a bootstrap average). */
  readonly estimate: number;
  /** Interval bounds; NaN when some task has a single run (one seed says nothing about seeds). */
  readonly lo: number;
  readonly hi: number;
  /** Seeds: runs per task (the smallest task's count when they differ). */
  readonly n: number;
  /** Number of tasks (strata). */
  readonly tasks: number;
}

/** Checks and fills in the bootstrap options. */
export function bootstrapSettings(options: BootstrapOptions = {}): BootstrapSettings {
  const { reps = DEFAULT_REPS, confidence = DEFAULT_CONFIDENCE, seed = DEFAULT_SEED } = options;
  if (!Number.isInteger(reps) || reps < 1) {
    throw new FarsightError("lab/stats-bad-option", `reps must be an integer >= 1 (the number of bootstrap resamples), got ${reps}`, { reps });
  }
  if (!(confidence > 0 && confidence < 1)) {
    throw new FarsightError("lab/stats-bad-option", `confidence must be in (0, 1) (e.g. 0.95 for a 95% interval), got ${confidence}`, { confidence });
  }
  if (!Number.isSafeInteger(seed)) {
    throw new FarsightError("lab/stats-bad-option", `seed must be a safe integer, got ${seed}`, { seed });
  }
  return { reps, confidence, seed };
}

/**
 * Runs `reps` replicates of a vector statistic of `dims` values. `replicate` draws from the stream it is given
 * and writes its statistic into `out`. Returns one array of `reps` values per dimension. `stream` names the
 * statistic, so that two statistics on the same seed do not share their draws by accident.
 */
export function bootstrapReplicates(
  dims: number,
  settings: BootstrapSettings,
  stream: string,
  replicate: (rng: Rng, out: Float64Array) => void,
): Float64Array[] {
  const rng = new Rng(settings.seed, `lab/stats/${stream}`);
  const samples = Array.from({ length: dims }, () => new Float64Array(settings.reps));
  const out = new Float64Array(dims);
  for (let r = 0; r < settings.reps; r++) {
    replicate(rng, out);
    for (let d = 0; d < dims; d++) samples[d]![r] = out[d]!;
  }
  return samples;
}

/**
 * The percentile interval of bootstrap replicates: their (1 - c) / 2 and (1 + c) / 2 quantiles, interpolated
 * linearly between order statistics (numpy's default rule, as rliable's percentile method and core's `quantile`).
 */
export function percentileInterval(replicates: ArrayLike<number>, confidence: number): { readonly lo: number; readonly hi: number } {
  const sorted = Float64Array.from(replicates).sort();
  const tail = (1 - confidence) / 2;
  return { lo: quantileOfSorted(sorted, tail), hi: quantileOfSorted(sorted, 1 - tail) };
}

function quantileOfSorted(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Fills `into` with `source` resampled with replacement (`into` has the length of `source`). */
export function resampleInto(rng: Rng, source: Float64Array, into: Float64Array): void {
  const n = source.length;
  for (let i = 0; i < n; i++) into[i] = source[rng.int(n)]!;
}

/** Options of {@link intervalEstimate}. */
export interface IntervalOptions extends BootstrapOptions {
  /** The aggregate (default "mean"). */
  readonly aggregate?: AggregateName;
  /** The method's name, for error messages. */
  readonly method?: string;
}

/**
 * The aggregate of `scores` (tasks x runs) with its stratified-bootstrap percentile interval.
 *
 * @example
 * intervalEstimate([9.8, 10.1, 10.5, 10.2, 10.6], { aggregate: "iqm" }) // { estimate: 10.27, lo, hi, n: 5, ... }
 */
export function intervalEstimate(scores: Scores, options: IntervalOptions = {}): IntervalEstimate {
  const aggregate = checkAggregate(options.aggregate ?? "mean");
  const settings = bootstrapSettings(options);
  const strata = toStrata(scores, options.method);
  const { minRuns } = runCounts(strata);
  const base = { ...settings, statistic: AGGREGATE_LABELS[aggregate], estimate: aggregateTasks(aggregate, strata.runs), n: minRuns, tasks: strata.runs.length };
  if (minRuns < 2) return { ...base, lo: NaN, hi: NaN };
  const buffers = strata.runs.map((r) => new Float64Array(r.length));
  const aggregateOf = taskAggregator(aggregate, strata.runs.map((r) => r.length));
  const [replicates] = bootstrapReplicates(1, settings, `interval/${aggregate}`, (rng, out) => {
    strata.runs.forEach((r, t) => resampleInto(rng, r, buffers[t]!));
    out[0] = aggregateOf(buffers);
  });
  return { ...base, ...percentileInterval(replicates!, settings.confidence) };
}
