/**
 * Learning curves with seed bands. Seeds log their curves at their own steps (an update lands where its
 * rollout ends), so curves first go onto one step grid: each seed's value at a grid step is the linear
 * interpolation between its two nearest logged points, never an extrapolation. The default grid is every
 * logged step of every seed inside the range all seeds cover (from the latest first step to the earliest last
 * step); steps outside it are left out, because there some seeds would have no value. When seeds log at
 * staggered steps that union can hold thousands of steps, so past `maxSteps` (default 256) the grid is instead
 * `maxSteps` evenly spaced steps over the same range, both ends included. At each grid step the
 * band is the stratified-bootstrap interval of the aggregate over seeds; a replicate resamples whole curves,
 * so one resampled seed set serves every step (as rliable's sample-efficiency curves do).
 */
import { FarsightError } from "@farsight/core";
import { AGGREGATE_LABELS, checkAggregate, taskAggregator, type AggregateName } from "./aggregates.js";
import { bootstrapReplicates, bootstrapSettings, percentileInterval, type BootstrapOptions, type BootstrapSettings } from "./bootstrap.js";

/** One logged point of a curve. */
export interface StepValue {
  readonly step: number;
  readonly value: number;
}

/** One seed's curve: points with finite, strictly increasing steps and finite values. */
export interface SeedCurve {
  readonly seed: number | string;
  readonly points: readonly StepValue[];
}

/** Options of {@link curveBands}. */
export interface CurveBandOptions extends BootstrapOptions {
  /** The aggregate over seeds at each step (default "mean"). */
  readonly aggregate?: AggregateName;
  /** The grid; every step must lie inside every seed's logged range. Default: see the module comment. */
  readonly steps?: readonly number[];
  /** The most steps of the default grid (default {@link DEFAULT_CURVE_STEPS}). */
  readonly maxSteps?: number;
  /** The method's name, for error messages. */
  readonly method?: string;
}

/** The most steps of the default grid: enough for a plot, few enough for 10,000 resamples at every step. */
export const DEFAULT_CURVE_STEPS = 256;

/** The aggregate over seeds at each grid step with its band: index k of every array belongs to `steps[k]`. */
export interface CurveBand extends BootstrapSettings {
  readonly statistic: string;
  readonly steps: readonly number[];
  readonly estimate: readonly number[];
  /** Band bounds; NaN with a single seed. */
  readonly lo: readonly number[];
  readonly hi: readonly number[];
  /** Number of seeds. */
  readonly n: number;
  readonly seeds: readonly (number | string)[];
}

/**
 * `points` linearly interpolated at `steps` (both increasing). A step outside the points' range is an error:
 * a curve is never extended past what was logged.
 */
export function interpolateCurve(points: readonly StepValue[], steps: readonly number[], label = "curve"): Float64Array {
  const out = new Float64Array(steps.length);
  const first = points[0]!.step;
  const last = points[points.length - 1]!.step;
  let j = 0;
  steps.forEach((step, k) => {
    if (!(step >= first && step <= last)) {
      throw new FarsightError("lab/stats-bad-option", `${label}: step ${step} is outside the logged steps [${first}, ${last}]; curves are interpolated, never extrapolated`, { step, first, last });
    }
    while (points[j + 1] !== undefined && points[j + 1]!.step <= step) j++;
    const a = points[j]!;
    const b = points[j + 1];
    if (step === a.step || b === undefined) out[k] = a.value;
    else out[k] = a.value + ((b.value - a.value) * (step - a.step)) / (b.step - a.step);
  });
  return out;
}

/**
 * The default grid: every logged step of every seed inside the range all seeds cover, or `maxSteps` evenly
 * spaced steps over that range when there are more.
 */
export function commonSteps(curves: readonly SeedCurve[], maxSteps = DEFAULT_CURVE_STEPS, method = "curves"): number[] {
  if (!Number.isInteger(maxSteps) || maxSteps < 2) {
    throw new FarsightError("lab/stats-bad-option", `${method}: maxSteps must be an integer >= 2, got ${maxSteps}`, { method, maxSteps });
  }
  const from = Math.max(...curves.map((c) => c.points[0]!.step));
  const to = Math.min(...curves.map((c) => c.points[c.points.length - 1]!.step));
  if (from > to) {
    throw new FarsightError("lab/stats-bad-input", `${method}: the seeds' logged steps do not overlap (latest first step ${from}, earliest last step ${to}); no step has a value for every seed`, { method, from, to });
  }
  const steps = new Set<number>();
  for (const c of curves) for (const p of c.points) if (p.step >= from && p.step <= to) steps.add(p.step);
  if (steps.size <= maxSteps) return [...steps].sort((a, b) => a - b);
  return Array.from({ length: maxSteps }, (_, k) => (k === maxSteps - 1 ? to : from + ((to - from) * k) / (maxSteps - 1)));
}

/**
 * Per-seed curves on a common grid, aggregated over seeds at each step with a bootstrap band.
 *
 * @example
 * curveBands([{ seed: 0, points: [{ step: 0, value: 1 }, { step: 100, value: 3 }] }, { seed: 1, points: [...] }])
 */
export function curveBands(curves: readonly SeedCurve[], options: CurveBandOptions = {}): CurveBand {
  const method = options.method ?? "curves";
  const aggregate = checkAggregate(options.aggregate ?? "mean");
  const settings = bootstrapSettings(options);
  checkCurves(curves, method);
  const steps = options.steps ? checkGrid(options.steps, method) : commonSteps(curves, options.maxSteps, method);
  const grid = curves.map((c) => interpolateCurve(c.points, steps, `${method}, seed ${c.seed}`));
  const n = grid.length;
  const column = new Float64Array(n);
  const columns = [column];
  const aggregateOf = taskAggregator(aggregate, [n]);
  const aggregateAt = (rows: readonly Float64Array[], k: number): number => {
    for (let i = 0; i < n; i++) column[i] = rows[i]![k]!;
    return aggregateOf(columns);
  };
  const estimate = steps.map((_, k) => aggregateAt(grid, k));
  const base = { ...settings, statistic: AGGREGATE_LABELS[aggregate], steps, estimate, n, seeds: curves.map((c) => c.seed) };
  if (n < 2) return { ...base, lo: steps.map(() => NaN), hi: steps.map(() => NaN) };

  const drawn: Float64Array[] = new Array(n);
  const replicates = bootstrapReplicates(steps.length, settings, `curves/${aggregate}`, (rng, out) => {
    for (let i = 0; i < n; i++) drawn[i] = grid[rng.int(n)]!;
    for (let k = 0; k < steps.length; k++) out[k] = aggregateAt(drawn, k);
  });
  const bands = replicates.map((rep) => percentileInterval(rep, settings.confidence));
  return { ...base, lo: bands.map((b) => b.lo), hi: bands.map((b) => b.hi) };
}

function checkCurves(curves: readonly SeedCurve[], method: string): void {
  if (curves.length === 0) throw new FarsightError("lab/stats-bad-input", `${method}: no seeds; give at least one curve`, { method });
  for (const c of curves) {
    if (c.points.length === 0) throw new FarsightError("lab/stats-bad-input", `${method}, seed ${c.seed}: the curve has no points`, { method, seed: c.seed });
    c.points.forEach((p, i) => {
      if (!Number.isFinite(p.step) || !Number.isFinite(p.value)) {
        throw new FarsightError("lab/stats-bad-input", `${method}, seed ${c.seed}: point ${i} is (step ${p.step}, value ${p.value}); steps and values must be finite (fix or rerun that seed, never drop it)`, { method, seed: c.seed, point: i, step: p.step, value: p.value });
      }
      if (i > 0 && !(p.step > c.points[i - 1]!.step)) {
        throw new FarsightError("lab/stats-bad-input", `${method}, seed ${c.seed}: point ${i} has step ${p.step} after step ${c.points[i - 1]!.step}; steps must be strictly increasing`, { method, seed: c.seed, point: i, step: p.step });
      }
    });
  }
}

function checkGrid(steps: readonly number[], method: string): number[] {
  if (steps.length === 0) throw new FarsightError("lab/stats-bad-option", `${method}: the step grid is empty`, { method });
  steps.forEach((s, k) => {
    if (!Number.isFinite(s) || (k > 0 && !(s > steps[k - 1]!))) {
      throw new FarsightError("lab/stats-bad-option", `${method}: grid step ${k} is ${s}; grid steps must be finite and strictly increasing`, { method, index: k, step: s });
    }
  });
  return [...steps];
}
