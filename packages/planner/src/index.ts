// The main entry: the request builders, the non-LLM planners and the LERL / BiLLP prompt builders (plain strings).
// Nothing here loads @farsight/llm, @langchain/core or zod: the LLM planners are in "@farsight/planner/llm".
export type { CategoryOption, SlateSummary, UserSummary, PreviousPlan, ItemSlate, PlanRequest, PlanCallOptions, Planner } from "@farsight/core";
export type { PlannerCounters } from "./counters.js";
export { emptyCounters } from "./counters.js";
export {
  buildPlanRequest,
  userSummary,
  slatesFromHistory,
  itemSlatesFromHistory,
  candidateOptions,
  assertPlannable,
  planRequestForRecord,
  DEFAULT_HISTORY_SLATES,
  type BuildPlanRequestOptions,
} from "./request.js";
export { AllCategoriesPlanner, RandomCategoryPlanner, sessionRng, type RandomCategoryPlannerOptions } from "./simple-planners.js";
export { SaturationAwarePlanner, type SaturationAwarePlannerOptions, type CategoryEvidence } from "./saturation-planner.js";
export { ReflectionGuidedPlanner, type ReflectionGuidedPlannerOptions } from "./reflection-planner.js";
export { OracleSaturationPlanner, saturationSettingsFor, type OracleSaturationPlannerOptions, type CategoryQuitRule } from "./oracle-planner.js";
export { NoisyOraclePlanner, noisyOracleName, checkPlannerQuality, type NoisyOraclePlannerOptions } from "./noisy-oracle.js";
export { ItemRuleOraclePlanner, type ItemRuleOraclePlannerOptions, type ItemRuleKnowledge, type ItemRuleQuery, type CategoryOutlook } from "./item-rule-oracle.js";
export {
  lerlPlanPrompt,
  lerlCohortPrompt,
  cohortLabel,
  LERL_SYSTEM_PROMPT,
  type LerlPromptOptions,
  type PromptMessages,
} from "./prompt-lerl.js";
export { billpThoughtPrompt, BILLP_SYSTEM_PROMPT, DEFAULT_THOUGHT_EXAMPLES, type BillpPromptOptions } from "./prompt-billp.js";
