/**
 * What a LERL experiment's resume needs besides the run directory's own rules (run-directory.ts): which
 * flag sets which config key (named in a refusal) and the records a resume redoes.
 */
import type { LerlStateValue } from "@farsight/graph";
import { RUN_FILES, type CurvePoint } from "../run-dir/run-dir.js";
import type { RunDirectory } from "../run-dir/run-directory.js";

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
