/**
 * The planners a LERL experiment trains with, by name: one registry that `farsight run lerl`, `farsight demo`
 * and scripts share. A name is `name` or `name:param` (e.g. a planner of quality q, `noisy-oracle:0.5`): the
 * part after the first ":" goes to the entry's factory, which checks it.
 */
import { FarsightError } from "@farsight/core";
import { quitRuleKnowledge, type EnvSetup } from "@farsight/env";
import { noisyOraclePlanner, quitAwareOraclePlanner } from "@farsight/graph";
import type { LlmStats } from "@farsight/llm";
import {
  AllCategoriesPlanner,
  OracleSaturationPlanner,
  RandomCategoryPlanner,
  ReflectionGuidedPlanner,
  SaturationAwarePlanner,
  type CategoryQuitRule,
  type Planner,
} from "@farsight/planner";
import { LlmCategoryPlanner, type LlmCategoryPlannerOptions } from "@farsight/planner/llm";
import { DistilledPlanner } from "@farsight/rl-policy";

/** A chat model as the LLM planners take it (`null`: no model). */
export type PlannerModel = LlmCategoryPlannerOptions["model"];

/** What a planner factory is given: the run's environment, the seed of the planner, the model and its options. */
export interface PlannerContext {
  readonly setup: EnvSetup;
  readonly seed: number;
  /** The experiment's chat model; null when the experiment has none. */
  readonly model: PlannerModel;
  /** The run's LLM accounting (fallbacks counted per component). */
  readonly stats: LlmStats;
  /** Sessions per LLM call (LLM planners). */
  readonly cohort: number;
  /** The part of the name after the first ":" (`0.5` of `noisy-oracle:0.5`); undefined without one. */
  readonly param: string | undefined;
}

export interface PlannerEntry {
  /** One line for help texts. */
  readonly summary: string;
  /** True when the planner calls a language model (the experiment then needs one). */
  readonly usesLlm?: boolean;
  /** True when the planner reads the simulator's quit rule: its rows are labelled oracles, references not methods. */
  readonly oracle?: boolean;
  /** Whether a name takes a `:param` ("none" by default: `random:x` is refused). */
  readonly param?: "none" | "required" | "optional";
  /** What an oracle reads of the environment, recorded in config.json; also where a preset it cannot read is refused before training. */
  reads?(setup: EnvSetup): unknown;
  create(ctx: PlannerContext): Planner;
}

const registry = new Map<string, PlannerEntry>();

/** Registers a planner under `name` (the part of a planner name before ":"); a later registration replaces an earlier one. */
export function registerPlanner(name: string, entry: PlannerEntry): void {
  registry.set(name, entry);
}

/** The registered names with their summaries, in registration order. */
export function plannerNames(): [string, string][] {
  return [...registry.entries()].map(([n, e]) => [n, e.summary]);
}

/** The registered planners that call no language model (named where an LLM planner has no model). */
export function nonLlmPlanners(): string[] {
  return [...registry.entries()].filter(([, e]) => !e.usesLlm).map(([n]) => n);
}

/** The entry and parameter of a planner name (`name` or `name:param`); unknown names and misplaced parameters are `lab/bad-option`. */
export function plannerEntry(spec: string): { name: string; entry: PlannerEntry; param: string | undefined } {
  const colon = spec.indexOf(":");
  const name = colon < 0 ? spec : spec.slice(0, colon);
  const param = colon < 0 ? undefined : spec.slice(colon + 1);
  const entry = registry.get(name);
  if (!entry) throw new FarsightError("lab/bad-option", `unknown planner "${spec}"; known: ${[...registry.keys()].join(", ")}`, { planner: spec });
  const takes = entry.param ?? "none";
  if (takes === "none" && param !== undefined) throw new FarsightError("lab/bad-option", `planner "${name}" takes no parameter, got "${spec}"`, { planner: spec });
  if (takes === "required" && !param) throw new FarsightError("lab/bad-option", `planner "${name}" needs a parameter: ${name}:VALUE`, { planner: spec });
  return { name, entry, param };
}

/** Builds the planner a name stands for. */
export function createPlanner(spec: string, ctx: Omit<PlannerContext, "param">): Planner {
  const { entry, param } = plannerEntry(spec);
  return entry.create({ ...ctx, param });
}

/** The row label of a LERL planner: an oracle says so in the label itself, so no copy of the table can lose it. */
export function lerlName(spec: string): string {
  return plannerEntry(spec).entry.oracle ? `LERL (${spec}: reads the quit rule)` : `LERL (${spec})`;
}

/**
 * The category part of the preset's quit rule, for the oracle planner. Read from `setup.describe` (the
 * parameters the preset's rules were built with) and the slate size; presets whose rule is not about
 * categories (distance window) have none and the oracle refuses them.
 */
export function categoryQuitRule(setup: EnvSetup): CategoryQuitRule {
  const d = setup.describe as { rule?: unknown; window?: unknown; threshold?: unknown; preset?: unknown };
  if (d.rule === "category-window" && typeof d.window === "number" && typeof d.threshold === "number") {
    return { kind: "category-window", window: d.window, threshold: d.threshold };
  }
  if (d.rule === "temper") return { kind: "temper" };
  throw new FarsightError("lab/bad-option", `--planner oracle-saturation reads a category quit rule (category-window or temper); preset ${String(d.preset ?? setup.name)} uses ${String(d.rule)}`, { preset: d.preset ?? setup.name, rule: d.rule });
}

/**
 * What the quit-aware oracle of a preset reads, for config.json; building it first refuses a preset whose rule no
 * oracle reads (`graph/no-oracle-planner`) before any training starts.
 */
function oracleReads(setup: EnvSetup): unknown {
  const planner = quitAwareOraclePlanner(setup);
  const k = quitRuleKnowledge(setup);
  if (k.kind === "category") return { planner: planner.name, rule: k.rule };
  return { planner: planner.name, rules: k.rules.map((r) => (typeof r === "string" ? r : r.name)), world: "the preset's ground truth (items valued for the user)" };
}

/** The q of `noisy-oracle:Q`: a number in [0, 1], or `lab/bad-option`. */
function plannerQuality(param: string | undefined): number {
  const q = Number(param);
  if (param === undefined || param.trim() === "" || !Number.isFinite(q) || q < 0 || q > 1) {
    throw new FarsightError("lab/bad-option", `noisy-oracle needs its quality as noisy-oracle:Q with 0 <= Q <= 1, got "noisy-oracle:${param ?? ""}"`, { planner: `noisy-oracle:${param ?? ""}` });
  }
  return q;
}

/** "ratings 1-5" or "1 = click, 0 = no click": what the LLM planner is told the feedback means. */
const feedbackMeaning = (setup: EnvSetup) => (setup.positiveThreshold > 1 ? "ratings 1-5" : "1 = click, 0 = no click");

registerPlanner("llm-category", {
  summary: "LERL's LLM planner: a category subset per session (needs a model)",
  usesLlm: true,
  create: ({ setup, seed, model, stats, cohort }) => new LlmCategoryPlanner({ model, stats, seed, cohortSize: cohort, feedbackMeaning: feedbackMeaning(setup) }),
});
// The package defaults (documented in @farsight/planner): nothing here comes from the quit rule.
registerPlanner("saturation-aware", { summary: "non-LLM: the session's history, package defaults", create: ({ seed }) => new SaturationAwarePlanner({ seed }) });
registerPlanner("reflection-guided", { summary: "non-LLM: history + reflections of finished sessions", create: ({ seed }) => new ReflectionGuidedPlanner({ seed }) });
registerPlanner("oracle-saturation", {
  summary: "ORACLE: configured from the preset's quit rule (a reference, not a method)",
  oracle: true,
  reads: categoryQuitRule,
  create: ({ setup, seed }) => new OracleSaturationPlanner({ seed, rule: categoryQuitRule(setup) }),
});
registerPlanner("quit-aware-oracle", {
  summary: "ORACLE: the quit-aware oracle of any preset (category rules: oracle-saturation; distance windows: the items the rule lets through, valued on the ground truth)",
  oracle: true,
  reads: oracleReads,
  create: ({ setup, seed }) => quitAwareOraclePlanner(setup, { seed }),
});
registerPlanner("noisy-oracle", {
  summary: "ORACLE of quality q (noisy-oracle:Q, 0 <= Q <= 1): the quit-aware oracle's plan with probability Q, a random plan otherwise",
  oracle: true,
  param: "required",
  reads: oracleReads,
  create: ({ setup, seed, param }) => noisyOraclePlanner(setup, plannerQuality(param), { seed }),
});
registerPlanner("random", { summary: "a random category subset", create: ({ seed }) => new RandomCategoryPlanner({ seed }) });
registerPlanner("all-categories", { summary: "no plan: every category (flat PPO's algorithm)", create: () => new AllCategoriesPlanner() });
registerPlanner("distilled", {
  summary: "non-LLM: a planner `farsight distill` trained on recorded plans, as distilled:DIR (its teacher is named in DIR/planner.json)",
  param: "required",
  create: ({ param }) => DistilledPlanner.load(param!),
});
