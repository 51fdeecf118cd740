export type {
  ItemId,
  CategoryId,
  UserId,
  Item,
  Catalog,
  Interaction,
  Observation,
  Slate,
  EndReason,
  Transition,
  EpisodeStep,
  Episode,
  Provenance,
  Plan,
  Reflection,
  ItemScorer,
} from "./types.js";
export type {
  CategoryOption,
  SlateSummary,
  UserSummary,
  PreviousPlan,
  ItemSlate,
  PlanRequest,
  PlanCallOptions,
  Planner,
} from "./components/planner.js";
export type { Reflector, ReflectContext } from "./components/reflector.js";
export type { Critic, CriticRequest, CriticJudgement, CriticExperience, CriticAnswerIssue } from "./components/critic.js";
export type { Actor, ActRequest, ActDecision, ActorExperience, GroundingMethod, GroundingResult } from "./components/actor.js";
export type { TextEmbeddings } from "./components/embeddings.js";
export type { Policy, PolicyContext, HistoryBatch, PolicyActRequest, PolicyActResult } from "./components/policy.js";
export { createCatalog, categoriesOf, itemOf, itemsInCategories, categoryItemMask, type CatalogInit } from "./catalog.js";
export { Rng, hashString, type RngState } from "./rng.js";
export { sum, mean, std, quantile, logSumExp, softmax, argmax, topK, entropy, clamp } from "./math.js";
export { FarsightError } from "./errors.js";
export { importWithPeers } from "./peers.js";
export { FARSIGHT_ERROR_CODES, type FarsightErrorCode } from "./error-codes.js";
export { recentItems, jaccard } from "./observation.js";
export { redactUrl, redactText, redactDeep, REDACTED, secretsOf, redactorOf, redactJson, registerSecrets, redactForWrite } from "./redact.js";
