/**
 * What `farsight run lerl --resume` needs besides the run directory's own rules (run-directory.ts): the
 * flags of the saved run, which flag sets which config key, and the records a resume redoes.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { LerlStateValue } from "@farsight/graph";
import { PRESET_FLAG_TABLE } from "../preset-flags.js";
import { RUN_FILES, type CurvePoint } from "../report/run-dir.js";
import type { RunDirectory } from "./run-directory.js";

/** Which flag sets a key of `run lerl`'s config.json (for a refused resume). */
export const LERL_FLAGS = {
  command: "the command",
  env: "--env / --data-dir / --quit-window / --quit-threshold / --same-users",
  presetFlags: "--quit-window / --quit-threshold / --same-users",
  planners: "--planner",
  oracle: "--planner",
  oracleReads: "--planner",
  llm: "--llm",
  reflector: "--llm",
  "train.steps": "--steps",
  "train.batch": "--batch",
  "train.planEvery": "--plan-every",
  "train.cohort": "--cohort",
  "eval.skip": "--skip-eval",
  "eval.episodesPerSeed": "--episodes",
  "eval.seeds": "--seed / --seeds",
};

/** The key of one learning curve: its series and seed. */
export const seriesKey = (series: string, seed: number) => `${series}\u0000${seed}`;

/**
 * Before a resume, once every check passed: the evaluation and the flat baseline are redone from scratch
 * (they are not checkpointed), so their records go; a LERL curve keeps its points up to its seed's checkpoint
 * (a point past it belongs to a chunk the kill lost and is trained again). Returns the last kept step per
 * series and seed.
 */
export function forgetUncheckpointedRecords(dir: RunDirectory, saved: ReadonlyMap<string, LerlStateValue | undefined>): Map<string, number> {
  const last = new Map<string, number>();
  dir.rewriteLines<CurvePoint>(RUN_FILES.curves, (r) => {
    const key = seriesKey(r.series, r.seed ?? 0);
    const state = saved.get(key);
    if (!state || !(r.step <= state.envSteps)) return false;
    last.set(key, Math.max(last.get(key) ?? -1, r.step));
    return true;
  });
  dir.remove(RUN_FILES.episodes);
  dir.remove(RUN_FILES.results);
  return last;
}

/**
 * The flags of the run saved in `out` (from its config.json), as `farsight run lerl` would be given them;
 * nothing when there is no readable configuration (the resume is then refused with the reason). The model
 * spec is not taken over (a spec may hold a key); an LLM planner's resume passes --llm again.
 */
export function savedLerlFlags(out: string, plannerOfRow: (row: string | undefined) => string | undefined): Record<string, string | boolean> {
  let c: { env?: { preset?: string }; presetFlags?: Record<string, unknown>; planners?: { row?: string }[]; train?: Record<string, number>; eval?: { seeds?: number[]; episodesPerSeed?: number; skip?: boolean } };
  try {
    c = JSON.parse(readFileSync(join(out, "config.json"), "utf8")) as typeof c;
  } catch {
    return {};
  }
  const flags: Record<string, string | boolean> = {};
  const put = (flag: string, v: unknown) => {
    if (typeof v === "number" || typeof v === "string") flags[flag] = String(v);
  };
  put("env", c.env?.preset);
  // Only the preset flags: a config.json is a file, not a source of arbitrary flags.
  for (const [flag, v] of Object.entries(c.presetFlags ?? {})) {
    if (!(flag in PRESET_FLAG_TABLE)) continue;
    if (v === true) flags[flag] = true;
    else put(flag, v);
  }
  const planners = (c.planners ?? []).map((p) => plannerOfRow(p.row));
  if (planners.length && planners.every(Boolean)) flags["planner"] = planners.join(",");
  put("steps", c.train?.["steps"]);
  put("batch", c.train?.["batch"]);
  put("plan-every", c.train?.["planEvery"]);
  put("cohort", c.train?.["cohort"]);
  put("episodes", c.eval?.episodesPerSeed);
  const seeds = c.eval?.seeds;
  if (Array.isArray(seeds) && seeds.length) {
    put("seed", seeds[0]);
    put("seeds", seeds.length);
  }
  if (c.eval?.skip === true) flags["skip-eval"] = true;
  return flags;
}
