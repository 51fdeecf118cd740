/**
 * `farsight run lerl --resume`: the flags of the saved run, read back from its config.json, so a resume needs
 * only `--out DIR --resume`. (The resume itself, its checks and the records it redoes, is @farsight/lab's.)
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PRESET_FLAG_TABLE } from "../preset-flags.js";

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
