/**
 * Flags of `farsight run lerl` that only mean something together with others. Given alone they used to be
 * ignored silently (a run that looks configured but is not); each combination is a usage error instead.
 */
import { redactText } from "@farsight/core";
import { UsageError } from "../errors.js";
import { exclusiveFlags } from "../flags.js";

export interface LerlFlagValues {
  readonly llm?: string | undefined;
  readonly cohort?: string | undefined;
  readonly episodes?: string | undefined;
  readonly "skip-eval"?: boolean | undefined;
}

/** Throws a usage error for flags the chosen planners or mode would ignore. */
export function checkLerlFlags(values: LerlFlagValues, planners: readonly string[]): void {
  const llmPlanner = planners.includes("llm-category");
  if (values.llm !== undefined && !llmPlanner) {
    throw new UsageError(`--llm is only used by --planner llm-category; the planners given (${planners.join(", ")}) would ignore "${redactText(values.llm)}". Drop --llm or add llm-category`);
  }
  if (values.cohort !== undefined && !llmPlanner) {
    throw new UsageError(`--cohort sets how many sessions share one LLM call; the planners given (${planners.join(", ")}) make no LLM calls. Drop --cohort or add llm-category`);
  }
  exclusiveFlags("run lerl", values as Record<string, unknown>, ["skip-eval", "episodes"], "--skip-eval runs no evaluation, so it has no episodes to count");
}
