// The main entry loads neither @farsight/llm, @langchain/core nor zod: BiLLP's LLM critic is in "@farsight/critic/llm".
export type { Critic, CriticRequest, CriticJudgement, CriticExperience, CriticAnswerIssue } from "@farsight/core";
export { ScorerCritic, type ScorerCriticOptions } from "./scorer-critic.js";
export { TabularAverageCritic, type TabularAverageCriticOptions } from "./tabular-critic.js";
export { CriticMemory, type CriticMemoryOptions, type CriticMemoryEntry } from "./critic-memory.js";
export { advantage, tdTarget, BILLP_GAMMA, type AdvantageInput } from "./advantage.js";
export { criticMessages, parseCriticValue, renderRecentList, DEFAULT_CRITIC_EXAMPLES, type CriticExample, type CriticPromptParts, type ParsedValue } from "./prompt.js";
export { recentItems, itemJaccard } from "./history-key.js";
