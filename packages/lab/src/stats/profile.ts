/**
 * Performance profiles (Agarwal et al., 2021, rliable's `create_performance_profile`): for each threshold tau,
 * the fraction of runs scoring above tau (per task, then averaged over tasks), with a stratified-bootstrap band.
 * A profile shows the whole distribution of runs, so a method that is better on average but collapses on some
 * seeds shows it as a lower left tail.
 */
import { FarsightError } from "@farsight/core";
import { bootstrapReplicates, bootstrapSettings, percentileInterval, resampleInto, type BootstrapOptions, type BootstrapSettings } from "./bootstrap.js";
import { runCounts, toStrata, type Scores } from "./scores.js";

/** Options of {@link performanceProfile}. */
export interface ProfileOptions extends BootstrapOptions {
  /** Thresholds, finite and increasing; default {@link DEFAULT_PROFILE_POINTS} evenly spaced from the lowest to the highest score. */
  readonly taus?: readonly number[];
  /** The method's name, for error messages. */
  readonly method?: string;
}

/** Thresholds in the default grid. */
export const DEFAULT_PROFILE_POINTS = 51;

/** A performance profile with its band: index k of every array belongs to `taus[k]`. */
export interface PerformanceProfile extends BootstrapSettings {
  readonly taus: readonly number[];
  /** Fraction of runs with score > tau. */
  readonly fraction: readonly number[];
  /** Band bounds; NaN when some task has a single run. */
  readonly lo: readonly number[];
  readonly hi: readonly number[];
  /** Seeds: runs per task (the smallest task's count). */
  readonly n: number;
  readonly tasks: number;
}

/** The fraction of `runs` strictly above `tau`. */
export function fractionAbove(runs: ArrayLike<number>, tau: number): number {
  let k = 0;
  for (let i = 0; i < runs.length; i++) if (runs[i]! > tau) k++;
  return k / runs.length;
}

/**
 * The performance profile of `scores` over thresholds `taus`, with its stratified-bootstrap band.
 *
 * @example
 * performanceProfile([1, 2, 3, 4], { taus: [0, 1, 2.5, 4] }).fraction // [1, 0.75, 0.5, 0]
 */
export function performanceProfile(scores: Scores, options: ProfileOptions = {}): PerformanceProfile {
  const settings = bootstrapSettings(options);
  const strata = toStrata(scores, options.method);
  const taus = options.taus ? checkTaus(options.taus) : defaultTaus(strata.runs);
  const profileOf = (runs: readonly Float64Array[], out: Float64Array): void => {
    taus.forEach((tau, k) => {
      let s = 0;
      for (const r of runs) s += fractionAbove(r, tau);
      out[k] = s / runs.length;
    });
  };
  const fraction = new Float64Array(taus.length);
  profileOf(strata.runs, fraction);
  const n = runCounts(strata).minRuns;
  const base = { ...settings, taus, fraction: [...fraction], n, tasks: strata.runs.length };
  if (n < 2) return { ...base, lo: taus.map(() => NaN), hi: taus.map(() => NaN) };

  const buffers = strata.runs.map((r) => new Float64Array(r.length));
  const replicates = bootstrapReplicates(taus.length, settings, "profile", (rng, out) => {
    strata.runs.forEach((r, t) => resampleInto(rng, r, buffers[t]!));
    profileOf(buffers, out);
  });
  const bands = replicates.map((rep) => percentileInterval(rep, settings.confidence));
  return { ...base, lo: bands.map((b) => b.lo), hi: bands.map((b) => b.hi) };
}

function checkTaus(taus: readonly number[]): number[] {
  if (taus.length === 0) throw new FarsightError("lab/stats-bad-option", "taus: give at least one threshold", { taus });
  taus.forEach((tau, k) => {
    if (!Number.isFinite(tau) || (k > 0 && !(tau > taus[k - 1]!))) {
      throw new FarsightError("lab/stats-bad-option", `taus: threshold ${k} is ${tau}; thresholds must be finite and strictly increasing`, { index: k, tau });
    }
  });
  return [...taus];
}

function defaultTaus(runs: readonly Float64Array[]): number[] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of runs) {
    for (const v of r) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  if (lo === hi) return [lo];
  return Array.from({ length: DEFAULT_PROFILE_POINTS }, (_, k) => lo + ((hi - lo) * k) / (DEFAULT_PROFILE_POINTS - 1));
}
