/**
 * How every table and report writes an interval: `10.24 [9.81, 10.66]`, and a legend that says what the
 * brackets are ("mean [95% stratified-bootstrap CI] over 5 seeds"). There is no bare "±" anywhere: a reader
 * must never have to guess whether a spread is a standard deviation, an error or an interval, nor over what.
 */
import type { BootstrapSettings } from "./bootstrap.js";

/** Options of the formatters. */
export interface FormatOptions {
  /** Digits after the decimal point (default 2). */
  readonly digits?: number;
  /** Write a "+" before positive estimates and bounds (for differences). */
  readonly signed?: boolean;
}

/** What the formatters read of an estimate (every result of this module has these fields). */
export interface EstimateLike {
  readonly estimate: number;
  readonly lo: number;
  readonly hi: number;
  readonly n: number;
}

/** The text written where a single seed gives no interval. */
export const NO_INTERVAL = "1 seed: no interval";

/** A number with fixed digits; "n/a" for NaN, and never "-0.00". */
export function formatNumber(value: number, options: FormatOptions = {}): string {
  if (Number.isNaN(value)) return "n/a";
  const text = value.toFixed(options.digits ?? 2);
  const zero = /^-?0(\.0*)?$/.test(text);
  if (zero) return text.replace("-", "");
  return options.signed && value > 0 ? `+${text}` : text;
}

/** `10.24 [9.81, 10.66]`; with one seed `10.24 (1 seed: no interval)`. */
export function formatInterval(e: EstimateLike, options: FormatOptions = {}): string {
  const estimate = formatNumber(e.estimate, options);
  if (e.n < 2 || Number.isNaN(e.lo) || Number.isNaN(e.hi)) return `${estimate} (${e.n < 2 ? NO_INTERVAL : "no interval"})`;
  return `${estimate} [${formatNumber(e.lo, options)}, ${formatNumber(e.hi, options)}]`;
}

/** "95%" for 0.95, "97.5%" for 0.975. */
export function formatConfidence(confidence: number): string {
  return `${Number((confidence * 100).toFixed(4))}%`;
}

/** "over 5 seeds", "over 5 seeds in each of 3 tasks". */
export function overSeeds(n: number, tasks = 1): string {
  const seeds = n === 1 ? "1 seed" : `${n} seeds`;
  return tasks > 1 ? `over ${seeds} in each of ${tasks} tasks` : `over ${seeds}`;
}

/** "(10,000 resamples, seed 0)": enough to reproduce the interval. */
export function resamplingNote(s: BootstrapSettings): string {
  return `(${s.reps.toLocaleString("en-US")} resamples, seed ${s.seed})`;
}

/** The legend of an aggregate's interval: "mean [95% stratified-bootstrap CI] over 5 seeds (10,000 resamples, seed 0)". */
export function intervalLegend(e: BootstrapSettings & { readonly statistic: string; readonly n: number; readonly tasks?: number }): string {
  if (e.n < 2) return `${e.statistic} ${overSeeds(e.n, e.tasks)} (${NO_INTERVAL})`;
  return `${e.statistic} [${formatConfidence(e.confidence)} stratified-bootstrap CI] ${overSeeds(e.n, e.tasks)} ${resamplingNote(e)}`;
}

/** The legend of a difference: "mean of LERL - mean of flat PPO [95% paired stratified-bootstrap CI] over 5 seeds (...)". */
export function differenceLegend(
  d: BootstrapSettings & { readonly x: string; readonly y: string; readonly statistic: string; readonly paired: boolean; readonly n: number; readonly tasks?: number },
): string {
  const what = `${d.statistic} of ${d.x} - ${d.statistic} of ${d.y}`;
  if (d.n < 2) return `${what} ${overSeeds(d.n, d.tasks)} (${NO_INTERVAL})`;
  const kind = d.paired ? "paired (same seeds)" : "unpaired";
  return `${what} [${formatConfidence(d.confidence)} ${kind} stratified-bootstrap CI] ${overSeeds(d.n, d.tasks)} ${resamplingNote(d)}`;
}

/** The legend of a probability of improvement: "P(LERL > flat PPO), ties count 1/2 [95% stratified-bootstrap CI] over 5 seeds (...)". */
export function improvementLegend(p: BootstrapSettings & { readonly x: string; readonly y: string; readonly n: number; readonly tasks?: number }): string {
  const what = `P(${p.x} > ${p.y}), the chance a run of ${p.x} beats a run of ${p.y} on the same task, ties counting 1/2`;
  if (p.n < 2) return `${what}, ${overSeeds(p.n, p.tasks)} (${NO_INTERVAL})`;
  return `${what} [${formatConfidence(p.confidence)} stratified-bootstrap CI] ${overSeeds(p.n, p.tasks)} ${resamplingNote(p)}`;
}

/** The legend of a curve's or a profile's band: "mean over 5 seeds; band: 95% stratified-bootstrap CI (...)". */
export function bandLegend(b: BootstrapSettings & { readonly statistic?: string; readonly n: number; readonly tasks?: number }): string {
  const what = `${b.statistic ?? "fraction of runs above the threshold"} ${overSeeds(b.n, b.tasks)}`;
  if (b.n < 2) return `${what} (${NO_INTERVAL})`;
  return `${what}; band: ${formatConfidence(b.confidence)} stratified-bootstrap CI ${resamplingNote(b)}`;
}
