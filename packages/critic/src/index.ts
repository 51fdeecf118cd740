export type { Critic, CriticRequest, CriticJudgement, CriticExperience, CriticAnswerIssue } from "@farsight/core";
export { LlmCritic, type LlmCriticOptions, type LlmCriticCounters } from "./llm-critic.js";
export { ScorerCritic, type ScorerCriticOptions } from "./scorer-critic.js";
export { TabularAverageCritic, type TabularAverageCriticOptions } from "./tabular-critic.js";
export { CriticMemory, type CriticMemoryOptions, type CriticMemoryEntry } from "./critic-memory.js";
export { advantage, tdTarget, BILLP_GAMMA, type AdvantageInput } from "./advantage.js";
export { criticMessages, parseCriticValue, renderRecentList, DEFAULT_CRITIC_EXAMPLES, type CriticExample, type CriticPromptParts, type ParsedValue } from "./prompt.js";
export { recentItems, itemJaccard } from "./history-key.js";
