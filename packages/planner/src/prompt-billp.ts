import type { PlanRequest } from "@farsight/core";
import { formatCandidates, formatHistory, formatReflections, nameLookup } from "./prompt-format.js";
import type { PromptMessages } from "./prompt-lerl.js";

/**
 * Few-shot examples in BiLLP's spirit (its released prompts use Steam/Amazon trajectories; these are written for
 * category-level histories so they fit any dataset). Replace them through `LlmThoughtPlannerOptions.examples`.
 */
export const DEFAULT_THOUGHT_EXAMPLES: readonly string[] = [
  [
    "History: step 0 [Action, Action, Puzzle] feedback [1, 1, 0]; step 1 [Action, Action, Action] feedback [1, 0, 0]",
    'Answer: {"thought": "Action is liked but fading after three in a row; keep one Action slot, explore Strategy and Adventure.", "categories": [0, 4, 5]}',
  ].join("\n"),
  [
    "History: (none)",
    'Answer: {"thought": "New user: probe broadly with popular, dissimilar categories to learn their interests.", "categories": [1, 2, 3]}',
  ].join("\n"),
];

export const BILLP_SYSTEM_PROMPT =
  "You are the planner of a recommendation agent that serves one user over a long session. Before each " +
  "recommendation you think about the user's state and write a short high-level sub-goal (a thought).";

export interface BillpPromptOptions {
  readonly examples: readonly string[];
  /** Word budget of the thought. */
  readonly maxThoughtWords: number;
  /** Whether the answer should also name categories. */
  readonly askForCategories: boolean;
  readonly feedbackMeaning?: string;
  readonly systemPrompt?: string;
}

/**
 * BiLLP's thought prompt: instruction, few-shot examples, retrieved reflections (its REFLECTION_HEADER), then the
 * session (candidates and history) and the request for the next thought.
 */
export function billpThoughtPrompt(request: PlanRequest, o: BillpPromptOptions): PromptMessages {
  const name = nameLookup(request);
  const feedback = o.feedbackMeaning ? ` Feedback values: ${o.feedbackMeaning}.` : "";
  const answer = o.askForCategories
    ? "Answer with the thought and the ids of the candidate categories it points at."
    : "Answer with the thought only.";
  const user = [
    "[Instruction]",
    "Recommend items step by step so that the user stays engaged for as long as possible and enjoys the session. " +
      "At each step write a Thought: which interests to serve, what to explore, and what to avoid because the user " +
      "has seen too much of it.",
    "",
    "[Examples]",
    o.examples.length ? o.examples.join("\n\n") : "(none)",
    "",
    "[Reflections]",
    "You served similar users before and the sessions ended. These reflections give plans to avoid the same failure:",
    formatReflections(request.reflections, "No reflections are available yet."),
    "",
    "[Candidate Categories]",
    formatCandidates(request.candidates),
    "",
    "[Current Session]",
    `Step ${request.step}. The last ${request.history.length} slates, oldest first.${feedback}`,
    formatHistory(request.history, name),
    "",
    "[Your Task]",
    `Write the next thought in at most ${o.maxThoughtWords} words. ${answer}`,
  ].join("\n");
  return [["system", o.systemPrompt ?? BILLP_SYSTEM_PROMPT], ["human", user]];
}
