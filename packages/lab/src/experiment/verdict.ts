/**
 * Who won a one-seed comparison, and whether the interval of the difference excludes 0: a method's sessions
 * against its ablation's, from the run directory's episodes.jsonl. The interval is over evaluation sessions of
 * one training seed, so it covers evaluation noise only; the text says so and points to the seed-level evidence.
 */
import { FarsightError } from "@farsight/core";
import type { EpisodeRecord } from "../run-dir/run-dir.js";
import { difference, formatInterval, type DifferenceEstimate } from "../stats/index.js";

export interface SessionVerdict {
  readonly method: string;
  readonly ablation: string;
  /** Sessions of each. */
  readonly sessions: readonly [number, number];
  /** Mean R_traj of the method minus the ablation's, unpaired bootstrap over sessions. */
  readonly difference: DifferenceEstimate;
}

/** The method's sessions against the ablation's (R_traj per session), unpaired: the two met users in their own order. */
export function sessionVerdict(episodes: readonly EpisodeRecord[], method: string, ablation: string, options: { reps?: number; seed?: number } = {}): SessionVerdict {
  const of = (agent: string) => {
    const xs = episodes.filter((e) => e.agent === agent).map((e) => e.return);
    if (xs.length < 2) throw new FarsightError("lab/evidence-missing-run", `sessionVerdict: ${agent} has ${xs.length} evaluation session(s) in episodes.jsonl; two or more are needed for an interval`, { agent });
    return xs;
  };
  const m = of(method), a = of(ablation);
  const d = difference({ method, scores: m }, { method: ablation, scores: a }, { paired: false, reps: options.reps ?? 5000, seed: options.seed ?? 0 });
  return { method, ablation, sessions: [m.length, a.length], difference: d };
}

/** One line: "LERL (x) - PPO (flat): +1.02 [0.41, 1.63] R_traj per session: LERL (x) wins". */
export function verdictLine(v: SessionVerdict): string {
  const d = v.difference;
  const text = `${d.estimate >= 0 ? "+" : ""}${formatInterval(d, { digits: 2 })}`;
  const who = d.verdict === "wins" ? `${v.method} wins` : d.verdict === "loses" ? `${v.ablation} wins` : "no difference shown (the interval contains 0)";
  return `${v.method} - ${v.ablation}: ${text} R_traj per session: ${who}`;
}

/** What the verdict lines' intervals are, for the line under them. */
export function verdictLegend(v: SessionVerdict, seed: number): string {
  return `[95% bootstrap CI over the ${v.sessions[0]} + ${v.sessions[1]} evaluation sessions of training seed ${seed}, unpaired, ${v.difference.reps.toLocaleString("en")} resamples]: ` +
    "it covers evaluation noise, not seed-to-seed variation; docs/evidence.md compares the methods over 5 seeds.";
}
