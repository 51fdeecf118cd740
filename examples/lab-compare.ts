/**
 * A comparison from a script: LERL (the reflection-guided planner + PPO) against flat PPO, random and
 * popularity on the synthetic preset, 3 seeds, through @farsight/lab's `runLerlExperiment`, the function that
 * `farsight run lerl` and `farsight demo` call. It writes a run directory (open `farsight report DIR`) and
 * returns the rows; each row keeps its per-seed values (`perSeed`) for statistics over seeds.
 *
 * Run it through its test: `npx vitest run examples/lab-compare.test.ts` (Node 20 cannot run .ts files directly).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatTable, runLerlExperiment, wrap, type LabIO, type ResultRow } from "@farsight/lab";

export interface CompareOptions {
  /** Training transitions per method and seed (the demo uses 8000). */
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
  const table = `${formatTable(result.rows)}${wrap(result.note)}\n`;
  return { rows: result.rows, table, out };
}
