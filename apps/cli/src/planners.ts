/**
 * Planner names shared by `farsight run lerl` and `farsight plan`: one set of long names (the planners'
 * `name`), short aliases accepted everywhere, and the oracle planner's quit rule read from the preset.
 */
import type { EnvSetup } from "@farsight/env";
import type { CategoryQuitRule } from "@farsight/planner";
import { UsageError } from "./command.js";

export const PLANNER_NAMES = ["llm-category", "llm-thought", "saturation-aware", "reflection-guided", "oracle-saturation", "random", "all-categories"] as const;
export type PlannerName = (typeof PLANNER_NAMES)[number];

/** Short names of earlier releases (and less typing); each maps to one long name. */
export const PLANNER_ALIASES: Readonly<Record<string, PlannerName>> = {
  llm: "llm-category",
  saturation: "saturation-aware",
  reflection: "reflection-guided",
  all: "all-categories",
};

/** One help line per accepted planner, with its aliases. */
export function plannerHelp(allowed: readonly PlannerName[]): string {
  const aliases = (n: PlannerName) => Object.entries(PLANNER_ALIASES).filter(([, v]) => v === n).map(([k]) => k);
  return allowed.map((n) => (aliases(n).length ? `${n} (alias ${aliases(n).join(", ")})` : n)).join(", ");
}

/** Parses a --planner value (a long name or an alias) into a long name among `allowed`. */
export function plannerFlag(value: string | undefined, allowed: readonly PlannerName[], fallback: PlannerName): PlannerName {
  if (value === undefined) return fallback;
  const name = (PLANNER_ALIASES[value] ?? value) as PlannerName;
  if (!allowed.includes(name)) throw new UsageError(`--planner must be one of ${plannerHelp(allowed)}; got "${value}"`);
  return name;
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
  throw new UsageError(`--planner oracle-saturation reads a category quit rule (category-window or temper); preset ${String(d.preset ?? setup.name)} uses ${String(d.rule)}`);
}
