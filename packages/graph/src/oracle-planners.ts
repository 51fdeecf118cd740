/**
 * The quit-aware oracle planner of any supported preset, and the noisy oracle of quality q built on it: one call
 * each, for sweeps along planner quality (LERL(q) against flat PPO) and for IL-Rec's noisy-oracle teacher.
 * It lives here because it needs both the environment (the preset's rule and world) and the planners, and
 * components never import each other: `@farsight/env` says what the rule is (plain data), `@farsight/planner`
 * plans from plain data, this module joins them.
 */
import { FarsightError, type ItemScorer } from "@farsight/core";
import { itemRuleKnowledge, quitRuleKnowledge, type EnvSetup } from "@farsight/env";
import { checkPlannerQuality, ItemRuleOraclePlanner, NoisyOraclePlanner, OracleSaturationPlanner, type Planner } from "@farsight/planner";

export interface QuitAwareOracleOptions {
  /** Seed of the planners' tie-breaking (and of the noisy oracle's coin and random plans). Default 0. */
  readonly seed?: number;
  /** Categories per oracle plan. Default 3 (the planners' default). */
  readonly numCategories?: number;
  /**
   * Item-rule presets only: the world whose values rank the items, i.e. the scorer of the simulator the planner
   * plans for (`sim.scorer`). Default: the preset's ground truth, the world of evaluation.
   */
  readonly scorer?: ItemScorer;
  /** Name of that world, for provenance. */
  readonly worldName?: string;
}

/**
 * The oracle that reads the preset's quit rule: {@link OracleSaturationPlanner} for category rules (the
 * `synthetic` category window, LERL's temper of `synthetic-kuaisim-rules`, the Kuai category windows), and
 * {@link ItemRuleOraclePlanner} on the distance window and world for item rules (Coat, MovieLens). Throws
 * `graph/no-oracle-planner` for rules no oracle reads (KuaiSim's click-driven temper).
 */
export function quitAwareOraclePlanner(setup: EnvSetup, options: QuitAwareOracleOptions = {}): Planner {
  const seed = options.seed ?? 0;
  const numCategories = options.numCategories !== undefined ? { numCategories: options.numCategories } : {};
  const k = quitRuleKnowledge(setup);
  if (k.kind === "category") return new OracleSaturationPlanner({ seed, rule: k.rule, ...numCategories });
  if (k.kind === "item") {
    const table = itemRuleKnowledge(setup, { ...(options.scorer ? { scorer: options.scorer } : {}), ...(options.worldName ? { worldName: options.worldName } : {}) });
    return new ItemRuleOraclePlanner({ seed, knowledge: table.knowledge, reads: table.reads, ...numCategories });
  }
  throw new FarsightError("graph/no-oracle-planner", `preset ${setup.name} quits on ${k.rules.join(" + ")}, which no quit-aware oracle planner reads (category windows, LERL's temper and distance windows do)`, { preset: setup.name, rules: k.rules });
}

/**
 * `noisy-oracle(q)` on a preset: the quit-aware oracle's plan with probability q per (session, step), a random
 * plan otherwise ({@link NoisyOraclePlanner}). q = 0 is the random planner, q = 1 the oracle.
 */
export function noisyOraclePlanner(setup: EnvSetup, q: number, options: QuitAwareOracleOptions = {}): NoisyOraclePlanner {
  checkPlannerQuality(q);
  return new NoisyOraclePlanner({ oracle: quitAwareOraclePlanner(setup, options), q, seed: options.seed ?? 0 });
}
