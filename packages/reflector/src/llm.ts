/**
 * "@farsight/reflector/llm": the LLM reflectors (LERL's and BiLLP's). They need @farsight/llm, @langchain/core and
 * zod, optional peers of @farsight/reflector, so the main entry (the template reflector, the reflection pool, the
 * prompts) stays free of them. Imported dynamically so that a missing peer fails with `core/peer-missing` and the
 * npm install line.
 */
import { importWithPeers } from "@farsight/core";

/** The optional peers this entry needs (what the error tells a user to install). */
export const LLM_REFLECTOR_PEERS = ["@farsight/llm", "@langchain/core", "zod"] as const;

const impl = await importWithPeers("@farsight/reflector/llm", LLM_REFLECTOR_PEERS, () => import("./llm-reflectors.js"));

export const { CHARS_PER_WORD, LlmReflector, LlmFailureReflector, reflectionJsonSchema } = impl;
export type LlmReflector = import("./llm-reflectors.js").LlmReflector;
export type LlmFailureReflector = import("./llm-reflectors.js").LlmFailureReflector;
export type { LlmReflectorOptions } from "./llm-reflectors.js";
