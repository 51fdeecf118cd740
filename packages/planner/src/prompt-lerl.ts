import type { PlanRequest } from "@farsight/core";
import { formatCandidates, formatHistory, formatReflections, nameLookup, num, sameCandidates, uniqueReflections } from "./prompt-format.js";

/** What the LERL prompt asks for; the planner fills it from its options. */
export interface LerlPromptOptions {
  /** Categories the task asks for at least (LERL: "more than 1"). */
  readonly minCategories: number;
  /** Categories the task asks for at most; undefined: no upper bound stated. */
  readonly maxCategories?: number;
  /** How to read the feedback numbers, e.g. "1 = click, 0 = no click". Optional. */
  readonly feedbackMeaning?: string;
  /** Replaces the system message. */
  readonly systemPrompt?: string;
}

export const LERL_SYSTEM_PROMPT =
  "You are the high-level planning assistant of a recommender system. You choose which content categories the " +
  "next recommendations come from, so that users stay engaged for a long time instead of getting bored.";

/** A prompt as role/content pairs (LangChain `BaseMessageLike` tuples). */
export type PromptMessages = [role: "system" | "human", content: string][];

function taskText(o: LerlPromptOptions, cohort: boolean): string {
  const count = o.maxCategories !== undefined && o.maxCategories >= o.minCategories
    ? `between ${o.minCategories} and ${o.maxCategories}`
    : `at least ${o.minCategories}`;
  const who = cohort ? "each user above" : "this user";
  return [
    `Choose the categories to recommend from at the next step for ${who}.`,
    "- Prioritise categories relevant to the user's interests, as the feedback shows them.",
    "- Avoid categories the recent history shows as saturated (shown many times in a row): repetition makes users leave.",
    "- Learn from the reflective summaries of sessions that went well.",
    `- Choose ${count} categories, using only the candidate ids listed above.`,
    "- The goal is long-term satisfaction: a longer session with more positive feedback.",
  ].join("\n");
}

/** A short "[User Profile]" section when the request has a user summary (none otherwise: the prompt is LERL's). */
function userProfileLines(request: PlanRequest): string[] {
  const u = request.user;
  if (!u) return [];
  const cats = u.topCategories.map((c) => `${c.name ?? `category ${c.id}`} (${c.count} items, mean rating ${num(c.meanRating)})`);
  return [
    "[User Profile]",
    u.pastItems > 0 ? `Before this session the user's ${u.pastItems} best-rated logged items were mostly from: ${cats.join(", ")}.` : "No logged items of this user before this session.",
    ...(u.features.length ? [`User features: ${u.features.join(", ")}.`] : []),
    "",
  ];
}

/**
 * LERL's four-part planning prompt for one session: [Candidate Categories], [User Interaction History],
 * [Reflective Summaries], [Your Task]. Category names appear where the dataset has them.
 */
export function lerlPlanPrompt(request: PlanRequest, o: LerlPromptOptions): PromptMessages {
  const name = nameLookup(request);
  const feedback = o.feedbackMeaning ? `\nFeedback values: ${o.feedbackMeaning}.` : "";
  const user = [
    "[Candidate Categories]",
    formatCandidates(request.candidates),
    "",
    ...userProfileLines(request),
    "[User Interaction History]",
    `The last ${request.history.length} recommendation slates of this session (oldest first).${feedback}`,
    formatHistory(request.history, name),
    "",
    "[Reflective Summaries]",
    "Summaries derived from past sessions that achieved high long-term satisfaction:",
    formatReflections(request.reflections),
    "",
    "[Your Task]",
    taskText(o, false),
  ].join("\n");
  return [["system", o.systemPrompt ?? LERL_SYSTEM_PROMPT], ["human", user]];
}

/** Short label of the i-th session of a cohort prompt; the answer refers to sessions by it. */
export function cohortLabel(i: number): string {
  return `S${i + 1}`;
}

/**
 * The same four parts for a whole cohort in one call (a cost lever beyond the paper): the candidates once when
 * every session shares them, one history block per session labelled S1..Sn, the reflections once.
 */
export function lerlCohortPrompt(requests: readonly PlanRequest[], o: LerlPromptOptions): PromptMessages {
  const shared = sameCandidates(requests);
  const feedback = o.feedbackMeaning ? `\nFeedback values: ${o.feedbackMeaning}.` : "";
  const blocks = requests.map((r, i) => {
    const name = nameLookup(r);
    const head = `${cohortLabel(i)} (step ${r.step}, return so far ${num(r.returnSoFar ?? 0)}):`;
    const own = shared ? "" : `\nCandidates: ${r.candidates.map((c) => c.id).join(", ")}`;
    return `${head}${own}\n${formatHistory(r.history, name)}`;
  });
  const candidates = shared
    ? formatCandidates(requests[0]?.candidates ?? [])
    : formatCandidates(dedupeCandidates(requests)) + "\nEach user may only get the candidates listed in their own block.";
  const user = [
    "[Candidate Categories]",
    candidates,
    "",
    "[User Interaction History]",
    `The last recommendation slates of each of ${requests.length} users (oldest first).${feedback}`,
    blocks.join("\n\n"),
    "",
    "[Reflective Summaries]",
    "Summaries derived from past sessions that achieved high long-term satisfaction:",
    formatReflections(uniqueReflections(requests)),
    "",
    "[Your Task]",
    taskText(o, true),
    `Answer with one plan per user, labelled ${cohortLabel(0)}..${cohortLabel(requests.length - 1)}.`,
  ].join("\n");
  return [["system", o.systemPrompt ?? LERL_SYSTEM_PROMPT], ["human", user]];
}

function dedupeCandidates(requests: readonly PlanRequest[]) {
  const byId = new Map(requests.flatMap((r) => r.candidates).map((c) => [c.id, c] as const));
  return [...byId.values()].sort((a, b) => a.id - b.id);
}
