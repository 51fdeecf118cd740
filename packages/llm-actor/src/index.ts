// The main entry loads neither @farsight/llm, @langchain/core nor zod: the LLM actor is in "@farsight/llm-actor/llm".
export type { Actor, ActRequest, ActDecision, ActorExperience, GroundingMethod, GroundingResult } from "@farsight/core";
export { CatalogGreedyActor, type CatalogGreedyActorOptions } from "./greedy-actor.js";
export { TitleGrounder, catalogTitles, type GroundingOptions, type TitleGrounderOptions, type GroundingScope, type GroundingCounts } from "./grounding.js";
export { ActorMemory, historyKey, type ActorMemoryOptions, type ActorMemoryEntry, type ActorMemoryHint } from "./memory.js";
export { planCandidates, type PlanCandidates } from "./candidates.js";
export { actorMessages, parseRecommendations, firstLineAsTitle, type ActorPromptParts } from "./prompt.js";
export { normaliseTitle, titleTokens, tokenDice, boundedLevenshtein, editSimilarity, cosine } from "./text.js";
