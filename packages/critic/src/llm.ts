/**
 * "@farsight/critic/llm": BiLLP's LLM critic. It needs @farsight/llm, @langchain/core and zod, optional peers of
 * @farsight/critic, so the main entry (advantage helpers, the scorer, tabular and memory critics) stays free of
 * them. Imported dynamically so that a missing peer fails with `core/peer-missing` and the npm install line.
 */
import { importWithPeers } from "@farsight/core";

/** The optional peers this entry needs (what the error tells a user to install). */
export const LLM_CRITIC_PEERS = ["@farsight/llm", "@langchain/core", "zod"] as const;

const impl = await importWithPeers("@farsight/critic/llm", LLM_CRITIC_PEERS, () => import("./llm-critic.js"));

export const { LlmCritic } = impl;
export type LlmCritic = import("./llm-critic.js").LlmCritic;
export type { LlmCriticOptions, LlmCriticCounters } from "./llm-critic.js";
