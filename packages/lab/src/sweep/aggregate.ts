/**
 * A sweep's finished jobs as the experiment layer's tables: per (method, preset, budget) one comparison table of
 * ./stats (per-seed values, mean and IQM with 95% stratified-bootstrap intervals, each method against its named
 * ablation, paired by seed). It reads whatever has finished, so `farsight sweep report` works while the sweep
 * runs; each table says how many of its seeds are in. Every backend's results go through this one function.
 */
import { compareMethods, renderComparison, type ComparisonOptions, type ComparisonResult } from "../stats/index.js";
import { formatNumber } from "../stats/format.js";
import type { JobResult, SweepRow } from "./job.js";
import { expandJobs, specHash, type SweepMethod, type SweepSpec } from "./spec.js";

/** One table: one experiment kind on one preset at one budget. */
export interface SweepTable {
  readonly method: SweepMethod;
  readonly preset: string;
  readonly budget: number;
  readonly metric: string;
  /** Seeds whose job has finished, ascending; the table's statistics are over these. */
  readonly seeds: readonly number[];
  /** Seeds the spec asks for. */
  readonly wanted: number;
  readonly results: readonly ComparisonResult[];
}

/** Job counts of a sweep. */
export interface SweepProgress {
  readonly specHash: string;
  readonly total: number;
  readonly finished: number;
  /** Per experiment kind, preset and budget: finished / total. */
  readonly cells: readonly { readonly method: SweepMethod; readonly preset: string; readonly budget: number; readonly finished: number; readonly total: number }[];
}

const COMPARISON: ComparisonOptions = { paired: true };

/** The row's ablation in the experiment layer's pairing: LERL against flat PPO, IL-Rec against A2C without demonstrations. */
export function ablationOf(method: string): string | undefined {
  if (method.startsWith("LERL")) return /sampled/.test(method) ? "PPO (flat, sampled)" : "PPO (flat)";
  const il = /^IL-Rec policy \((greedy|sampled)\)$/.exec(method);
  return il ? `A2C, no demonstrations (${il[1]})` : undefined;
}

/** The finished jobs as tables, in the spec's order (budgets, then methods, then presets). */
export function sweepTables(spec: SweepSpec, results: readonly JobResult[]): SweepTable[] {
  const hash = specHash(spec);
  const mine = results.filter((r) => r.job.specHash === hash);
  const tables: SweepTable[] = [];
  for (const budget of spec.budgets) {
    for (const method of spec.methods) {
      for (const preset of spec.presets) {
        const cell = mine.filter((r) => r.job.method === method && r.job.preset === preset && r.job.budget === budget).sort((a, b) => a.job.seed - b.job.seed);
        if (!cell.length) continue;
        const seeds = cell.map((r) => r.job.seed);
        const rows: SweepRow[] = cell.flatMap((r) => r.rows);
        // Sorted, so that every backend (a database returns rows in its own order) gives the same table.
        const names = [...new Set(rows.map((r) => r.method))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        const comparison = names.map((name) => {
          const values = seeds.map((seed) => rows.find((r) => r.method === name && r.seed === seed)?.metrics[spec.metric] ?? NaN);
          const ablation = ablationOf(name);
          return { method: name, scores: values, ...(ablation && names.includes(ablation) ? { ablation } : {}) };
        });
        tables.push({ method, preset, budget, metric: spec.metric, seeds, wanted: spec.seeds.length, results: compareMethods(comparison, COMPARISON) });
      }
    }
  }
  return tables;
}

/** How far the sweep is: finished jobs against the spec's jobs. */
export function sweepProgress(spec: SweepSpec, finishedIds: Iterable<string>): SweepProgress {
  const done = new Set(finishedIds);
  const jobs = expandJobs(spec);
  const cells: { method: SweepMethod; preset: string; budget: number; finished: number; total: number }[] = [];
  for (const j of jobs) {
    let c = cells.find((x) => x.method === j.method && x.preset === j.preset && x.budget === j.budget);
    if (!c) cells.push((c = { method: j.method, preset: j.preset, budget: j.budget, finished: 0, total: 0 }));
    c.total++;
    if (done.has(j.id)) c.finished++;
  }
  return { specHash: specHash(spec), total: jobs.length, finished: jobs.filter((j) => done.has(j.id)).length, cells };
}

/** `farsight sweep status`: one line per cell. */
export function renderProgress(spec: SweepSpec, p: SweepProgress, extra = ""): string {
  const lines = [`sweep ${spec.name} (spec ${p.specHash}): ${p.finished} of ${p.total} jobs finished${extra}`];
  for (const c of p.cells) lines.push(`  ${c.method.padEnd(6)} ${c.preset.padEnd(24)} steps ${String(c.budget).padEnd(7)} ${c.finished}/${c.total} seeds`);
  return lines.join("\n") + "\n";
}

/** `farsight sweep report`: the tables in markdown, each with its legend, and the learning curves' summary. */
export function renderSweepReport(spec: SweepSpec, results: readonly JobResult[], command: string): string {
  const tables = sweepTables(spec, results);
  const out = [`# Sweep ${spec.name} (spec ${specHash(spec)})`, "", `Produced by \`${command}\`. Metric: ${spec.metric} on the presets' evaluation users, ${spec.episodes} sessions per row and seed.`, ""];
  if (!tables.length) out.push("No job has finished yet.", "");
  for (const t of tables) {
    const partial = t.seeds.length < t.wanted ? ` (${t.seeds.length} of ${t.wanted} seeds finished; the sweep is still running or was cut short)` : "";
    out.push(`## ${t.method} on ${t.preset}, ${t.budget} training steps: seeds ${t.seeds.join(", ")}${partial}`, "", renderComparison(t.results, COMPARISON));
  }
  const curves = curveTable(spec, results);
  if (curves) out.push(curves);
  return out.join("\n");
}

/** Learning curves of the report's metric: each series' last point, mean over the finished seeds. */
function curveTable(spec: SweepSpec, results: readonly JobResult[]): string | undefined {
  const groups = new Map<string, number[]>();
  for (const r of results) {
    for (const c of r.curves) {
      if (c.metric !== spec.metric) continue;
      const key = `${r.job.method}\u0000${r.job.preset}\u0000${r.job.budget}\u0000${c.series}`;
      groups.set(key, [...(groups.get(key) ?? []), c.last]);
    }
  }
  if (!groups.size) return undefined;
  const lines = [`## Learning curves: last ${spec.metric} during training (mean over finished seeds)`, "", "| Experiment | Preset | Steps | Series | Last value | Seeds |", "| --- | --- | --- | --- | --- | --- |"];
  for (const [key, values] of [...groups].sort()) {
    const [method, preset, budget, series] = key.split("\u0000");
    lines.push(`| ${method} | ${preset} | ${budget} | ${series} | ${formatNumber(values.reduce((a, b) => a + b, 0) / values.length, { digits: 2 })} | ${values.length} |`);
  }
  return lines.join("\n") + "\n";
}
