// The main entry loads neither @farsight/llm, @langchain/core nor zod: the LLM reflectors are in "@farsight/reflector/llm".
export type { Reflector, ReflectContext } from "@farsight/core";
export type { ReflectorCounters } from "./counters.js";
export { episodeFacts, capWords, categoryName, type EpisodeFacts, type CategoryTally } from "./episode-facts.js";
export { TemplateReflector, type TemplateReflectorOptions } from "./template-reflector.js";
export { lerlReflectionPrompt, billpFailurePrompt, type PromptMessages, type ReflectionPromptOptions } from "./prompts.js";
export {
  ReflectionPool,
  type ReflectionStore,
  isReflection,
  DEFAULT_POOL_NAMESPACE,
  type ReflectionPoolOptions,
  type ReflectionPoolSnapshot,
  type PoolEntry,
} from "./pool.js";
export { bagOfWords, cosineBags, cosineVectors } from "./similarity.js";
