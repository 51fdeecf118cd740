/**
 * "@farsight/planner/llm": the LLM planners (LERL's LlmCategoryPlanner, BiLLP's LlmThoughtPlanner, their base) and
 * the plan schemas. They need @farsight/llm, @langchain/core and zod, optional peers of @farsight/planner, so the
 * main entry stays free of them. The implementation is imported dynamically: a missing peer then fails here with
 * `core/peer-missing` and the npm install line, not with Node's bare "Cannot find package".
 */
import { importWithPeers } from "@farsight/core";

/** The optional peers this entry needs (what the error tells a user to install). */
export const LLM_PLANNER_PEERS = ["@farsight/llm", "@langchain/core", "zod"] as const;

const impl = await importWithPeers("@farsight/planner/llm", LLM_PLANNER_PEERS, () => import("./llm-exports.js"));

export const {
  LlmPlannerBase,
  mapLimit,
  LlmCategoryPlanner,
  LlmThoughtPlanner,
  capWords,
  thoughtSchemaFor,
  validateCategories,
  categoryPlanSchema,
  cohortPlanSchema,
  categoryPlanSchemaFor,
  cohortPlanSchemaFor,
  candidateIdList,
  planBounds,
  MAX_RATIONALE_CHARS,
} = impl;
// The classes are values above; these give their names as types too (`const p: LlmCategoryPlanner`).
export type LlmPlannerBase = import("./llm-exports.js").LlmPlannerBase;
export type LlmCategoryPlanner = import("./llm-exports.js").LlmCategoryPlanner;
export type LlmThoughtPlanner = import("./llm-exports.js").LlmThoughtPlanner;
export type {
  PlanAttempt,
  LlmPlannerCommon,
  LlmCategoryPlannerOptions,
  LlmThoughtPlannerOptions,
  ValidatedCategories,
  PlanSchemaBounds,
  RequestSchema,
} from "./llm-exports.js";
