// Everything "@farsight/planner/llm" offers, imported statically; llm.ts loads this module once its peers are known to
// be installed (see importWithPeers in @farsight/core).
export { LlmPlannerBase, mapLimit, type PlanAttempt, type LlmPlannerCommon } from "./llm-planner-base.js";
export { LlmCategoryPlanner, type LlmCategoryPlannerOptions } from "./llm-category-planner.js";
export { LlmThoughtPlanner, capWords, thoughtSchemaFor, type LlmThoughtPlannerOptions } from "./llm-thought-planner.js";
export {
  validateCategories,
  categoryPlanSchema,
  cohortPlanSchema,
  categoryPlanSchemaFor,
  cohortPlanSchemaFor,
  candidateIdList,
  planBounds,
  MAX_RATIONALE_CHARS,
  type ValidatedCategories,
  type PlanSchemaBounds,
  type RequestSchema,
} from "./validate.js";
