/**
 * "@farsight/llm-actor/llm": the LLM actor. It needs @farsight/llm, @langchain/core and zod, optional peers of
 * @farsight/llm-actor, so the main entry (the greedy actor, title grounding, actor memory, prompts) stays free of
 * them. Imported dynamically so that a missing peer fails with `core/peer-missing` and the npm install line.
 */
import { importWithPeers } from "@farsight/core";

/** The optional peers this entry needs (what the error tells a user to install). */
export const LLM_ACTOR_PEERS = ["@farsight/llm", "@langchain/core", "zod"] as const;

const impl = await importWithPeers("@farsight/llm-actor/llm", LLM_ACTOR_PEERS, () => import("./llm-actor.js"));

export const { LlmActor, recommendationsSchemaFor } = impl;
export type LlmActor = import("./llm-actor.js").LlmActor;
export type { LlmActorOptions, LlmActorCounters } from "./llm-actor.js";
