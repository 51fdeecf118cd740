/**
 * Planner names shared by `farsight run lerl` and `farsight plan`: one set of long names (the planners'
 * `name`), short aliases accepted everywhere, and one help line each. The planners themselves are built by
 * @farsight/lab's planner registry.
 */

export const PLANNER_NAMES = ["llm-category", "llm-thought", "saturation-aware", "reflection-guided", "oracle-saturation", "quit-aware-oracle", "noisy-oracle", "distilled", "random", "all-categories"] as const;
export type PlannerName = (typeof PLANNER_NAMES)[number];

/** Short names of earlier releases (and less typing); each maps to one long name. */
export const PLANNER_ALIASES: Readonly<Record<string, PlannerName>> = {
  llm: "llm-category",
  saturation: "saturation-aware",
  reflection: "reflection-guided",
  all: "all-categories",
};

/** What each planner is, one line: the `--planner` help of every command that takes one. */
export const PLANNER_HELP: Readonly<Record<PlannerName, string>> = {
  "llm-category": "LERL's LLM planner: a category subset per session (needs --llm)",
  "llm-thought": "BiLLP's LLM thought planner: a plan in words plus categories (needs --llm)",
  "saturation-aware": "non-LLM: the session's history, package defaults",
  "reflection-guided": "non-LLM: history + reflections of finished sessions",
  "oracle-saturation": "ORACLE: configured from the preset's quit rule (a reference, not a method)",
  "quit-aware-oracle": "ORACLE: the quit-aware oracle of any preset (category rules: oracle-saturation; Coat/MovieLens distance windows: the items the rule lets through, valued on the ground truth)",
  "noisy-oracle": "ORACLE of quality q, as noisy-oracle:Q (0 <= Q <= 1): the quit-aware oracle's plan with probability Q, a random plan otherwise",
  distilled: "non-LLM: a planner `farsight distill` trained on recorded plans, as distilled:DIR",
  random: "a random category subset",
  "all-categories": "no plan: every category (flat PPO's algorithm)",
};

/**
 * The choice part of a `--planner` flag table entry: the allowed long names, the aliases and one help line
 * each. Every command takes the same names and aliases; a command may allow fewer planners.
 */
export function plannerChoices<const C extends PlannerName>(allowed: readonly C[]) {
  const aliases = Object.fromEntries(Object.entries(PLANNER_ALIASES).filter(([, v]) => (allowed as readonly string[]).includes(v))) as Readonly<Record<string, C>>;
  return { choices: allowed, aliases, choiceHelp: PLANNER_HELP as Readonly<Partial<Record<C, string>>> };
}

/** The oracle planner's quit rule, read from the preset: @farsight/lab's (its planner registry builds the planners). */
export { categoryQuitRule } from "@farsight/lab";
