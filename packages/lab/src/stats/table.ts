/**
 * The comparison table every report prints: per method its per-seed values, mean and IQM with intervals, and
 * against its named ablation (LERL vs flat PPO, IL-Rec vs A2C without demonstrations) the difference with its
 * interval, P(improvement) with its interval and the verdict. Legend lines under the table say what every
 * bracket is, over how many seeds, and how to reproduce it.
 */
import { FarsightError } from "@farsight/core";
import { AGGREGATE_LABELS, checkAggregate, type AggregateName } from "./aggregates.js";
import { bootstrapSettings, intervalEstimate, type BootstrapOptions, type IntervalEstimate } from "./bootstrap.js";
import { difference, type DifferenceEstimate } from "./difference.js";
import { formatConfidence, formatInterval, formatNumber, overSeeds, resamplingNote } from "./format.js";
import { probabilityOfImprovement, type ImprovementEstimate } from "./improvement.js";
import { toStrata, type Scores } from "./scores.js";

/** One method of a comparison. */
export interface ComparisonRow {
  readonly method: string;
  readonly scores: Scores;
  /** The method (another row) this one is compared with: its ablation or baseline. */
  readonly ablation?: string;
}

/** Options of {@link compareMethods} and {@link comparisonTable}. */
export interface ComparisonOptions extends BootstrapOptions {
  /** Whether run i of every method used seed i: then differences are paired. No default: say it. */
  readonly paired: boolean;
  /** The aggregate whose difference is reported and judged (default "mean"). */
  readonly difference?: AggregateName;
  /** Digits after the decimal point (default 2). */
  readonly digits?: number;
}

/** A row's statistics. */
export interface ComparisonResult {
  readonly method: string;
  /** Per task, the per-seed values as given. */
  readonly perSeed: Readonly<Record<string, readonly number[]>>;
  readonly mean: IntervalEstimate;
  readonly iqm: IntervalEstimate;
  /** Against the row's ablation, when it names one. */
  readonly versus?: { readonly ablation: string; readonly difference: DifferenceEstimate; readonly improvement: ImprovementEstimate };
}

/** Computes every row's statistics (one seed for all intervals, so the table is reproducible). */
export function compareMethods(rows: readonly ComparisonRow[], options: ComparisonOptions): ComparisonResult[] {
  bootstrapSettings(options);
  const aggregate = checkAggregate(options.difference ?? "mean");
  const byName = new Map<string, ComparisonRow>();
  for (const row of rows) {
    if (byName.has(row.method)) throw new FarsightError("lab/stats-bad-input", `comparison: two rows are named "${row.method}"; method names must be unique`, { method: row.method });
    byName.set(row.method, row);
  }
  return rows.map((row) => {
    const strata = toStrata(row.scores, row.method);
    const perSeed = Object.fromEntries(strata.tasks.map((t, i) => [t, [...strata.runs[i]!]]));
    const mean = intervalEstimate(row.scores, { ...options, aggregate: "mean", method: row.method });
    const iqm = intervalEstimate(row.scores, { ...options, aggregate: "iqm", method: row.method });
    if (row.ablation === undefined) return { method: row.method, perSeed, mean, iqm };
    const base = byName.get(row.ablation);
    if (base === undefined || base === row) {
      throw new FarsightError("lab/stats-bad-input", `comparison: ${row.method}'s ablation "${row.ablation}" is not another row of the table (rows: ${[...byName.keys()].join(", ")})`, { method: row.method, ablation: row.ablation });
    }
    const x = { method: row.method, scores: row.scores };
    const y = { method: base.method, scores: base.scores };
    const versus = {
      ablation: base.method,
      difference: difference(x, y, { ...options, aggregate }),
      improvement: probabilityOfImprovement(x, y, options),
    };
    return { method: row.method, perSeed, mean, iqm, versus };
  });
}

/** A markdown table of {@link compareMethods}' results, followed by its legend. */
export function renderComparison(results: readonly ComparisonResult[], options: ComparisonOptions): string {
  const digits = { digits: options.digits ?? 2 };
  const settings = bootstrapSettings(options);
  const stat = AGGREGATE_LABELS[checkAggregate(options.difference ?? "mean")];
  const ci = `[${formatConfidence(settings.confidence)} CI]`;
  const header = ["Method", "Per-seed values", `Mean ${ci}`, `IQM ${ci}`, `Difference in ${stat} vs ablation ${ci}`, `P(improvement) ${ci}`, "Verdict"];
  const lines = [tableRow(header), tableRow(header.map(() => "---"))];
  for (const r of results) {
    const v = r.versus;
    lines.push(
      tableRow([
        escape(r.method),
        perSeedText(r.perSeed, digits),
        formatInterval(r.mean, digits),
        formatInterval(r.iqm, digits),
        v ? `${formatInterval(v.difference, { ...digits, signed: true })} vs ${escape(v.ablation)}` : "-",
        v ? formatInterval(v.improvement) : "-",
        v ? v.difference.verdict : "-",
      ]),
    );
  }
  const ns = results.map((r) => r.mean.n);
  const tasks = Math.max(...results.map((r) => r.mean.tasks));
  const seeds = Math.min(...ns) === Math.max(...ns) ? overSeeds(ns[0]!, tasks) : `over ${Math.min(...ns)}-${Math.max(...ns)} seeds per row`;
  const pct = formatConfidence(settings.confidence);
  const legend = [
    `Mean, IQM (interquartile mean): [${pct} stratified-bootstrap CI] ${seeds} ${resamplingNote(settings)}; one seed gives no interval.`,
    `Difference: ${stat} of the method - ${stat} of its ablation [${pct} ${options.paired ? "paired (same seeds)" : "unpaired"} stratified-bootstrap CI].`,
    `P(improvement): the chance a run of the method beats a run of its ablation on the same task, ties counting 1/2 [${pct} stratified-bootstrap CI]; 0.5 is no difference.`,
    `Verdict: "wins" when the interval of the difference lies above 0, "loses" when below 0, "no difference shown" when it contains 0.`,
  ];
  return `${lines.join("\n")}\n\n${legend.join("\n")}\n`;
}

/** {@link compareMethods} then {@link renderComparison}. */
export function comparisonTable(rows: readonly ComparisonRow[], options: ComparisonOptions): string {
  return renderComparison(compareMethods(rows, options), options);
}

function perSeedText(perSeed: Readonly<Record<string, readonly number[]>>, digits: { digits: number }): string {
  const entries = Object.entries(perSeed);
  const values = (vs: readonly number[]): string => vs.map((v) => formatNumber(v, digits)).join(", ");
  if (entries.length === 1) return values(entries[0]![1]);
  return entries.map(([task, vs]) => `${escape(task)}: ${values(vs)}`).join("; ");
}

function tableRow(cells: readonly string[]): string {
  return `| ${cells.join(" | ")} |`;
}

function escape(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}
