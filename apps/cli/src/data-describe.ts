/**
 * `farsight data describe <preset>`: what a preset is and whether it poses a sequential problem at all. Sizes
 * and density of the log, the quit rule and how its threshold was derived, whose sessions are evaluated, the
 * spread of the item distances a distance rule compares with its threshold, and the random / popularity /
 * greedy / oracle / quit-aware oracle baselines on the ground truth.
 *
 * Degenerate: every baseline's Len within 10% of random's (the quit-aware oracle included, which reads the
 * rule), or random users leaving within 3 steps. Not "the oracle's Len within 10% of random's": the myopic
 * oracle is no test of that. On the synthetic preset it stays about as long as random (24.4 against 26.2) with
 * 2.5x its R_traj, while greedy's users leave at step 4: a clearly sequential problem that an oracle-only rule
 * would flag. What makes a preset sequential is that some choice of items changes when users leave.
 */
import { quantile, Rng } from "@farsight/core";
import { COAT_WINDOW, COAT_WINDOW_QUIT_CHANCE, DistanceWindowRule, evaluate, windowQuitChance, type EnvSetup } from "@farsight/env";
import { resolveAgent, userSplit } from "@farsight/lab";
import { quitRuleLine } from "./preset-flags.js";

/** The baselines every description runs, weakest first. */
export const DESCRIBE_AGENTS = ["random", "popularity", "greedy", "oracle", "oracle-quit-aware"] as const;

export interface PresetDescription {
  readonly preset: string;
  readonly numUsers: number;
  readonly items: number;
  readonly categories: number;
  readonly trainRatings: number;
  /** Ratings per users x items cell of the training log. */
  readonly density: number;
  readonly quitRule: Record<string, unknown>;
  /** How the quit rule's threshold was set, in words (where it came from and, when calibrated, the rule). */
  readonly quitRuleOrigin: string;
  /** Whose sessions are evaluated: "held-out users (...)" or "same users (...)". */
  readonly users: string;
  /** Quantiles of the distance between random item pairs, for distance quit rules (null otherwise). */
  readonly distanceQuantiles: Record<string, number> | null;
  /**
   * Distance rules: the chance that a random new item lies within theta of one of 7 random others (Coat's
   * window), which the calibration matches to Coat's 0.1053 (null otherwise).
   */
  readonly windowQuitChance: number | null;
  readonly baselines: { agent: string; len: number; rTraj: number }[];
  readonly episodes: number;
  /** Why the preset is degenerate, empty when it is not. */
  readonly warnings: string[];
}

/** The preset description's keys that define its quit rule. */
const RULE_KEYS = ["rule", "window", "theta", "thetaSource", "threshold", "thresholdSource", "temper", "initialTemper", "baseline", "maxDrop", "rho", "maxSteps", "compat"];

/** Where a preset's quit threshold came from, in a sentence. */
function ruleOrigin(d: Record<string, unknown>): string {
  const calibration = d["calibration"] as { rule?: string } | undefined;
  if (d["thetaSource"] === "calibrated" && calibration?.rule) return `calibrated: ${calibration.rule}`;
  if (d["thetaSource"] === "EasyRL4Rec") return "EasyRL4Rec's setting on this very matrix (kept for conformance)";
  if (d["thetaSource"] === "given" || d["thresholdSource"] === "given") return "given (--quit-window / --quit-threshold)";
  if (d["thresholdSource"] === "EasyRL4Rec") return "EasyRL4Rec's setting for this dataset";
  if (d["temper"] === "kuaisim") return "KuaiSim's leave model and scripts (initial_temper = MAX_STEP = 20; --temper lerl for LERL's)";
  if (d["temper"] === "lerl") return "LERL's code on KuaiSim (initial_temper = 20, clicks not counted; --temper kuaisim for KuaiSim's own)";
  return "the preset's own (a generated world)";
}

const QUANTILES = [0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9];

/** A random item's chance to meet a random window of Coat's size under the preset's distance rule, or null. */
function quitChance(setup: EnvSetup, seed: number): number | null {
  const rule = setup.makeRules().find((r): r is DistanceWindowRule => r instanceof DistanceWindowRule);
  return rule ? windowQuitChance(rule.distance, COAT_WINDOW, rule.options.theta, 50_000, seed) : null;
}

/** Distances between `pairs` random distinct item pairs under the preset's distance rule, or null. */
function distanceQuantiles(setup: EnvSetup, pairs: number, seed: number): Record<string, number> | null {
  const rule = setup.makeRules().find((r) => typeof (r as { dist?: unknown }).dist === "function") as { dist(a: number, b: number): number } | undefined;
  if (!rule) return null;
  const rng = new Rng(seed, "describe/pairs");
  const n = setup.catalog.numItems;
  const d: number[] = [];
  while (d.length < pairs) {
    const a = rng.int(n), b = rng.int(n);
    if (a !== b) d.push(rule.dist(a, b));
  }
  return Object.fromEntries(QUANTILES.map((q) => [`p${Math.round(q * 100)}`, quantile(d, q)]));
}

export async function describePreset(setup: EnvSetup, o: { episodes: number; seed: number; onAgent?: (agent: string) => void }): Promise<PresetDescription> {
  const baselines: PresetDescription["baselines"] = [];
  for (const agent of DESCRIBE_AGENTS) {
    o.onAgent?.(agent);
    const { metrics } = await evaluate(setup, (seed) => resolveAgent(agent, setup, seed), { episodes: o.episodes, seeds: [o.seed] });
    baselines.push({ agent, len: metrics.len!, rTraj: metrics.r_traj! });
  }
  const len = (a: string) => baselines.find((b) => b.agent === a)!.len;
  const warnings: string[] = [];
  // Every baseline, the oracle included, within 10% of random's Len: what is shown does not decide when users
  // leave. (The oracle alone is not enough: it is myopic, and on the synthetic preset it stays about as long
  // as random while greedy users leave at step 4, a clearly sequential problem.)
  const spread = Math.max(...baselines.map((b) => Math.abs(b.len - len("random"))));
  if (spread <= 0.1 * len("random")) {
    warnings.push(`every baseline's Len (oracle ${len("oracle").toFixed(2)}) is within 10% of random's ${len("random").toFixed(2)}: what an agent shows does not change when users leave, so the preset poses no sequential problem`);
  }
  if (len("random") < 3) warnings.push(`random Len ${len("random").toFixed(2)} < 3: users leave almost at once whatever they are shown; the quit rule does not fit this dataset`);
  const log = setup.trainLog;
  const split = userSplit(setup);
  const d = setup.describe;
  return {
    preset: setup.name,
    numUsers: setup.numUsers,
    items: setup.catalog.numItems,
    categories: setup.catalog.numCategories,
    trainRatings: log.user.length,
    density: log.user.length / (setup.numUsers * setup.catalog.numItems),
    quitRule: Object.fromEntries(RULE_KEYS.filter((k) => d[k] !== undefined).map((k) => [k, d[k]])),
    quitRuleOrigin: ruleOrigin(d),
    users:
      split.kind === "held-out"
        ? `held-out users (${split.testUsers} test, ${split.trainUsers} train; fold-in ${String(d["foldIn"])}${d["foldInOrder"] === "earliest" ? " (their earliest ratings)" : ""}: ${String(d["withheldRatings"])} of the test users' ratings withheld from the learned models)`
        : `${split.label} (${split.testUsers}; --same-users: EasyRL4Rec's setting)`,
    distanceQuantiles: distanceQuantiles(setup, 20_000, o.seed),
    windowQuitChance: quitChance(setup, o.seed),
    baselines,
    episodes: o.episodes,
    warnings,
  };
}

/** The description as text for a terminal. */
export function formatDescription(d: PresetDescription): string {
  const lines = [
    `${d.preset}: ${d.numUsers} users, ${d.items} items, ${d.categories} categories; training log ${d.trainRatings} ratings (density ${(100 * d.density).toFixed(2)}%)`,
    quitRuleLine(d.quitRule),
    `  ${d.quitRule["temper"] !== undefined ? "patience" : "threshold"}: ${d.quitRuleOrigin}`,
    ...(d.windowQuitChance !== null
      ? [`  a random item meets one of ${COAT_WINDOW} random others within theta: ${(100 * d.windowQuitChance).toFixed(1)}% of draws (Coat with EasyRL4Rec's setting: ${(100 * COAT_WINDOW_QUIT_CHANCE).toFixed(1)}%)`]
      : []),
    `evaluated on ${d.users}`,
  ];
  if (d.distanceQuantiles) lines.push(`item distance quantiles (random pairs): ${Object.entries(d.distanceQuantiles).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(", ")}`);
  lines.push(`baselines on the ground truth (${d.episodes} sessions, never repeating an item):`);
  for (const b of d.baselines) lines.push(`  ${b.agent.padEnd(18)} Len ${b.len.toFixed(2).padStart(6)}   R_traj ${b.rTraj.toFixed(2).padStart(7)}`);
  for (const w of d.warnings) lines.push(`warning: degenerate preset: ${w}`);
  return lines.join("\n") + "\n";
}
