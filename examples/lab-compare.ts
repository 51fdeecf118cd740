/**
 * A comparison from a script: LERL (the reflection-guided planner + PPO) against flat PPO, random and
 * popularity on the synthetic preset, 3 seeds, through @farsight/lab's `runLerlExperiment`, the function that
 * `farsight run lerl` and `farsight demo` call. It writes a run directory (open `farsight report DIR`) and
 * returns the rows (each keeps its per-seed values, `perSeed`) and prints the table with, under it, LERL against
 * flat PPO over seeds: per-seed R_traj, mean and IQM with 95% bootstrap intervals, the paired difference.
 *
 * Run it through its test: `npx vitest run examples/lab-compare.test.ts` (Node 20 cannot run .ts files directly).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { comparisonTable, formatTable, runLerlExperiment, wrap, type LabIO, type ResultRow } from "@farsight/lab";

export interface CompareOptions {
  /** Training transitions per method and seed (the demo uses 4000). */
  readonly steps?: number;
  /** Evaluation sessions per seed and agent. */
  readonly episodes?: number;
  readonly seeds?: readonly number[];
  /** The run directory (default: a new temporary one). */
  readonly out?: string;
  /** Where progress goes (default: nowhere). */
  readonly io?: LabIO;
}

export async function compareLerlWithFlatPpo(o: CompareOptions = {}): Promise<{ rows: ResultRow[]; table: string; out: string }> {
  const out = o.out ?? join(mkdtempSync(join(tmpdir(), "lab-compare-")), "run");
  const result = await runLerlExperiment(
    { env: "synthetic", planners: ["reflection-guided"], seeds: o.seeds ?? [0, 1, 2], steps: o.steps ?? 8000, episodes: o.episodes ?? 300, out },
    o.io,
  );
  // R_traj per seed; LERL against flat PPO paired by seed (same world, users and evaluation sessions).
  const scores = (agent: string) => result.rows.find((r) => r.agent === agent)!.perSeed.map((s) => s.r_traj!);
  const comparison = comparisonTable([{ method: "LERL (reflection-guided)", scores: scores("LERL (reflection-guided)"), ablation: "PPO (flat)" }, { method: "PPO (flat)", scores: scores("PPO (flat)") }], { paired: true });
  const table = `${formatTable(result.rows)}${wrap(result.note)}\n\nR_traj over seeds:\n${comparison}\n`;
  return { rows: result.rows, table, out };
}
